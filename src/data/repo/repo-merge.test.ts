import { expect, it } from 'vitest'
import { describeDataRepo } from '../../../test/support/data-repo-fixture.js'
import { isStrataError } from '../../core/errors.js'
import { collect } from '../objects/index.js'
import type { MergeConflict } from './merge-trees.js'

const text = (s: string) => Buffer.from(s, 'utf8')
const put = (path: string, body: string) => ({ path, bytes: text(body) })
const read = async (
  repo: { readFile(d: string, r: string, p: string): Promise<AsyncIterable<Uint8Array>> },
  ref: string,
  p: string,
) => (await collect(await repo.readFile('m', ref, p))).toString()

describeDataRepo('DataRepository branches, merge, revert and diff', (open, backend) => {
  it(`${backend}: fast-forwards, merges disjoint changes three-way, and lists conflicts`, async () => {
    const { repo } = await open()
    await repo.createDataset('m')
    const base = await repo.commit('m', { message: 'base', changes: [put('a.txt', 'a'), put('b.txt', 'b')] })
    await repo.branch('m', 'dev')
    const dev1 = await repo.commit('m', {
      branch: 'dev',
      message: 'dev edits a',
      changes: [put('a.txt', 'a-dev')],
    })
    const ff = await repo.merge('m', 'dev', 'main')
    expect(ff).toMatchObject({ kind: 'fast-forward', commit: { id: dev1.id } })
    expect((await repo.merge('m', 'dev', 'main')).kind).toBe('up-to-date')

    await repo.commit('m', { branch: 'dev', message: 'dev adds c', changes: [put('c.txt', 'c')] })
    const main2 = await repo.commit('m', { message: 'main edits b', changes: [put('b.txt', 'b-main')] })
    const merged = await repo.merge('m', 'dev', 'main')
    expect(merged.kind).toBe('merge')
    expect(merged.commit.parents).toEqual([main2.id, (await repo.resolve('m', 'dev')).id])
    expect((await repo.files('m', 'main')).map((f) => f.path)).toEqual(['a.txt', 'b.txt', 'c.txt'])
    expect(await read(repo, 'main', 'b.txt')).toBe('b-main')
    expect(await read(repo, 'main', 'c.txt')).toBe('c')

    await repo.commit('m', {
      branch: 'dev',
      message: 'dev edits b',
      changes: [put('b.txt', 'b-dev'), put('d.txt', 'd')],
    })
    await repo.commit('m', { message: 'main edits b again', changes: [put('b.txt', 'b-main-2')] })
    const headBefore = (await repo.resolve('m', 'main')).id
    const err = await repo.merge('m', 'dev', 'main').catch((e: unknown) => e)
    expect(isStrataError(err, 'CONFLICT')).toBe(true)
    const conflicts = (err as { details: { conflicts: MergeConflict[] } }).details.conflicts
    expect(conflicts.map((c) => [c.path, c.reason])).toEqual([['b.txt', 'both-changed']])
    expect((err as Error).message).toContain('"b.txt"')
    expect((await repo.resolve('m', 'main')).id).toBe(headBefore)
    expect(base.parents).toEqual([])
  })

  it(`${backend}: a file on one side and a directory on the other conflict`, async () => {
    const { repo } = await open()
    await repo.createDataset('m')
    await repo.commit('m', { message: 'base', changes: [put('keep.txt', 'k')] })
    await repo.branch('m', 'x')
    await repo.commit('m', { branch: 'x', message: 'file p', changes: [put('p', 'file')] })
    await repo.commit('m', { message: 'dir p', changes: [put('p/q.txt', 'nested')] })
    const err = await repo.merge('m', 'x', 'main').catch((e: unknown) => e)
    expect(isStrataError(err, 'CONFLICT')).toBe(true)
    expect((err as { details: { conflicts: MergeConflict[] } }).details.conflicts[0]).toMatchObject({
      path: 'p',
      reason: 'file-directory',
    })
  })

  it(`${backend}: reverts a commit, and refuses when the file changed again`, async () => {
    const { repo } = await open()
    await repo.createDataset('m')
    await repo.commit('m', { message: 'one', changes: [put('a.txt', 'a1'), put('b.txt', 'b1')] })
    const two = await repo.commit('m', {
      message: 'two',
      changes: [put('a.txt', 'a2'), { path: 'b.txt', delete: true }, put('c.txt', 'c')],
    })
    await repo.commit('m', { message: 'three', changes: [put('d.txt', 'd')] })
    const reverted = await repo.revert('m', two.id.slice(0, 10))
    expect(reverted.message).toContain('Revert "two"')
    expect(reverted.metadata.reverts).toBe(two.id)
    expect((await repo.files('m', 'main')).map((f) => f.path)).toEqual(['a.txt', 'b.txt', 'd.txt'])
    expect(await read(repo, 'main', 'a.txt')).toBe('a1')
    const four = await repo.commit('m', { message: 'four', changes: [put('a.txt', 'a4')] })
    const err = await repo.revert('m', 'main~1').catch((e: unknown) => e)
    expect(isStrataError(err, 'CONFLICT')).toBe(true)
    expect((await repo.resolve('m', 'main')).id).toBe(four.id)
  })

  it(`${backend}: diffs paths with sizes, tabular row counts and schema changes, and rows by key`, async () => {
    const { repo } = await open()
    await repo.createDataset('m')
    const v1 = await repo.commit('m', {
      message: 'v1',
      changes: [
        put('people.csv', 'id,name,age\n1,ann,30\n2,bob,40\n3,cy,50\n'),
        put('gone.txt', 'bye'),
        put('same.txt', 'same'),
      ],
    })
    const v2 = await repo.commit('m', {
      message: 'v2',
      changes: [
        put('people.csv', 'id,name,age,city\n1,ann,31,oslo\n2,bob,40,rome\n4,dee,60,lima\n5,eve,70,nice\n'),
        { path: 'gone.txt', delete: true },
        put('new/added.txt', 'hello'),
      ],
    })
    const entry = (await repo.files('m', v1.id)).find((f) => f.path === 'people.csv')
    expect(entry?.table).toMatchObject({ format: 'csv', rows: 3 })
    expect(entry?.table?.columns.map((c) => c.name)).toEqual(['id', 'name', 'age'])
    const d = await repo.diff('m', v1.id, 'main')
    expect(d.summary).toMatchObject({ added: 1, removed: 1, changed: 1 })
    expect(d.added).toMatchObject([{ path: 'new/added.txt', size: 5 }])
    expect(d.removed).toMatchObject([{ path: 'gone.txt', size: 3 }])
    expect(d.changed[0]?.table).toMatchObject({
      rowsBefore: 3,
      rowsAfter: 4,
      columnsAdded: ['city'],
      columnsRemoved: [],
    })
    expect(d.changed[0]?.table?.byKey).toBeUndefined()
    const keyed = await repo.diff('m', 'main~1', v2.id, { key: ['id'] })
    expect(keyed.changed[0]?.table?.byKey).toMatchObject({ added: 2, removed: 1, changed: 1, unchanged: 1 })
    const fromNothing = await repo.diff('m', null, v1.id)
    expect(fromNothing.added.map((f) => f.path)).toEqual(['gone.txt', 'people.csv', 'same.txt'])
  })
})
