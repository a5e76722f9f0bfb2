import { expect, it } from 'vitest'
import { describeDataRepo } from '../../../test/support/data-repo-fixture.js'
import { isStrataError } from '../../core/errors.js'

const bytes = (s: string) => new TextEncoder().encode(s)

async function refused(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as Error,
  )
  if (err === undefined) throw new Error('expected a refusal')
  return err
}

describeDataRepo('refs cannot impersonate commits', (open) => {
  it('refuses branch and tag names that look like commit ids, from 4 hex digits to a full id, any case', async () => {
    const t = await open()
    await t.repo.createDataset('d')
    const c = await t.repo.commit('d', { message: 'one', changes: [{ path: 'a.txt', bytes: bytes('a') }] })
    for (const name of [c.id, c.id.slice(0, 12), c.id.slice(0, 4), 'deadbeef', 'CAFE', 'abcdef0123']) {
      for (const make of [() => t.repo.branch('d', name), () => t.repo.tag('d', name, 'main')]) {
        const err = await refused(make())
        expect(isStrataError(err, 'INVALID_ARGUMENT'), err.message).toBe(true)
        expect(err.message).toContain('looks like a commit id')
      }
    }
    // Names with hex digits but not all hex, or shorter than a prefix, are fine.
    await t.repo.branch('d', 'abc')
    await t.repo.tag('d', 'v1-deadbeef', 'main')
    await t.repo.branch('d', 'feature-1')
  })

  it('resolves a full commit id to that commit, and refuses case-insensitive duplicates of refs and datasets', async () => {
    const t = await open()
    await t.repo.createDataset('Flights')
    const c1 = await t.repo.commit('Flights', {
      message: 'one',
      changes: [{ path: 'a.txt', bytes: bytes('1') }],
    })
    const c2 = await t.repo.commit('Flights', {
      message: 'two',
      changes: [{ path: 'a.txt', bytes: bytes('2') }],
    })
    // A ref named like c1 (as a database from before the rule could hold) still loses to the commit.
    await t.metadata.db
      .withTables<{ data_refs: Record<string, unknown> }>()
      .insertInto('data_refs')
      .values({
        dataset: 'Flights',
        name: c1.id,
        kind: 'branch',
        commit_id: c2.id,
        created_at: 1,
        updated_at: 1,
      })
      .execute()
    expect((await t.repo.resolve('Flights', c1.id)).id).toBe(c1.id)
    expect((await t.repo.resolve('Flights', c1.id.slice(0, 8))).id).toBe(c1.id)

    const dupRef = await refused(t.repo.branch('Flights', 'MAIN'))
    expect(isStrataError(dupRef, 'ALREADY_EXISTS')).toBe(true)
    expect(dupRef.message).toContain('"main"')
    await t.repo.tag('Flights', 'v1', 'main')
    expect(isStrataError(await refused(t.repo.tag('Flights', 'V1', 'main')), 'ALREADY_EXISTS')).toBe(true)
    const dupDataset = await refused(t.repo.createDataset('flights'))
    expect(isStrataError(dupDataset, 'ALREADY_EXISTS')).toBe(true)
    expect(dupDataset.message).toContain('"Flights"')
  })
})
