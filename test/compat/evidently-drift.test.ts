import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type ColumnSample,
  categoricalSample,
  computeDrift,
  type DatasetDrift,
  numericSample,
  profileValues,
  STAT_TESTS,
  type StatTestName,
} from '../../src/monitoring/index.js'
import { type ColumnGenerator, column, generateRows, writeJsonLines } from '../support/drift-data.js'
import { pythonClient } from './python-client.js'

/**
 * Strata's drift statistics against the real `evidently` package (DataDriftPreset, with SciPy
 * underneath) on the same rows: the same test chosen per column, the same score to 1e-6, the
 * same dataset verdict. The venv comes from `scripts/python-env.sh --monitoring` as
 * STRATA_TEST_PYTHON_MONITORING; without it the suite is skipped locally and fails in CI.
 */
const client = pythonClient('STRATA_TEST_PYTHON_MONITORING', '--monitoring')
const script = new URL('./python/evidently_drift.py', import.meta.url).pathname

interface Case {
  name: string
  referenceRows: number
  currentRows: number
  numerical: Record<string, [ColumnGenerator, ColumnGenerator]>
  categorical: Record<string, [ColumnGenerator, ColumnGenerator]>
  methods?: Record<string, StatTestName>
  thresholds?: Record<string, number>
  /** The current side profiled as a monitor's window is (`profileValues`), not by `numericSample`. */
  window?: boolean
}

const pick =
  (values: readonly string[], weights: readonly number[]): ColumnGenerator =>
  (_i, r) => {
    let u = r.uniform() * weights.reduce((a, b) => a + b, 0)
    for (let k = 0; k < values.length; k++) {
      u -= weights[k] as number
      if (u < 0) return values[k]
    }
    return values.at(-1)
  }
const normal =
  (mean: number, sd: number, nullShare = 0): ColumnGenerator =>
  (_i, r) =>
    r.uniform() < nullShare ? null : r.normal(mean, sd)

const CASES: Case[] = [
  {
    name: 'small reference: KS (unequal sizes), chi-square, Z-test, nulls, a new category',
    referenceRows: 500,
    currentRows: 300,
    numerical: {
      x: [normal(0, 1), normal(0.2, 1)],
      x_nulls: [normal(5, 2, 0.1), normal(5, 2, 0.3)],
      binary: [(i) => i % 2, (_i, r) => (r.uniform() < 0.4 ? 1 : 0)],
      four: [(i) => i % 4, (_i, r) => Math.floor(r.uniform() * 4)],
    },
    categorical: {
      colour: [
        pick(['red', 'green', 'blue'], [1, 1, 1]),
        pick(['red', 'green', 'blue', 'teal'], [3, 3, 3, 1]),
      ],
      yes_no: [pick(['yes', 'no'], [1, 3]), pick(['yes', 'no'], [1, 2])],
    },
  },
  {
    name: 'small reference: KS on equal sizes, with ties',
    referenceRows: 400,
    currentRows: 400,
    numerical: {
      x: [normal(0, 1), normal(0.1, 1)],
      rounded: [
        (_i, r) => Math.round(r.normal(0, 1) * 10) / 10,
        (_i, r) => Math.round(r.normal(0.05, 1) * 10) / 10,
      ],
    },
    categorical: {},
  },
  {
    name: 'large reference: normed Wasserstein, Jensen–Shannon, and PSI/JS/KS chosen per column',
    referenceRows: 5000,
    currentRows: 2000,
    numerical: {
      x: [normal(0, 1), normal(0.1, 1.1)],
      three: [(i) => i % 3, (_i, r) => Math.floor(r.uniform() * 3)],
      psi_x: [normal(10, 3), normal(10.5, 3)],
      js_x: [normal(10, 3), normal(10.5, 3)],
      ks_x: [normal(0, 1), normal(0.02, 1)],
      small_ints: [(_i, r) => Math.floor(r.uniform() * 10), (_i, r) => Math.floor(r.uniform() * 11)],
    },
    categorical: {
      airline: [
        pick(['AA', 'DL', 'UA', 'WN', 'B6', 'AS', 'NK', 'F9'], [8, 7, 6, 5, 4, 3, 2, 1]),
        pick(['AA', 'DL', 'UA', 'WN', 'B6', 'AS', 'NK', 'F9', 'HA'], [6, 7, 6, 6, 4, 3, 3, 1, 1]),
      ],
      psi_cat: [pick(['a', 'b', 'c'], [5, 3, 2]), pick(['a', 'b', 'c'], [4, 3, 3])],
    },
    methods: { psi_x: 'psi', js_x: 'jensenshannon', ks_x: 'ks', small_ints: 'psi', psi_cat: 'psi' },
    thresholds: { psi_x: 0.05, x: 0.05 },
  },
  {
    // A stored reference against a window (≥ 4× as many reference values, an uneven ratio): the
    // window is profiled as a monitor does (bucket sort) and normed Wasserstein takes its
    // indexed path over the reference.
    name: 'stored reference ≫ window: indexed normed Wasserstein on a profiled window (ties, nulls, skew)',
    referenceRows: 23_000,
    currentRows: 1_700,
    numerical: {
      x: [normal(0, 1), normal(0.15, 1)],
      same: [normal(50, 4), normal(50, 4)],
      x_nulls: [normal(5, 2, 0.02), normal(5.5, 2, 0.2)],
      rounded: [(_i, r) => Math.round(r.normal(0, 3)), (_i, r) => Math.round(r.normal(1, 3))],
      skewed: [(_i, r) => Math.exp(2 * r.normal(0, 1)), (_i, r) => Math.exp(2 * r.normal(0.1, 1))],
      narrow: [normal(0, 1), normal(3, 0.2)],
    },
    categorical: {
      airline: [
        pick(['AA', 'DL', 'UA', 'WN', 'B6'], [5, 4, 3, 2, 1]),
        pick(['AA', 'DL', 'UA', 'WN', 'B6'], [3, 4, 3, 3, 1]),
      ],
    },
    window: true,
  },
]

