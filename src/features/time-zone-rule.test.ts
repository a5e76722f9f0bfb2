import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TzAnswer, TzCase } from '../../test/support/tz-pit-child.js'
import { DuckDbTableEngine } from '../backends/table/index.js'

/**
 * The one time-zone rule, as a property: point-in-time retrieval over generated events near
 * daylight-saving changes gives the reference answer (latest event at or before the row's time,
 * within the ttl) for entity rows in every form — naive text (UTC), text with offsets, `Date`s,
 * CSV, JSON Lines and Parquet files — and identical answers whatever the process's `TZ`. Each
 * zone runs in its own process, since Node reads `TZ` once at start.
 */

const CHILD = fileURLToPath(new URL('../../test/support/tz-pit-child.ts', import.meta.url))
const ZONES = ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']
const MIN = 60_000
const TTL = 6 * 60 * MIN
/** Instants where a zone's offset changes: New York (spring, fall), Chatham (April, September). */
const ANCHORS = [
  Date.UTC(2024, 2, 10, 7),
  Date.UTC(2024, 10, 3, 6),
  Date.UTC(2024, 3, 6, 14),
  Date.UTC(2024, 8, 28, 14),
]
const OFFSETS = [0, 330, -240, 765, -570, 780]

interface Event {
  k: string
  t: number
  x: number
}
interface EntityRow {
  k: string
  t: number
  offset: number
}

const keys = ['k0', 'k1', 'k2', 'k3']
const near = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -15 * 60, max: 15 * 60 }))
  .map(([a, m]) => a + m * MIN)
const generated = fc.record({
  events: fc.uniqueArray(
    fc.record({ k: fc.constantFrom(...keys), t: near, x: fc.integer({ min: -1_000_000, max: 1_000_000 }) }),
    { minLength: 40, maxLength: 120, selector: (e) => `${e.k}@${e.t}` },
  ),
  rows: fc.array(
    fc.record({
      k: fc.constantFrom(...keys, 'nobody'),
      t: near,
      offset: fc.constantFrom(...OFFSETS),
    }),
    { minLength: 60, maxLength: 160 },
  ),
})

const pad = (n: number, w = 2) => String(n).padStart(w, '0')
/** Wall-clock text of `ms` at `offset` minutes east of UTC, `YYYY-MM-DD<sep>HH:MM:SS`. */
function wall(ms: number, offset: number, sep: string): string {
  const d = new Date(ms + offset * MIN)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}
