import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FsBlobStore, parseS3Url, S3BlobStore } from '../../backends/blob/index.js'
import { MemoryBlobStore } from '../../backends/memory/index.js'
import type { BlobStore } from '../../ports/index.js'
import { describeWithService } from '../../testing/services.js'
import { blobKeyOf, sha256Hex } from './object-id.js'
import { collect, ObjectStore } from './object-store.js'

const chunker = { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 }

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

function objectStoreCases(name: string, createBlobs: () => Promise<BlobStore>): void {
  describe(`ObjectStore on ${name}`, () => {
    const dirs: string[] = []
    afterAll(() => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    })
    const open = async () => new ObjectStore({ blobs: await createBlobs(), chunker })

    it(`${name}: stores a small file whole under the SHA-256 of its bytes`, async () => {
      const store = await open()
      const bytes = Buffer.from('hello, strata\n')
      const stored = await store.writer().putBytes(bytes)
      expect(stored).toEqual({ id: sha256Hex(bytes), size: bytes.byteLength })
      expect((await collect(await store.open(stored.id))).equals(bytes)).toBe(true)
      expect((await collect(await store.open(stored.id, false))).equals(bytes)).toBe(true)
    })

    it(`${name}: chunks a large stream, reads it back, and does not upload it twice`, async () => {
      const store = await open()
      const data = randomBytes(3 * 1024 * 1024)
      const first = store.writer()
      const stored = await first.putStream(pieces(data, 100_000))
      expect(stored.chunks).toBeGreaterThan(5)
      expect(stored.size).toBe(data.byteLength)
      expect(first.stats.bytesWritten).toBeGreaterThanOrEqual(data.byteLength)
      expect((await collect(await store.open(stored.id, true))).equals(data)).toBe(true)
      expect((await collect(await store.open(stored.id))).equals(data)).toBe(true)

      const second = store.writer()
      const again = await second.putBytes(data)
      expect(again).toEqual(stored)
      expect(second.stats.bytesWritten).toBe(0)
      expect(second.stats.blobsReused).toBe((stored.chunks ?? 0) + 1)
    })

    it(`${name}: an append re-stores only the tail chunks`, async () => {
      const store = await open()
      const data = randomBytes(4 * 1024 * 1024)
      await store.writer().putBytes(data)
      const tail = randomBytes(64 * 1024)
      const w = store.writer()
      const grown = await w.putBytes(Buffer.concat([data, tail]))
      expect(grown.size).toBe(data.byteLength + tail.byteLength)
      // The last old chunk (≤ maxSize) plus the appended bytes plus a small manifest.
      expect(w.stats.bytesWritten).toBeLessThan(chunker.maxSize + tail.byteLength + 64 * 1024)
    })

    it(`${name}: streams a local file and verifies what it stored`, async () => {
      const store = await open()
      const dir = mkdtempSync(join(tmpdir(), 'strata-objects-'))
      dirs.push(dir)
      const path = join(dir, 'big.bin')
      const data = randomBytes(2 * 1024 * 1024 + 17)
      writeFileSync(path, data)
      const stored = await store.writer().putFile(path)
      const seen = new Set<string>()
      const result = await store.verify(stored.id, true, data.byteLength, seen)
      expect(result).toMatchObject({ ok: true, problems: [] })
      expect(result.bytes).toBeGreaterThanOrEqual(data.byteLength)
      // Shared chunks are hashed once per fsck.
      expect((await store.verify(stored.id, true, data.byteLength, seen)).bytes).toBeLessThan(16 * 1024)
    })

    it(`${name}: a file chunked in a worker thread gets the same chunks as one chunked in-thread`, async () => {
      const blobs = await createBlobs()
      const inWorker = new ObjectStore({ blobs, chunker })
      const inThread = new ObjectStore({ blobs, chunker, workers: false })
      const dir = mkdtempSync(join(tmpdir(), 'strata-objects-'))
      dirs.push(dir)
      const path = join(dir, 'big.bin')
      const data = randomBytes(1536 * 1024 + 5)
      writeFileSync(path, data)
      const a = await inThread.writer().putFile(path)
      const w = inWorker.writer()
      const b = await w.putFile(path)
      expect(b).toEqual(a)
      expect(w.stats.bytesWritten).toBe(0)
      const streamed = await inThread.writer().putStream(pieces(data, 65_536))
      expect(streamed).toEqual(a)
      expect((await collect(await inWorker.open(b.id, true))).equals(data)).toBe(true)
    })

    it(`${name}: verify reports a corrupt chunk and a missing object`, async () => {
      const store = await open()
      const data = randomBytes(1024 * 1024)
      const stored = await store.writer().putBytes(data)
      const manifest = await store.readManifest(stored.id)
      const victim = manifest.chunks[1]!
      await store.blobs.put(blobKeyOf('object', victim.id), randomBytes(victim.size))
      const bad = await store.verify(stored.id, true, data.byteLength)
      expect(bad.ok).toBe(false)
      expect(bad.problems.join('\n')).toContain(`object ${victim.id} is corrupt`)
      const missing = sha256Hex(Buffer.from('never stored'))
      expect((await store.verify(missing, false)).problems).toEqual([`object ${missing} is missing`])
      await expect(store.open(missing)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })
  })
}

objectStoreCases('memory', async () => new MemoryBlobStore())

const fsRoots: string[] = []
afterAll(() => {
  for (const d of fsRoots) rmSync(d, { recursive: true, force: true })
})
objectStoreCases('fs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'strata-objects-fs-'))
  fsRoots.push(root)
  return new FsBlobStore({ root })
})

describeWithService('s3', 'ObjectStore on s3', (url) => {
  const runPrefix = `objects-${Date.now()}-${randomUUID().slice(0, 8)}`
  let n = 0
  objectStoreCases('s3', async () => {
    const location = parseS3Url(url)
    return new S3BlobStore({ ...location, prefix: `${location.prefix ?? 'tests'}/${runPrefix}/${++n}` })
  })
})
