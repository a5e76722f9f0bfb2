import { describe, expect, it } from 'vitest'
import { MemoryBlobStore } from '../../backends/memory/index.js'
import { StrataError } from '../../core/errors.js'
import { blobKeyOf, sha256Hex } from './object-id.js'
import { ObjectStore } from './object-store.js'
import { SyncBatcher } from './sync-batcher.js'

/** A memory store recording every `sync` call and every `put`'s durability option. */
function recordingStore(failFirstSync = false) {
  const blobs = new MemoryBlobStore()
  const syncs: string[][] = []
  const durable: boolean[] = []
  const sync = blobs.sync.bind(blobs)
  let fail = failFirstSync
  blobs.sync = async (keys) => {
    syncs.push([...keys])
    if (fail) {
      fail = false
      throw new StrataError('UNAVAILABLE', 'disk hiccup')
    }
    await sync(keys)
  }
  const put = blobs.put.bind(blobs)
  blobs.put = async (key, body, options) => {
    durable.push(options?.durable !== false)
    return put(key, body, options)
  }
  return { blobs, syncs, durable }
}

describe('batched durability', () => {
  it('SyncBatcher starts full batches in the background and flush syncs the rest', async () => {
    const { blobs, syncs } = recordingStore()
    for (const k of ['a', 'b', 'c', 'd', 'e']) await blobs.put(k, new Uint8Array([1]))
    const batcher = new SyncBatcher(blobs, 2)
    for (const k of ['a', 'b', 'c', 'd', 'e']) batcher.add(k)
    expect(syncs).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
    await batcher.flush()
    expect(syncs.at(-1)).toEqual(['e'])
    await batcher.flush()
    expect(syncs).toHaveLength(3)
  })

  it('SyncBatcher retries the keys of a failed background batch in flush', async () => {
    const { blobs, syncs } = recordingStore(true)
    for (const k of ['a', 'b', 'c']) await blobs.put(k, new Uint8Array([1]))
    const batcher = new SyncBatcher(blobs, 2)
    for (const k of ['a', 'b', 'c']) batcher.add(k)
    await batcher.flush()
    expect(syncs).toEqual([['a', 'b'], expect.arrayContaining(['a', 'b', 'c'])])
  })

  it('SyncBatcher.flush rejects when a key is missing', async () => {
    const { blobs } = recordingStore()
    const batcher = new SyncBatcher(blobs, 10)
    batcher.add('never/put')
    await expect(batcher.flush()).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('a deferring writer puts without durability and flushes what it wrote and what it found', async () => {
    const { blobs, syncs, durable } = recordingStore()
    const objects = new ObjectStore({ blobs, workers: false })
    const found = Buffer.from('stored by an earlier, killed commit')
    await blobs.put(blobKeyOf('object', sha256Hex(found)), found, { durable: false })
    const writer = objects.writer({ deferDurability: true })
    const a = await writer.putBytes(Buffer.from('new'))
    const b = await writer.putBytes(found)
    expect(durable).toEqual([false, false])
    expect(syncs).toEqual([])
    await writer.flush()
    expect(syncs.flat().sort()).toEqual([blobKeyOf('object', a.id), blobKeyOf('object', b.id)].sort())
    // A default writer keeps durable puts and never syncs.
    await objects.writer().putBytes(Buffer.from('durable'))
    expect(durable.at(-1)).toBe(true)
  })
})
