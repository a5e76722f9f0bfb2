import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { column, generateRows, writeJsonLines } from '../../../test/support/drift-data.js'
import { strataRejection, strataThrow } from '../../../test/support/strata-error.js'
import { DuckDbTableEngine } from '../../backends/table/index.js'
import { tableSource } from '../../data/index.js'
import type { TableEngine } from '../../ports/index.js'
import { quantilesFromHistogram } from './histogram.js'
import { mergeProfiles } from './merge-profiles.js'
import { profileTable } from './profile-table.js'
import { type NumericProfile, profileStd } from './profile-types.js'
import { profileValues, type RawColumn } from './profile-values.js'

let dir: string
let engine: TableEngine
const rows = generateRows(
  6000,
  {
    hour: (i) => i % 24,
    fare: (_i, r) => (r.uniform() < 0.05 ? null : Math.round(r.normal(120, 40) * 100) / 100),
    delay: (_i, r) => Math.floor(r.uniform() * 4),
    carrier: (_i, r) => (r.uniform() < 0.02 ? null : ['AA', 'DL', 'UA', 'WN'][Math.floor(r.uniform() * 4)]),
  },
  7,
)
const KINDS = { fare: 'numeric', delay: 'numeric', carrier: 'categorical' } as const

function raw(subset: readonly Record<string, unknown>[]): Record<string, RawColumn> {
  return Object.fromEntries(
    Object.entries(KINDS).map(([n, kind]) => [n, { kind, values: column(subset, n) }]),
  )
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-profile-'))
  await writeJsonLines(join(dir, 'rows.jsonl'), rows)
  engine = await DuckDbTableEngine.open({ threads: 1 })
})
afterAll(async () => {
  await engine?.close()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('profiles', () => {
  it('the SQL profiler (DuckDB) and the in-memory profiler agree on the same rows', async () => {
    const relation = tableSource(join(dir, 'rows.jsonl'), 'jsonl')
    const sql = await profileTable(engine, relation, { columns: { ...KINDS }, samples: true })
    const mem = profileValues(raw(rows))
    expect(sql.profile.rows).toBe(6000)
    for (const name of Object.keys(KINDS)) {
      const a = sql.profile.columns[name]
      const b = mem.profile.columns[name]
      if (a?.kind === 'numeric' && b?.kind === 'numeric') {
        expect({ ...a, type: '', mean: 0, m2: 0, quantiles: {} }).toEqual({
          ...b,
          type: '',
          mean: 0,
          m2: 0,
          quantiles: {},
        })
        expect(a.mean).toBeCloseTo(b.mean as number, 9)
        expect(a.m2 / b.m2).toBeCloseTo(1, 9)
        for (const q of Object.keys(b.quantiles))
          expect(a.quantiles[q]).toBeCloseTo(b.quantiles[q] as number, 9)
      } else {
        expect({ ...a, type: '' }).toEqual({ ...b, type: '' })
      }
    }
    const fare = sql.profile.columns.fare as NumericProfile
    expect(fare.missing).toBe(rows.filter((r) => r.fare === null).length)
    expect(fare.histogram?.counts.reduce((x, y) => x + y, 0)).toBe(fare.valid)
    expect((sql.profile.columns.delay as NumericProfile).distinct).toEqual({
      '0': expect.any(Number),
      '1': expect.any(Number),
      '2': expect.any(Number),
      '3': expect.any(Number),
    })
    expect(Array.from(sql.samples.fare?.kind === 'numeric' ? sql.samples.fare.values : [])).toEqual(
      Array.from(mem.samples.fare?.kind === 'numeric' ? mem.samples.fare.values : []),
    )
  })

  it('24 hourly window profiles merge into the profile of the day', async () => {
    const reference = await profileTable(engine, tableSource(join(dir, 'rows.jsonl'), 'jsonl'), {
      columns: { ...KINDS },
    })
    const binnings = Object.fromEntries(
      Object.entries(reference.profile.columns).flatMap(([n, c]) =>
        c.kind === 'numeric' && c.histogram !== null
          ? [[n, { lo: c.histogram.lo, hi: c.histogram.hi, bins: c.histogram.bins }]]
          : [],
      ),
    )
    // The window's values shifted so some fall outside the reference's bins.
    const day: Record<string, unknown>[] = rows.map((r) => ({
      ...r,
      fare: typeof r.fare === 'number' ? r.fare * 1.3 : r.fare,
    }))
    const hours = Array.from(
      { length: 24 },
      (_, h) => profileValues(raw(day.filter((r) => r.hour === h)), { binnings }).profile,
    )
    const merged = mergeProfiles(hours)
    const whole = profileValues(raw(day), { binnings }).profile
    expect(merged.rows).toBe(whole.rows)
    for (const name of Object.keys(KINDS)) {
      const m = merged.columns[name]
      const w = whole.columns[name]
      if (m?.kind === 'numeric' && w?.kind === 'numeric') {
        expect({ ...m, mean: 0, m2: 0, quantiles: {}, quantileSource: '' }).toEqual({
          ...w,
          mean: 0,
          m2: 0,
          quantiles: {},
          quantileSource: '',
        })
        expect(m.mean).toBeCloseTo(w.mean as number, 9)
        expect(profileStd(m)).toBeCloseTo(profileStd(w) as number, 9)
        expect(m.quantileSource).toBe('histogram')
        expect(m.quantiles).toEqual(
          quantilesFromHistogram(w.histogram as never, w.min as number, w.max as number),
        )
        // Histogram quantiles stay within one bin width of the exact ones.
        const width =
          ((w.histogram?.hi as number) - (w.histogram?.lo as number)) / (w.histogram?.bins as number)
        for (const q of Object.keys(w.quantiles))
          expect(Math.abs((m.quantiles[q] as number) - (w.quantiles[q] as number))).toBeLessThanOrEqual(
            width + 1e-9,
          )
      } else {
        expect(m).toEqual(w)
      }
    }
    expect((merged.columns.fare as NumericProfile).histogram?.above).toBeGreaterThan(0)
  })

  it('counts type violations and missing values instead of failing', () => {
    const { profile } = profileValues({
      n: { kind: 'numeric', values: [1, 'two', null, Number.NaN, Number.POSITIVE_INFINITY, 3] },
      c: { kind: 'categorical', values: ['a', { x: 1 }, null, 'a'] },
      empty: { kind: 'numeric', values: [null, null] },
    })
    expect(profile.columns.n).toMatchObject({
      count: 6,
      valid: 2,
      missing: 3,
      typeViolations: 1,
      min: 1,
      max: 3,
    })
    expect(profile.columns.c).toMatchObject({
      count: 4,
      valid: 2,
      missing: 1,
      typeViolations: 1,
      frequencies: { a: 2 },
    })
    expect(profile.columns.empty).toMatchObject({ valid: 0, min: null, mean: null, histogram: null })
  })

  it('counts categories exactly through the slot cache: colliding slots, equal strings of other objects, numbers as text', () => {
    // many distinct values (slots shared and overwritten), interleaved so the cache misses often
    const values: unknown[] = []
    const expected = new Map<string, number>()
    const add = (key: string, v: unknown) => {
      values.push(v)
      expected.set(key, (expected.get(key) ?? 0) + 1)
    }
    for (let i = 0; i < 20_000; i++) {
      const k = (i * 7919) % 613
      add(`v${k}`, `v${k}`)
      // the same text built anew each time: a different string object, equal
      if (i % 5 === 0) add(`v${k}`, ['v', String(k)].join(''))
      if (i % 11 === 0) add('', '')
      if (i % 13 === 0) add('5', 5) // a number counts as its text, with the string "5"
      if (i % 17 === 0) add('5', '5')
      if (i % 19 === 0) add('true', true)
    }
    const { profile, samples } = profileValues({ c: { kind: 'categorical', values } })
    const sample = samples.c
    if (sample?.kind !== 'categorical') throw new Error('expected a categorical sample')
    expect(new Map([...sample.counts].sort())).toEqual(new Map([...expected].sort()))
    expect(profile.columns.c).toMatchObject({ count: values.length, valid: values.length, missing: 0 })
  })

  it('a text column profiled as numeric counts unparsable values as type violations', async () => {
    const path = join(dir, 'text.jsonl')
    await writeJsonLines(path, [{ v: '1.5' }, { v: 'abc' }, { v: null }, { v: '2.5' }])
    const { profile } = await profileTable(engine, tableSource(path, 'jsonl'), { columns: { v: 'numeric' } })
    expect(profile.columns.v).toMatchObject({
      count: 4,
      valid: 2,
      missing: 1,
      typeViolations: 1,
      min: 1.5,
      max: 2.5,
    })
  })

  it('rejects an unknown column, naming the columns there are, and profiles of different bins', async () => {
    const err = await strataRejection(
      profileTable(engine, tableSource(join(dir, 'rows.jsonl'), 'jsonl'), { columns: { price: 'numeric' } }),
    )
    expect(err.code).toBe('INVALID_ARGUMENT')
    expect(err.message).toMatch(/"price" not in the table; its columns are hour, fare, delay, carrier/)
    const a = profileValues({ x: { kind: 'numeric', values: [1, 2] } }).profile
    const b = profileValues({ x: { kind: 'numeric', values: [5, 9] } }).profile
    expect(strataThrow(() => mergeProfiles([a, b])).message).toMatch(/different bins/)
  })
})
