import { readFile } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BlobInfo, BlobStore } from '../ports/index.js'
import { byteSorted, readAll, seededBytes, sha256, unevenChunks, utf8 } from './blob-bytes.js'
import { describeBlobStoreSync } from './blob-store-sync.suite.js'
import { rejectionCode } from './rejection.js'

/** Options of {@link describeBlobStore}. */
export interface BlobStoreSuiteOptions {
  /** Backend name, shown in every test name. */
  name: string
  /** A fresh, empty store for one test (its own directory, prefix or instance). */
  create: () => Promise<BlobStore> | BlobStore
  /** Drops what a test stored; receives the test's store, which may already be closed. */
  cleanup?: (store: BlobStore) => Promise<void> | void
  /**
   * Cases a test double cannot pass although the real backend does, each with the reason
   * shown in the skipped test's name. Only for emulators (s3rver), never for a real backend.
   */
  emulatorLimits?: { readDuringReplace?: string; concurrentPuts?: string }
}

const MIB = 1024 * 1024
/** Over two 8 MiB multipart parts plus a remainder. */
const LARGE = 17 * MIB + 12_345

async function listAll(store: BlobStore, prefix: string): Promise<BlobInfo[]> {
  const out: BlobInfo[] = []
  for await (const info of store.list(prefix)) out.push(info)
  return out
}

async function content(store: BlobStore, key: string): Promise<Buffer> {
  return (await readAll(await store.get(key))).bytes
}

/** A body that stops after `before` bytes until `release()` is called, telling when it got there. */
function gatedBody(bytes: Uint8Array, before: number) {
  let release!: () => void
  let reached!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const atGate = new Promise<void>((resolve) => {
    reached = resolve
  })
  async function* body(): AsyncGenerator<Uint8Array> {
    yield* unevenChunks(bytes.subarray(0, before))
    // Requested the next chunk: everything before the gate has been consumed.
    reached()
    await released
    yield* unevenChunks(bytes.subarray(before))
  }
  return { body: body(), atGate, release }
}

/**
 * The `BlobStore` conformance suite: every contract bullet of the port, run against one
 * backend. Each implementation calls it from a three-line test file.
 *
 * @example
 * describeBlobStore({ name: 'memory', create: () => new MemoryBlobStore() })
 */