function suffix(offset: number): string {
  if (offset === 0) return 'Z'
  const a = Math.abs(offset)
  return `${offset < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
}

/** The reference answer for one entity row. */
function expected(events: readonly Event[], row: EntityRow): number | null {
  let best: Event | undefined
  for (const e of events) {
    if (e.k === row.k && e.t <= row.t && (best === undefined || e.t > best.t)) best = e
  }
  return best !== undefined && best.t >= row.t - TTL ? best.x : null
}

function runChild(dir: string, tz: string): Promise<{ tz: string; answers: Record<string, TzAnswer> }> {
  const script = `const { createJiti } = await import('jiti'); const jiti = createJiti(${JSON.stringify(import.meta.url)}); const m = await jiti.import(${JSON.stringify(CHILD)}); await m.runTzChild()`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TZ: tz, TZ_CHILD_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? ''
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`child (TZ=${tz}) exited ${code}: ${stderr}`))
      else resolve(JSON.parse(last))
    })
  })
}

describe('one time-zone rule: naive timestamps are UTC, offsets are honoured, TZ changes nothing', () => {
  const seed = Number(process.env.STRATA_TZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
  const [tzCase] = fc.sample(generated, { seed, numRuns: 1 }) as [{ events: Event[]; rows: EntityRow[] }]
  // Rows exactly at an event's time and one minute before it (the boundary of "at or before").
  const rows: EntityRow[] = [
    ...tzCase.rows,
    ...tzCase.events.slice(0, 10).flatMap((e, i) => [
      { k: e.k, t: e.t, offset: OFFSETS[i % OFFSETS.length] ?? 0 },
      { k: e.k, t: e.t - MIN, offset: 0 },
      { k: e.k, t: e.t + TTL, offset: 0 },
      { k: e.k, t: e.t + TTL + MIN, offset: 0 },
    ]),
  ]
  const events = tzCase.events
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-tz-'))
    const csv = (header: string, lines: string[]) => `${header}\n${lines.join('\n')}\n`
    writeFileSync(
      join(dir, 'events.csv'),
      csv(
        'k,ts,x',
        events.map((e) => `${e.k},${wall(e.t, 0, ' ')},${e.x}`),
      ),
    )
    // The JSON source carries an offset (India's), which must be honoured.
    writeFileSync(
      join(dir, 'events.jsonl'),
      events.map((e) => JSON.stringify({ k: e.k, ts: `${wall(e.t, 330, 'T')}+05:30`, x: e.x })).join('\n'),
    )
    writeFileSync(
      join(dir, 'rows-naive.csv'),
      csv(
        'k,t,label',
        rows.map((r, i) => `${r.k},${wall(r.t, 0, ' ')},${i}`),
      ),
    )
    writeFileSync(
      join(dir, 'rows-offset.csv'),
      csv(
        'k,t,label',
        rows.map((r, i) => `${r.k},${wall(r.t, r.offset, 'T')}${suffix(r.offset)},${i}`),
      ),
    )
    writeFileSync(
      join(dir, 'rows-naive.jsonl'),
      rows.map((r, i) => JSON.stringify({ k: r.k, t: wall(r.t, 0, 'T'), label: i })).join('\n'),
    )
    const engine = await DuckDbTableEngine.open({ threads: 1 })
    try {
      await engine.writeParquet(
        `SELECT k, CAST(ts AS TIMESTAMP) AS ts, CAST(x AS BIGINT) AS x FROM read_csv('${join(dir, 'events.csv')}', columns = {'k': 'VARCHAR', 'ts': 'VARCHAR', 'x': 'BIGINT'}, header = true)`,
        join(dir, 'events.parquet'),
      )
      await engine.writeParquet(
        `SELECT k, CAST(t AS TIMESTAMP) AS t, label FROM read_csv('${join(dir, 'rows-naive.csv')}', columns = {'k': 'VARCHAR', 't': 'VARCHAR', 'label': 'BIGINT'}, header = true)`,
        join(dir, 'rows.parquet'),
      )
    } finally {
      await engine.close()
    }
    const memoryCase: TzCase = {
      memory: {
        naive: rows.map((r, i) => ({ k: r.k, t: wall(r.t, 0, i % 2 === 0 ? 'T' : ' ') })),
        offset: rows.map((r) => ({ k: r.k, t: `${wall(r.t, r.offset, 'T')}${suffix(r.offset)}` })),
        dates: rows.map((r) => ({ k: r.k, t: r.t })),
      },
      files: {
        'csv-naive': 'rows-naive.csv',
        'csv-offset': 'rows-offset.csv',
        'jsonl-naive': 'rows-naive.jsonl',
        parquet: 'rows.parquet',
      },
    }
    writeFileSync(join(dir, 'case.json'), JSON.stringify(memoryCase))
  })

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  })

  it(`gives the reference answer in every form under ${ZONES.join(', ')} (seed ${seed})`, async () => {
    const want: TzAnswer = rows.map((r) => {
      const x = expected(events, r)
      return [r.t, x, x, x]
    })
    // Sequential: the machine's cores are shared.
    const results = []
    for (const tz of ZONES) results.push(await runChild(dir, tz))
    for (const { tz, answers } of results) {
      expect(Object.keys(answers).sort(), `TZ=${tz}`).toEqual(
        ['csv-naive', 'csv-offset', 'dates', 'jsonl-naive', 'naive', 'offset', 'parquet'].sort(),
      )
      for (const [form, answer] of Object.entries(answers)) {
        expect(answer, `TZ=${tz}, entity rows ${form}, seed ${seed}`).toEqual(want)
      }
    }
  }, 600_000)
})
