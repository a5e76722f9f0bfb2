import { mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BlobStore } from '../../ports/index.js'
import { describeBlobStore } from '../../testing/blob-store.suite.js'
import { encodeDirName, FS_TEMP_DIR } from './fs-blob-layout.js'
import { FsBlobStore } from './fs-blob-store.js'

const roots = new Map<BlobStore, string>()

describeBlobStore({
  name: 'fs',
  create: async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-fs-blob-'))
    const store = new FsBlobStore({ root })
    roots.set(store, root)
    return store
  },
  cleanup: async (store) => {
    await rm(roots.get(store) ?? '', { recursive: true, force: true })
    roots.delete(store)
  },
})

describe('FsBlobStore specifics', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })
  const tempRoot = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-fs-blob-'))
    dirs.push(dir)
    return dir
  }

  it('fs: lays files out so "a/b" and "a/b/c" coexist, with readable names', async () => {
    const root = await tempRoot()
    const store = new FsBlobStore({ root })
    await store.put('a/b', new Uint8Array([1]))
    await store.put('a/b/c.parquet', new Uint8Array([2]))
    await store.put('p%q', new Uint8Array([3]))
    expect(store.localPath('a/b')).toBe(join(root, 'a%', 'b'))
    expect(store.localPath('a/b/c.parquet')).toBe(join(root, 'a%', 'b%', 'c.parquet'))
    expect((await readdir(root)).sort()).toEqual([FS_TEMP_DIR, 'a%', 'p%25q'].sort())
  })

  it('fs: leaves no temporary file behind after puts, failed puts and deletes', async () => {
    const root = await tempRoot()
    const store = new FsBlobStore({ root })
    await store.put('x/y', new Uint8Array(1000))
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10)
      throw new Error('nope')
    }
    await expect(store.put('x/z', failing())).rejects.toThrow('nope')
    await store.delete('x/y')
    expect(await readdir(join(root, FS_TEMP_DIR))).toEqual([])
    // delete pruned the now-empty "x" directory
    expect(await readdir(root)).toEqual([FS_TEMP_DIR])
  })

  it('fs: never follows a symbolic link out of the root (file or directory on the path)', async () => {
    const root = await tempRoot()
    const outside = await tempRoot()
    await writeFile(join(outside, 'secret'), 'top secret')
    const store = new FsBlobStore({ root })
    await store.put('a/inside', new Uint8Array([1]))
    await symlink(join(outside, 'secret'), store.localPath('a/link'))
    await symlink(outside, join(dirname(store.localPath('a/inside')), encodeDirName('dir')))
    for (const key of ['a/link', 'a/dir/secret']) {
      await expect(store.get(key), key).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
      await expect(store.stat(key), key).rejects.toMatchObject({ code: 'PERMISSION_DENIED' })
      expect(() => store.localPath(key), key).toThrow(/symbolic link/)
    }
    await expect(store.get('a/link')).rejects.toThrow(/"a\/link" .* is a symbolic link/)
    expect(Buffer.concat(await collect(await store.get('a/inside')))).toEqual(Buffer.from([1]))
    expect((await collect(store.list('a/'))).map((b) => b.key)).toEqual(['a/inside'])
  })

  it('fs: ignores foreign files and directories under the root', async () => {
    const root = await tempRoot()
    const store = new FsBlobStore({ root })
    await store.put('kept', new Uint8Array([1]))
    await writeFile(join(root, 'bad%zz'), 'not a layout name')
    await writeFile(join(root, FS_TEMP_DIR, 'leftover.tmp'), 'partial')
    expect((await collect(store.list(''))).map((i) => i.key)).toEqual(['kept'])
  })

  it('fs: the first put sweeps temporary files older than staleTempMs and keeps fresh ones', async () => {
    const root = await tempRoot()
    const first = new FsBlobStore({ root })
    await first.put('init', new Uint8Array([1]))
    const stale = join(root, FS_TEMP_DIR, 'stale.tmp')
    const fresh = join(root, FS_TEMP_DIR, 'fresh.tmp')
    await writeFile(stale, 'crashed put')
    await writeFile(fresh, 'live put in another process')
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
    await utimes(stale, twoHoursAgo, twoHoursAgo)
    const second = new FsBlobStore({ root })
    await second.put('init', new Uint8Array([2]))
    expect(await readdir(join(root, FS_TEMP_DIR))).toEqual(['fresh.tmp'])
  })

  it('fs: reports a key segment too long for the file system as INVALID_ARGUMENT', async () => {
    const store = new FsBlobStore({ root: await tempRoot() })
    await expect(store.put('x'.repeat(300), new Uint8Array([1]))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    })
  })

  it('fs: an unwritable root fails put with FAILED_PRECONDITION naming the root', async () => {
    const root = await tempRoot()
    const file = join(root, 'not-a-dir')
    await writeFile(file, '')
    const store = new FsBlobStore({ root: join(file, 'blobs') })
    const err = await store.put('k', new Uint8Array([1])).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'FAILED_PRECONDITION' })
    expect((err as Error).message).toContain(file)
  })
})

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}