export function describeBlobStore(options: BlobStoreSuiteOptions): void {
  const { name } = options
  describeBlobStoreSync(options)
  describe(`BlobStore conformance: ${name}`, () => {
    let store: BlobStore
    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.cleanup?.(store)
      await store.close()
    })

    it(`${name}: has a kind and a capabilities object`, () => {
      expect(typeof store.kind).toBe('string')
      expect(store.kind).not.toBe('')
      expect(typeof store.capabilities.localPaths).toBe('boolean')
    })

    it(`${name}: round-trips empty objects given as bytes and as an empty stream`, async () => {
      expect(await store.put('empty', new Uint8Array(0))).toMatchObject({ key: 'empty', size: 0 })
      expect(await store.put('empty-stream', (async function* () {})())).toMatchObject({
        key: 'empty-stream',
        size: 0,
      })
      for (const key of ['empty', 'empty-stream']) {
        expect((await content(store, key)).byteLength).toBe(0)
        expect(await store.stat(key)).toMatchObject({ key, size: 0 })
      }
      expect((await listAll(store, 'empty')).map((i) => [i.key, i.size])).toEqual([
        ['empty', 0],
        ['empty-stream', 0],
      ])
    })

    it(`${name}: round-trips a small object and reports its BlobInfo`, async () => {
      const bytes = utf8('hello, strata ✓')
      const info = await store.put('notes/hello.txt', bytes)
      expect(info).toMatchObject({ key: 'notes/hello.txt', size: bytes.byteLength })
      expect(await content(store, 'notes/hello.txt')).toEqual(Buffer.from(bytes))
      const stat = await store.stat('notes/hello.txt')
      expect(stat).toMatchObject({ key: 'notes/hello.txt', size: bytes.byteLength })
      if (stat?.modifiedAt !== undefined) expect(stat.modifiedAt).toBeInstanceOf(Date)
    })

    it(`${name}: round-trips a multi-MiB object streamed in many uneven chunks (sha256)`, async () => {
      const bytes = seededBytes(1, LARGE)
      const info = await store.put('big/streamed.bin', unevenChunks(bytes))
      expect(info).toMatchObject({ key: 'big/streamed.bin', size: LARGE })
      const read = await readAll(await store.get('big/streamed.bin'))
      expect(read.bytes.byteLength).toBe(LARGE)
      expect(sha256(read.bytes)).toBe(sha256(bytes))
      // get streams: a 17 MiB object does not arrive as one buffer.
      expect(read.chunks).toBeGreaterThan(1)
      expect((await store.stat('big/streamed.bin'))?.size).toBe(LARGE)
    })

    it(`${name}: round-trips a multi-MiB Uint8Array that is a view into a larger buffer`, async () => {
      const backing = seededBytes(2, 10 * MIB)
      const view = backing.subarray(777, 777 + 9 * MIB + 3)
      await store.put('big/view.bin', view)
      const read = await content(store, 'big/view.bin')
      expect(read.byteLength).toBe(view.byteLength)
      expect(sha256(read)).toBe(sha256(view))
    })

    it(`${name}: keeps its own copy of the bytes put (caller buffers may be reused)`, async () => {
      const bytes = utf8('original')
      await store.put('copy/bytes', bytes)
      bytes.fill(0x21)
      expect((await content(store, 'copy/bytes')).toString()).toBe('original')

      // A producer that refills one buffer for every chunk, as some stream readers do.
      const shared = new Uint8Array(64 * 1024)
      async function* reused(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 40; i++) {
          shared.fill(i)
          yield shared
        }
      }
      await store.put('copy/stream', reused())
      const read = await content(store, 'copy/stream')
      expect(read.byteLength).toBe(40 * shared.byteLength)
      for (let i = 0; i < 40; i++) expect(read[i * shared.byteLength + 100]).toBe(i)
    })

    it(`${name}: put of an existing key replaces it`, async () => {
      await store.put('replace/me', seededBytes(3, MIB))
      const second = utf8('second, shorter value')
      expect(await store.put('replace/me', second)).toMatchObject({ size: second.byteLength })
      expect(await content(store, 'replace/me')).toEqual(Buffer.from(second))
      expect((await store.stat('replace/me'))?.size).toBe(second.byteLength)
      expect((await listAll(store, '')).map((i) => [i.key, i.size])).toEqual([
        ['replace/me', second.byteLength],
      ])
    })

    it(`${name}: get of a missing key rejects with NOT_FOUND naming it; stat resolves undefined`, async () => {
      const missing = await rejectionCode(store.get('no/such/key'))
      expect(missing.code).toBe('NOT_FOUND')
      expect(missing.message).toContain('no/such/key')
      expect(await store.stat('no/such/key')).toBeUndefined()
      // A key that is only a prefix of stored keys ("a directory") is missing too.
      await store.put('dir/file', utf8('x'))
      expect((await rejectionCode(store.get('dir'))).code).toBe('NOT_FOUND')
      expect(await store.stat('dir')).toBeUndefined()
    })

    it(`${name}: list yields keys in UTF-8 byte order and filters by prefix`, async () => {
      const keys = [
        'ab',
        'a/b/c',
        'a-b',
        'a/b',
        'a',
        'b',
        'a/b c',
        'a/b/c/d',
        'A',
        'é',
        '😀',
        '\uff01',
        'a%',
        'a%/x',
        'a/%25',
        'a.b/c',
      ]
      for (const [i, key] of keys.entries()) await store.put(key, utf8(`${key}#${i}`))
      const sorted = byteSorted(keys)
      const all = await listAll(store, '')
      expect(all.map((i) => i.key)).toEqual(sorted)
      for (const info of all) expect(info.size).toBe(utf8(`${info.key}#${keys.indexOf(info.key)}`).byteLength)
      for (const prefix of [
        'a',
        'a/',
        'a/b',
        'a/b/',
        'a/b/c',
        'ab',
        'a%',
        'é',
        '😀',
        'A',
        'zzz',
        'a/b/c/d/e',
      ]) {
        const listed = (await listAll(store, prefix)).map((i) => i.key)
        expect(listed, `list(${JSON.stringify(prefix)})`).toEqual(sorted.filter((k) => k.startsWith(prefix)))
      }
      // Prefixes no valid key can start with list nothing.
      for (const prefix of ['/a', 'a//', '../', 'a/../']) expect(await listAll(store, prefix)).toEqual([])
    })

    it(`${name}: delete is idempotent and leaves neighbouring keys alone`, async () => {
      await store.delete('never/existed')
      for (const key of ['a/b', 'a/b/c', 'a/bc']) await store.put(key, utf8(key))
      await store.delete('a/b')
      expect((await rejectionCode(store.get('a/b'))).code).toBe('NOT_FOUND')
      expect(await store.stat('a/b')).toBeUndefined()
      expect((await listAll(store, '')).map((i) => i.key)).toEqual(['a/b/c', 'a/bc'])
      await store.delete('a/b')
      await store.delete('a/b/c')
      expect((await listAll(store, '')).map((i) => i.key)).toEqual(['a/bc'])
      await store.put('a/b/c', utf8('again'))
      expect((await content(store, 'a/b/c')).toString()).toBe('again')
    })

    it(`${name}: rejects invalid keys with INVALID_ARGUMENT on every operation`, async () => {
      const bad = [
        '',
        '/a',
        'a/',
        'a//b',
        '..',
        'a/../b',
        '.',
        'a/./b',
        'nul\u0000',
        'line\nbreak',
        'del\u007f',
      ]
      for (const key of bad) {
        const calls: [string, () => Promise<unknown>][] = [
          ['put', () => store.put(key, utf8('x'))],
          ['get', () => store.get(key)],
          ['stat', () => store.stat(key)],
          ['delete', () => store.delete(key)],
        ]
        if (store.localPath !== undefined) calls.push(['localPath', async () => store.localPath?.(key)])
        for (const [operation, call] of calls) {
          const { code, message } = await rejectionCode(call())
          expect(code, `${operation}(${JSON.stringify(key)})`).toBe('INVALID_ARGUMENT')
          expect(message).toContain(JSON.stringify(key))
        }
      }
      expect(await listAll(store, '')).toEqual([])
    })

    it.skipIf(options.emulatorLimits?.concurrentPuts !== undefined)(
      `${name}: concurrent puts to one key leave exactly one whole value${skipNote(options.emulatorLimits?.concurrentPuts)}`,
      async () => {
        const values = [1, 2, 3, 4, 5, 6].map((seed) => seededBytes(100 + seed, MIB + seed * 4099))
        const hashes = new Set(values.map(sha256))
        await Promise.all(
          values.map((bytes) => store.put('race/key', unevenChunks(bytes, [16_384, 7, 50_000]))),
        )
        const read = await content(store, 'race/key')
        expect(hashes.has(sha256(read))).toBe(true)
        expect((await store.stat('race/key'))?.size).toBe(read.byteLength)
        expect((await listAll(store, '')).map((i) => i.key)).toEqual(['race/key'])
      },
    )

    it(`${name}: a reader during a slow streamed put sees the old object or nothing, never part of the new`, async () => {
      const old = utf8('the old value')
      await store.put('slow/existing', old)
      const next = seededBytes(4, 10 * MIB)
      const replacing = gatedBody(next, 9 * MIB)
      const creating = gatedBody(next, 9 * MIB)
      const puts = Promise.all([
        store.put('slow/existing', replacing.body),
        store.put('slow/new', creating.body),
      ])
      try {
        await Promise.all([replacing.atGate, creating.atGate])
        expect(await content(store, 'slow/existing')).toEqual(Buffer.from(old))
        expect((await store.stat('slow/existing'))?.size).toBe(old.byteLength)
        expect((await rejectionCode(store.get('slow/new'))).code).toBe('NOT_FOUND')
        expect(await store.stat('slow/new')).toBeUndefined()
        expect((await listAll(store, '')).map((i) => [i.key, i.size])).toEqual([
          ['slow/existing', old.byteLength],
        ])
      } finally {
        replacing.release()
        creating.release()
        await puts
      }
      for (const key of ['slow/existing', 'slow/new'])
        expect(sha256(await content(store, key))).toBe(sha256(next))
    })

    it.skipIf(options.emulatorLimits?.readDuringReplace !== undefined)(
      `${name}: a get in progress keeps reading the object it started with when the key is replaced${skipNote(options.emulatorLimits?.readDuringReplace)}`,
      async () => {
        const first = seededBytes(5, 6 * MIB)
        await store.put('snap/key', first)
        const iterator = (await store.get('snap/key'))[Symbol.asyncIterator]()
        const head = await iterator.next()
        expect(head.done).toBe(false)
        await store.put('snap/key', seededBytes(6, 6 * MIB))
        const parts = [head.value as Uint8Array]
        for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) parts.push(r.value)
        expect(sha256(Buffer.concat(parts))).toBe(sha256(first))
      },
    )

    it(`${name}: a put whose body fails leaves the old object and creates nothing`, async () => {
      await store.put('fail/existing', utf8('kept'))
      async function* failing(bytes: number): AsyncGenerator<Uint8Array> {
        yield* unevenChunks(seededBytes(7, bytes))
        throw new Error('body failed on purpose')
      }
      await expect(store.put('fail/existing', failing(MIB))).rejects.toThrow('body failed on purpose')
      await expect(store.put('fail/new', failing(9 * MIB))).rejects.toThrow('body failed on purpose')
      expect((await content(store, 'fail/existing')).toString()).toBe('kept')
      expect(await store.stat('fail/new')).toBeUndefined()
      expect((await listAll(store, '')).map((i) => i.key)).toEqual(['fail/existing'])
    })

    it(`${name}: localPath gives a readable file exactly when capabilities.localPaths`, async () => {
      await store.put('a/b', utf8('file a/b'))
      await store.put('a/b/c', utf8('file a/b/c'))
      if (!store.capabilities.localPaths) {
        expect(store.localPath?.('a/b')).toBeUndefined()
        return
      }
      const paths = ['a/b', 'a/b/c'].map((key) => store.localPath?.(key))
      for (const [i, path] of paths.entries()) {
        expect(typeof path).toBe('string')
        expect(isAbsolute(path as string)).toBe(true)
        expect((await readFile(path as string)).toString()).toBe(`file ${['a/b', 'a/b/c'][i]}`)
      }
      expect(paths[0]).not.toBe(paths[1])
    })

    it(`${name}: close is idempotent and later operations reject with FAILED_PRECONDITION`, async () => {
      await store.put('closing', utf8('x'))
      await store.close()
      await store.close()
      expect((await rejectionCode(store.get('closing'))).code).toBe('FAILED_PRECONDITION')
      expect((await rejectionCode(store.put('closing', utf8('y')))).code).toBe('FAILED_PRECONDITION')
      expect((await rejectionCode(listAll(store, ''))).code).toBe('FAILED_PRECONDITION')
    })
  })
}

function skipNote(reason: string | undefined): string {
  return reason === undefined ? '' : ` (skipped: ${reason})`
}
