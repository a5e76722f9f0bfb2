import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { describeDataRepo } from '../../../test/support/data-repo-fixture.js'
import { isStrataError } from '../../core/errors.js'
import { blobKeyOf, collect } from '../objects/index.js'
import type { MergeConflict } from './merge-trees.js'
import type { ValidationIssue } from './repo-types.js'

const objects = { chunker: { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 } }
const text = (s: string) => Buffer.from(s, 'utf8')
const put = (path: string, body: string | Buffer) => ({
  path,
  bytes: typeof body === 'string' ? text(body) : body,
})

async function blobCount(blobs: { list(prefix: string): AsyncIterable<unknown> }): Promise<number> {
  let n = 0
  for await (const _ of blobs.list('data/')) n++
  return n
}

/** A stream that yields its first piece, then waits for `gate` before the rest. */
function gatedStream(gate: Promise<unknown>, ...parts: Buffer[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    yield parts[0] as Buffer
    await gate
    for (const p of parts.slice(1)) yield p
  })()
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {}
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describeDataRepo('DataRepository integrity', (open, backend) => {
  it(`${backend}: rejects a commit breaking the declared schema whole, naming file, row, column, value`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('people', {
      schema: {
        columns: [
          { name: 'id', type: 'int', nullable: false },
          { name: 'age', type: 'int', min: 0, max: 120 },
          { name: 'tier', type: 'string', enum: ['gold', 'silver'] },
        ],
      },
    })
    const good = await t.repo.commit('people', {
      message: 'ok',
      changes: [put('a.csv', 'id,age,tier\n1,30,gold\n')],
    })
    const blobsBefore = await blobCount(t.blobs)
    const err = await t.repo
      .commit('people', {
        message: 'bad',
        changes: [
          put('b.csv', 'id,age,tier\n1,30,gold\n2,200,silver\n3,40,bronze\n'),
          put('c.txt', 'unrelated'),
          put('d.bin', randomBytes(400 * 1024)),
        ],
      })
      .catch((e: unknown) => e)
    expect(isStrataError(err, 'INVALID_ARGUMENT')).toBe(true)
    expect((err as Error).message).toContain('nothing was committed')
    const issues = (err as { details: { issues: ValidationIssue[] } }).details.issues
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'b.csv', row: 3, column: 'age', value: 200 }),
        expect.objectContaining({ file: 'b.csv', row: 4, column: 'tier', value: 'bronze' }),
      ]),
    )
    expect(issues.every((i) => typeof i.expected === 'string' && i.expected !== '')).toBe(true)
    expect((await t.repo.resolve('people', 'main')).id).toBe(good.id)
    expect(await blobCount(t.blobs)).toBe(blobsBefore)

    // A streamed tabular file is spooled and checked the same way.
    const streamed = await t.repo
      .commit('people', {
        message: 'streamed',
        changes: [
          {
            path: 's.csv',
            stream: gatedStream(Promise.resolve(), text('id,age,tier\n'), text('x,1,gold\n')),
          },
        ],
      })
      .catch((e: unknown) => e)
    expect(isStrataError(streamed, 'INVALID_ARGUMENT')).toBe(true)
    expect((streamed as { details: { issues: ValidationIssue[] } }).details.issues[0]).toMatchObject({
      file: 's.csv',
      row: 2,
      column: 'id',
      value: 'x',
    })

    const malformed = await t.repo
      .commit('people', { message: 'broken', changes: [put('e.csv', 'id,age,tier\n1,"unterminated\n')] })
      .catch((e: unknown) => e)
    expect(isStrataError(malformed, 'INVALID_ARGUMENT')).toBe(true)
    const issue = (malformed as { details: { issues: ValidationIssue[] } }).details.issues[0]
    expect(issue).toMatchObject({ file: 'e.csv', expected: 'a well-formed csv file' })
    expect((await t.repo.resolve('people', 'main')).id).toBe(good.id)
  })

  it(`${backend}: rejects a truncated Parquet file even without a declared schema`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('pq')
    const dir = t.tempDir()
    const path = `${dir}/x.parquet`
    await t.engine.writeParquet('select range as id, range * 2 as v from range(1000)', path)
    const { readFileSync } = await import('node:fs')
    const bytes = readFileSync(path)
    const ok = await t.repo.commit('pq', { message: 'ok', changes: [{ path: 'x.parquet', source: path }] })
    expect((await t.repo.files('pq', 'main'))[0]?.table).toMatchObject({ format: 'parquet', rows: 1000 })
    const err = await t.repo
      .commit('pq', {
        message: 'cut',
        changes: [put('y.parquet', bytes.subarray(0, bytes.byteLength - 100))],
      })
      .catch((e: unknown) => e)
    expect(isStrataError(err, 'INVALID_ARGUMENT')).toBe(true)
    expect((err as { details: { issues: ValidationIssue[] } }).details.issues[0]?.file).toBe('y.parquet')
    expect((await t.repo.resolve('pq', 'main')).id).toBe(ok.id)
  })

  it(`${backend}: two writers on one branch: disjoint paths rebase automatically, overlapping ones conflict`, async () => {
    const t = await open({ objects })
    const a = t.repo
    const b = t.another()
    await a.createDataset('w')
    const base = await a.commit('w', { message: 'base', changes: [put('shared.txt', 'v0')] })

    // A reads the head, then stalls inside its upload while B commits.
    const gate = deferred()
    const slow = a.commit('w', {
      message: 'A',
      changes: [{ path: 'a/one.bin', stream: gatedStream(gate.promise, randomBytes(10), randomBytes(10)) }],
    })
    const fast = await b.commit('w', { message: 'B', changes: [put('b/two.txt', 'two')] })
    gate.resolve()
    const late = await slow
    expect(fast.parents).toEqual([base.id])
    expect(late.parents).toEqual([fast.id])
    expect((await a.files('w', 'main')).map((f) => f.path)).toEqual(['a/one.bin', 'b/two.txt', 'shared.txt'])
    expect(late.stats).toMatchObject({ files: 3, added: 1, changed: 0, removed: 0 })

    const gate2 = deferred()
    const loser = a
      .commit('w', {
        message: 'A2',
        changes: [{ path: 'shared.txt', stream: gatedStream(gate2.promise, text('A'), text('!')) }],
      })
      .catch((e: unknown) => e)
    const winner = await b.commit('w', { message: 'B2', changes: [put('shared.txt', 'B')] })
    gate2.resolve()
    const err = await loser
    expect(isStrataError(err, 'CONFLICT')).toBe(true)
    expect((err as { details: { conflicts: MergeConflict[] } }).details.conflicts.map((c) => c.path)).toEqual(
      ['shared.txt'],
    )
    expect((await a.resolve('w', 'main')).id).toBe(winner.id)
    expect((await collect(await a.readFile('w', 'main', 'shared.txt'))).toString()).toBe('B')
  })

  it(`${backend}: many concurrent writers on disjoint paths all land`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('many')
    const writers = Array.from({ length: 6 }, () => t.another())
    const commits = await Promise.all(
      writers.map((w, i) => w.commit('many', { message: `w${i}`, changes: [put(`f${i}.txt`, `${i}`)] })),
    )
    expect((await t.repo.files('many', 'main')).map((f) => f.path)).toEqual(
      Array.from({ length: 6 }, (_, i) => `f${i}.txt`),
    )
    expect(new Set(commits.map((c) => c.id)).size).toBe(6)
    expect((await t.repo.log('many')).length).toBe(6)
  })

  it(`${backend}: a commit with expectedHead lands only on that head; of concurrent ones, one wins`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('cas')
    await expect(
      t.repo.commit('cas', {
        message: 'on a commit',
        expectedHead: 'f'.repeat(64),
        changes: [put('x', 'x')],
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('(no commit)') })
    const first = await t.repo.commit('cas', {
      message: 'first',
      expectedHead: null,
      changes: [put('a', 'a')],
    })
    await expect(
      t.repo.commit('cas', { message: 'stale', expectedHead: null, changes: [put('b', 'b')] }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { expectedHead: null, head: first.id } })
    // Disjoint paths would rebase without expectedHead; with it, exactly one writer lands.
    const writers = Array.from({ length: 4 }, () => t.another())
    const results = await Promise.allSettled(
      writers.map((w, i) =>
        w.commit('cas', { message: `w${i}`, expectedHead: first.id, changes: [put(`w${i}`, `${i}`)] }),
      ),
    )
    const won = results.filter((r) => r.status === 'fulfilled')
    expect(won).toHaveLength(1)
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect(isStrataError((r as PromiseRejectedResult).reason, 'CONFLICT')).toBe(true)
    }
    expect((await t.repo.log('cas')).length).toBe(2)
    expect((await t.repo.files('cas', 'main')).length).toBe(2)
  })

  it(`${backend}: fsck re-hashes everything and reports a corrupt object and a missing tree`, async () => {
    const t = await open({ objects })
    await t.repo.createDataset('f')
    await t.repo.commit('f', {
      message: 'one',
      changes: [put('small.txt', 'small'), put('dir/big.bin', randomBytes(700 * 1024))],
    })
    const clean = await t.repo.fsck()
    expect(clean).toMatchObject({ ok: true, datasets: 1, refs: 1, commits: 1, objects: 2, problems: [] })
    expect(clean.bytesVerified).toBeGreaterThanOrEqual(700 * 1024)
    const small = (await t.repo.files('f', 'main')).find((f) => f.path === 'small.txt')
    await t.blobs.put(blobKeyOf('object', small?.object as string), text('SMALL'))
    const bad = await t.repo.fsck()
    expect(bad.ok).toBe(false)
    expect(bad.problems).toEqual([
      expect.objectContaining({
        kind: 'object',
        subject: small?.object,
        message: expect.stringContaining('corrupt'),
      }),
    ])
    const tree = (await t.repo.resolve('f', 'main')).tree
    await t.blobs.delete(blobKeyOf('tree', tree))
    const worse = await t.another().fsck()
    expect(worse.problems.some((p) => p.kind === 'tree' && p.subject === tree)).toBe(true)
  })

  it(`${backend}: gc removes only unreachable blobs, honours the grace period, and waits for running commits`, async () => {
    const t = await open({ objects, leases: { ttlMs: 5_000, pollMs: 20 } })
    await t.repo.createDataset('g')
    await t.repo.commit('g', { message: 'keep', changes: [put('keep.bin', randomBytes(500 * 1024))] })
    // Garbage: a commit that lost a conflict leaves its objects behind.
    const gate = deferred()
    const loser = t.repo
      .commit('g', {
        message: 'lose',
        changes: [
          {
            path: 'keep.bin',
            stream: gatedStream(gate.promise, randomBytes(300 * 1024), randomBytes(300 * 1024)),
          },
        ],
      })
      .catch((e: unknown) => e)
    await t.another().commit('g', { message: 'win', changes: [put('keep.bin', 'winner')] })
    gate.resolve()
    expect(isStrataError(await loser, 'CONFLICT')).toBe(true)

    const dry = await t.repo.gc({ graceMs: 0 })
    expect(dry.dryRun).toBe(true)
    expect(dry.unreachable).toBeGreaterThan(2)
    expect(dry.deleted).toBe(0)
    const young = await t.repo.gc({ dryRun: false, graceMs: 60 * 60 * 1000 })
    expect(young).toMatchObject({ deleted: 0, unreachable: 0 })
    expect(young.young).toBe(dry.unreachable)

    // A commit in progress holds its lease: gc waits for it, and its objects survive.
    const gate2 = deferred()
    const pending = t.repo.commit('g', {
      message: 'slow',
      changes: [
        {
          path: 'slow.bin',
          stream: gatedStream(gate2.promise, randomBytes(200 * 1024), randomBytes(200 * 1024)),
        },
      ],
    })
    await new Promise((r) => setTimeout(r, 200))
    let gcDone = false
    const sweeping = t
      .another({ leases: { ttlMs: 5_000, pollMs: 20 } })
      .gc({ dryRun: false, graceMs: 0 })
      .then((r) => {
        gcDone = true
        return r
      })
    await new Promise((r) => setTimeout(r, 300))
    expect(gcDone).toBe(false)
    gate2.resolve()
    const slow = await pending
    const swept = await sweeping
    expect(swept.deleted).toBe(dry.unreachable)
    expect(swept.leasesCleared).toBe(0)
    const after = await t.repo.fsck()
    expect(after).toMatchObject({ ok: true, problems: [] })
    expect((await t.repo.files('g', slow.id)).map((f) => f.path)).toEqual(['keep.bin', 'slow.bin'])
    expect((await t.repo.gc({ graceMs: 0 })).unreachable).toBe(0)
  })
})
