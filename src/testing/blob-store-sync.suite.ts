import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BlobStore } from '../ports/index.js'
import { readAll, seededBytes, sha256, unevenChunks, utf8 } from './blob-bytes.js'
import { rejectionCode } from './rejection.js'

/** What {@link describeBlobStoreSync} needs: the same factory and cleanup as the main suite. */
export interface BlobStoreSyncSuiteOptions {
  name: string
  create: () => Promise<BlobStore> | BlobStore
  cleanup?: (store: BlobStore) => Promise<void> | void
}

/**
 * Conformance cases of batched durability (`put(..., { durable: false })` and the optional
 * `sync`): every store accepts the option, and a store with `sync` makes non-durable objects
 * visible at once and syncs existing keys, rejecting missing and invalid ones. Called by
 * `describeBlobStore`.
 */
export function describeBlobStoreSync(options: BlobStoreSyncSuiteOptions): void {
  const { name } = options
  describe(`BlobStore conformance (durability): ${name}`, () => {
    let store: BlobStore
    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.cleanup?.(store)
      await store.close()
    })

    it(`${name}: put with { durable: false } is visible and whole at once, as bytes and streamed`, async () => {
      const big = seededBytes(7, 3 * 1024 * 1024 + 17)
      expect(await store.put('lazy/small', utf8('small'), { durable: false })).toMatchObject({ size: 5 })
      await store.put('lazy/big', unevenChunks(big, [70_000, 3]), { durable: false })
      expect((await readAll(await store.get('lazy/small'))).bytes.toString()).toBe('small')
      expect(sha256((await readAll(await store.get('lazy/big'))).bytes)).toBe(sha256(big))
      expect((await store.stat('lazy/big'))?.size).toBe(big.byteLength)
      const listed: string[] = []
      for await (const info of store.list('lazy/')) listed.push(info.key)
      expect(listed).toEqual(['lazy/big', 'lazy/small'])
      // Replacing with a non-durable put still swaps whole values.
      await store.put('lazy/small', utf8('replaced'), { durable: false })
      expect((await readAll(await store.get('lazy/small'))).bytes.toString()).toBe('replaced')
    })

    it(`${name}: sync makes non-durable and durable objects durable; empty sync resolves`, async () => {
      if (store.sync === undefined) return
      await store.put('s/a', utf8('a'), { durable: false })
      await store.put('s/deep/er/b', utf8('b'), { durable: false })
      await store.put('s/c', utf8('c'))
      await store.sync(['s/a', 's/deep/er/b', 's/c', 's/a'])
      await store.sync([])
      expect((await readAll(await store.get('s/deep/er/b'))).bytes.toString()).toBe('b')
    })

    it(`${name}: sync rejects a missing key with NOT_FOUND and an invalid one with INVALID_ARGUMENT`, async () => {
      if (store.sync === undefined) return
      await store.put('s/here', utf8('x'), { durable: false })
      expect((await rejectionCode(store.sync(['s/here', 's/missing']))).code).toBe('NOT_FOUND')
      expect((await rejectionCode(store.sync(['s/here', 'a//b']))).code).toBe('INVALID_ARGUMENT')
      await store.close()
      expect((await rejectionCode(store.sync(['s/here']))).code).toBe('FAILED_PRECONDITION')
    })
  })
}
