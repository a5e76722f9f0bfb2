import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { describeDataRepo } from '../../../test/support/data-repo-fixture.js'
import { collect } from '../objects/index.js'

const objects = { chunker: { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 } }
const text = (s: string) => Buffer.from(s, 'utf8')
async function* streamOf(...parts: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p
}

describeDataRepo('DataRepository basics', (open, backend) => {
  it(`${backend}: commits bytes, streams and a directory, and reads them back`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('flights', { description: 'flight delays' })
    const dir = t.tempDir()
    mkdirSync(join(dir, 'sub', 'deep'), { recursive: true })
    writeFileSync(join(dir, 'a.txt'), 'alpha')
    writeFileSync(join(dir, 'sub', 'b.bin'), randomBytes(1000))
    writeFileSync(join(dir, 'sub', 'deep', 'c.txt'), 'gamma')
    // A symlink cycle is followed once, not forever.
    symlinkSync('..', join(dir, 'sub', 'deep', 'up'))
    const commit = await t.repo.commit('flights', {
      message: 'first drop',
      author: 'ada',
      metadata: { source: 'test' },
      changes: [
        { path: 'raw', source: dir },
        { path: 'notes/readme.md', bytes: text('# hello') },
        { path: 'notes/streamed.txt', stream: streamOf(text('one '), text('two')) },
      ],
    })
    expect(commit).toMatchObject({
      dataset: 'flights',
      parents: [],
      author: 'ada',
      message: 'first drop',
      metadata: { source: 'test' },
      stats: { files: 5, bytes: 5 + 1000 + 5 + 7 + 7, added: 5, changed: 0, removed: 0 },
    })
    expect(commit.id).toMatch(/^[0-9a-f]{64}$/)
    const files = await t.repo.files('flights', 'main')
    expect(files.map((f) => f.path)).toEqual([
      'notes/readme.md',
      'notes/streamed.txt',
      'raw/a.txt',
      'raw/sub/b.bin',
      'raw/sub/deep/c.txt',
    ])
    expect(files[0]).toMatchObject({ contentType: 'text/markdown', size: 7 })
    expect((await t.repo.files('flights', 'main', { prefix: 'raw/sub' })).map((f) => f.path)).toEqual([
      'raw/sub/b.bin',
      'raw/sub/deep/c.txt',
    ])
    const body = await collect(await t.repo.readFile('flights', commit.id.slice(0, 8), 'notes/streamed.txt'))
    expect(body.toString()).toBe('one two')
    await expect(t.repo.readFile('flights', 'main', 'raw/sub')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(t.repo.readFile('flights', 'main', 'nope.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    const node = await t.lineage.node(`dataset-commit:${commit.id}`)
    expect(node.label).toBe(`flights@main ${commit.id.slice(0, 12)}`)
  })

  it(`${backend}: replaces and deletes files and directories; log, paths filter, refs and ~N`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('d')
    const c1 = await t.repo.commit('d', {
      message: 'one',
      changes: [
        { path: 'a.txt', bytes: text('a1') },
        { path: 'dir/x.txt', bytes: text('x') },
        { path: 'dir/y.txt', bytes: text('y') },
        { path: 'keep/k.txt', bytes: text('k') },
      ],
    })
    const c2 = await t.repo.commit('d', { message: 'two', changes: [{ path: 'a.txt', bytes: text('a2') }] })
    const c3 = await t.repo.commit('d', {
      message: 'three',
      changes: [
        { path: 'dir', delete: true },
        { path: 'dir/z.txt', bytes: text('z') },
      ],
    })
    expect(c2.parents).toEqual([c1.id])
    expect(c2.stats).toMatchObject({ files: 4, added: 0, changed: 1, removed: 0 })
    expect(c3.stats).toMatchObject({ files: 3, added: 1, changed: 0, removed: 2 })
    expect((await t.repo.files('d', 'main')).map((f) => f.path)).toEqual(['a.txt', 'dir/z.txt', 'keep/k.txt'])
    expect((await t.repo.log('d')).map((c) => c.message)).toEqual(['three', 'two', 'one'])
    expect((await t.repo.log('d', { limit: 2 })).map((c) => c.message)).toEqual(['three', 'two'])
    expect((await t.repo.log('d', { paths: ['a.txt'] })).map((c) => c.message)).toEqual(['two', 'one'])
    expect((await t.repo.log('d', { paths: ['dir'] })).map((c) => c.message)).toEqual(['three', 'one'])
    expect((await t.repo.log('d', { paths: ['keep'] })).map((c) => c.message)).toEqual(['one'])
    expect((await t.repo.resolve('d', 'main~2')).id).toBe(c1.id)
    await t.repo.tag('d', 'v1', 'main~1')
    expect((await t.repo.resolve('d', 'v1')).id).toBe(c2.id)
    await expect(t.repo.tag('d', 'v1', 'main')).rejects.toMatchObject({ code: 'ALREADY_EXISTS' })
    await expect(t.repo.resolve('d', 'main~3')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(t.repo.resolve('d', 'nosuch')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(
      t.repo.commit('d', { message: 'noop', changes: [{ path: 'a.txt', bytes: text('a2') }] }),
    ).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' })
    await expect(
      t.repo.commit('d', { message: 'bad', changes: [{ path: 'a.txt/inside', bytes: text('?') }] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(
      t.repo.commit('d', { message: 'bad', changes: [{ path: '../etc/passwd', bytes: text('?') }] }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(
      t.repo.commit('d', { message: 'to a tag', branch: 'v1', changes: [] }),
    ).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
    })
    expect((await t.lineage.upstream(`dataset-commit:${c3.id}`)).nodes.map((n) => n.id)).toEqual([
      `dataset-commit:${c3.id}`,
      `dataset-commit:${c2.id}`,
      `dataset-commit:${c1.id}`,
    ])
  })

  it(`${backend}: stores a large file in chunks and re-stores only the tail after an append`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('big')
    const data = randomBytes(3 * 1024 * 1024)
    const first = await t.repo.commit('big', { message: 'v1', changes: [{ path: 'blob.bin', bytes: data }] })
    const entry = (await t.repo.files('big', 'main'))[0]
    expect(entry?.chunks).toBeGreaterThan(4)
    const before = await storedBytes(t.blobs)
    const tail = randomBytes(100 * 1024)
    await t.repo.commit('big', {
      message: 'v2',
      changes: [
        { path: 'blob.bin', stream: streamOf(data.subarray(0, 1_000_000), data.subarray(1_000_000), tail) },
      ],
    })
    const written = (await storedBytes(t.blobs)) - before
    expect(written).toBeGreaterThan(tail.byteLength)
    expect(written).toBeLessThan(tail.byteLength + objects.chunker.maxSize + 32 * 1024)
    const back = await collect(await t.repo.readFile('big', 'main', 'blob.bin'))
    expect(back.equals(Buffer.concat([data, tail]))).toBe(true)
    const old = await collect(await t.repo.readFile('big', first.id, 'blob.bin'))
    expect(old.equals(data)).toBe(true)
  })

  it(`${backend}: exports a commit and gives local paths for DuckDB`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('ex')
    const big = randomBytes(600 * 1024)
    await t.repo.commit('ex', {
      message: 'm',
      changes: [
        { path: 'a/b.csv', bytes: text('id,v\n1,2\n') },
        { path: 'a/big.bin', bytes: big },
        { path: 'c.txt', bytes: text('c') },
      ],
    })
    const out = t.tempDir()
    expect(await t.repo.exportTo('ex', 'main', out)).toEqual({ files: 3, bytes: 9 + big.byteLength + 1 })
    expect(readFileSync(join(out, 'a', 'b.csv'), 'utf8')).toBe('id,v\n1,2\n')
    expect(readFileSync(join(out, 'a', 'big.bin')).equals(big)).toBe(true)
    const some = t.tempDir()
    expect(await t.repo.exportTo('ex', 'main', some, { paths: ['c.txt'] })).toEqual({ files: 1, bytes: 1 })
    const local = await t.repo.localFile('ex', 'main', 'a/b.csv')
    expect(readFileSync(local, 'utf8')).toBe('id,v\n1,2\n')
    const { rows } = await t.engine.query(`select sum(v)::integer as s from read_csv('${local}')`)
    expect(rows[0]?.s).toBe(2)
    expect(readFileSync(await t.repo.localFile('ex', 'main', 'a/big.bin')).equals(big)).toBe(true)
  })
})

describeDataRepo('DataRepository stat cache', (open, backend) => {
  it(`${backend}: re-commits skip reading unchanged local files, and re-check what they trust`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('sc')
    const dir = t.tempDir()
    const old = new Date(Date.now() - 3600_000)
    for (const name of ['a.bin', 'b.bin', 'c.bin']) {
      writeFileSync(join(dir, name), randomBytes(2000))
      utimesSync(join(dir, name), old, old)
    }
    await t.repo.commit('sc', { message: 'one', changes: [{ path: '', source: dir }] })
    const before = await t.repo.files('sc', 'main')
    // Same size and mtime but new bytes: trusted like git's index (the documented trade-off),
    // which proves the file was not read again.
    writeFileSync(join(dir, 'a.bin'), randomBytes(2000))
    utimesSync(join(dir, 'a.bin'), old, old)
    // A real edit changes the mtime and is picked up.
    writeFileSync(join(dir, 'b.bin'), randomBytes(2000))
    const second = await t.repo.commit('sc', { message: 'two', changes: [{ path: '', source: dir }] })
    expect(second.stats).toMatchObject({ changed: 1 })
    const after = await t.repo.files('sc', 'main')
    expect(after.find((f) => f.path === 'a.bin')?.object).toBe(before.find((f) => f.path === 'a.bin')?.object)
    expect(after.find((f) => f.path === 'b.bin')?.object).not.toBe(
      before.find((f) => f.path === 'b.bin')?.object,
    )

    // Without the cache every file is read; a cached id whose object is gone is not trusted.
    const uncached = t.another({ statCache: false })
    const third = await uncached.commit('sc', { message: 'three', changes: [{ path: '', source: dir }] })
    expect(third.stats).toMatchObject({ changed: 1 })
    const c = after.find((f) => f.path === 'c.bin')
    await t.blobs.delete(`data/objects/${c?.object.slice(0, 2)}/${c?.object}`)
    expect((await t.repo.fsck()).ok).toBe(false)
    await t.repo.commit('sc', { message: 'heal', allowEmpty: true, changes: [{ path: '', source: dir }] })
    expect((await t.repo.fsck()).ok).toBe(true)
  })
})

async function storedBytes(blobs: {
  list(prefix: string): AsyncIterable<{ size: number }>
}): Promise<number> {
  let n = 0
  for await (const b of blobs.list('data/')) n += b.size
  return n
}
