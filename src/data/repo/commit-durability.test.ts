import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { describeDataRepo } from '../../../test/support/data-repo-fixture.js'
import { FsBlobStore } from '../../backends/blob/index.js'
import type { DataRepository } from './data-repository.js'

describeDataRepo(
  'DataRepository commit durability',
  (open) => {
    it('sqlite+fs: every blob a commit writes is put non-durably and synced before the ref moves', async () => {
      const first = await open()
      const blobs = new FsBlobStore({ root: join(first.tempDir(), 'blobs') })
      const nonDurable = new Set<string>()
      const synced = new Set<string>()
      const headsAtSync: (string | null)[] = []
      let repo: DataRepository | undefined
      const put = blobs.put.bind(blobs)
      blobs.put = async (key, body, options) => {
        if (options?.durable === false) nonDurable.add(key)
        return put(key, body, options)
      }
      const sync = blobs.sync.bind(blobs)
      blobs.sync = async (keys) => {
        await sync(keys)
        for (const key of keys) synced.add(key)
        headsAtSync.push((await repo?.resolve('d', 'main').catch(() => undefined))?.id ?? null)
      }
      repo = first.another({ blobs, objects: { chunker: { minSize: 1024, avgSize: 4096, maxSize: 16384 } } })
      await repo.createDataset('d')
      const before = await repo
        .commit('d', { message: 'one', changes: [{ path: 'a.bin', bytes: randomBytes(100) }] })
        .then((c) => c.id)
      const after = await repo.commit('d', {
        message: 'two',
        changes: [
          { path: 'big.bin', bytes: randomBytes(200_000) },
          { path: 'dir/b.txt', bytes: Buffer.from('b') },
        ],
      })
      // Chunks, manifest, object and trees of the second commit were all written lazily and synced.
      expect(nonDurable.size).toBeGreaterThan(10)
      for (const key of nonDurable) expect(synced.has(key), key).toBe(true)
      const stored: string[] = []
      for await (const info of blobs.list('data/')) stored.push(info.key)
      expect(stored.filter((k) => !synced.has(k))).toEqual([])
      // Each sync ran while the branch still pointed at the commit before.
      expect(headsAtSync).not.toContain(after.id)
      expect(headsAtSync).toContain(before)
    })
  },
  ['sqlite+fs'],
)