interface EvidentlyColumn {
  method: string
  score: number
  threshold: number
}
interface EvidentlyResult {
  columns: Record<string, EvidentlyColumn>
  drifted_count: number
  share: number
}

let dir: string
let evidently: EvidentlyResult[]
const ours: DatasetDrift[] = []

function runPython(python: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [script, file],
      { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`evidently_drift.py failed: ${stderr}`))
        else resolve(stdout.trim().split('\n').at(-1) ?? '')
      },
    )
  })
}

client.describe('drift statistics against the real evidently package (DataDriftPreset)', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-evidently-'))
    const specs = []
    for (const [k, c] of CASES.entries()) {
      const gens = { ...c.numerical, ...c.categorical }
      const pickSide = (side: 0 | 1) => Object.fromEntries(Object.entries(gens).map(([n, g]) => [n, g[side]]))
      const reference = generateRows(c.referenceRows, pickSide(0), 1000 + k)
      const current = generateRows(c.currentRows, pickSide(1), 2000 + k)
      const refPath = join(dir, `ref-${k}.jsonl`)
      const curPath = join(dir, `cur-${k}.jsonl`)
      await writeJsonLines(refPath, reference)
      await writeJsonLines(curPath, current)
      specs.push({
        reference: refPath,
        current: curPath,
        numerical: Object.keys(c.numerical),
        categorical: Object.keys(c.categorical),
        per_column_method: c.methods ?? {},
        per_column_threshold: c.thresholds ?? {},
      })
      const samples = (rows: Record<string, unknown>[]) => {
        const out: Record<string, ColumnSample> = {}
        for (const n of Object.keys(c.numerical)) out[n] = numericSample(column(rows, n) as (number | null)[])
        for (const n of Object.keys(c.categorical)) out[n] = categoricalSample(column(rows, n))
        return out
      }
      const columns = Object.fromEntries(
        Object.keys(gens).map((n) => [
          n,
          {
            ...(c.methods?.[n] === undefined ? {} : { test: c.methods[n] }),
            ...(c.thresholds?.[n] === undefined ? {} : { threshold: c.thresholds[n] }),
          },
        ]),
      )
      const currentSamples = c.window
        ? profileValues({
            ...Object.fromEntries(
              Object.keys(c.numerical).map((n) => [
                n,
                { kind: 'numeric' as const, values: column(current, n) },
              ]),
            ),
            ...Object.fromEntries(
              Object.keys(c.categorical).map((n) => [
                n,
                { kind: 'categorical' as const, values: column(current, n) },
              ]),
            ),
          }).samples
        : samples(current)
      ours.push(computeDrift(samples(reference), currentSamples, { columns }))
    }
    const specFile = join(dir, 'cases.json')
    await writeFile(specFile, JSON.stringify(specs))
    evidently = JSON.parse(await runPython(client.python as string, specFile)) as EvidentlyResult[]
  }, 900_000)

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  for (const [k, c] of CASES.entries()) {
    it(`${c.name}: same test, score to 1e-6, same verdict per column and for the dataset`, () => {
      const theirs = evidently[k] as EvidentlyResult
      const mine = ours[k] as DatasetDrift
      const names = [...Object.keys(c.numerical), ...Object.keys(c.categorical)]
      expect(Object.keys(theirs.columns).sort()).toEqual(names.sort())
      for (const col of mine.columns) {
        const ev = theirs.columns[col.column] as EvidentlyColumn
        // Evidently names a default test by its label and a chosen one by the name it was given.
        const method = col.defaultTest ? STAT_TESTS[col.test].label : col.test
        expect({ column: col.column, method, threshold: col.threshold }).toEqual({
          column: col.column,
          method: ev.method,
          threshold: ev.threshold,
        })
        expect(col.status).toBe('tested')
        expect(
          Math.abs((col.score as number) - ev.score),
          `${col.column} (${col.test}): ours ${col.score}, evidently ${ev.score}`,
        ).toBeLessThanOrEqual(1e-6)
      }
      expect({ drifted: mine.drifted, share: mine.share }).toEqual({
        drifted: theirs.drifted_count,
        share: theirs.share,
      })
    })
  }

  it('the new category in the current window is reported as a signal', () => {
    const colour = ours[0]?.columns.find((c) => c.column === 'colour')
    expect(colour?.newCategories).toEqual(['teal'])
  })
})
