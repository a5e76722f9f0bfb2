/**
 * The web UI at scale, in real Chromium (Debian's, through playwright-core), against
 * `strata server`'s app on SQLite:
 * - an experiment of 10,000 runs × 20 metrics (rows written straight into the tables, as
 *   `bench/tracking-scale.bench.ts` does): the runs table's first render (a cold page load to
 *   100 rows on screen), a filter change and a sort change;
 * - a lineage graph of 1,001 nodes (10 layers of 100, each node made from 2 of the layer
 *   before, all feeding one model version), opened at depth 50: the layout (the page's
 *   `performance.measure`) and load to first render, then frame times while panning.
 *
 *   npx jiti bench/web-ui.bench.ts [--runs 10000] [--rounds 3] [--only runs|lineage] [--web-root dir]
 *
 * `--web-root` serves another build of the UI (to compare with an earlier commit's).
 *
 * Needs `npm run build` (web/dist). Prints one line per figure and the load average.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import type { Page } from 'playwright-core'
import { createServerApp } from '../src/api/server-app.js'
import { initProject, openStrata } from '../src/platform/index.js'
import { launchChromium } from '../test/support/browser.js'
import { type RowSink, writeScaleData } from './tracking-scale.data.js'

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    'web-root': { type: 'string' },
  },
})
if (args.only !== undefined && args.only !== 'runs' && args.only !== 'lineage')
  throw new Error(`--only ${args.only}: expected 'runs' or 'lineage'`)
const RUNS_PART = args.only !== 'lineage'
const LINEAGE_PART = args.only !== 'runs'
const RUNS = Number(args.runs)
const ROUNDS = Number(args.rounds)
const root = join(import.meta.dirname, '..')

function sqliteSink(file: string): RowSink & { close(): void } {
  const db = new Database(file)
  db.pragma('busy_timeout = 60000')
  return {
    async insert(table, columns, rows) {
      const st = db.prepare(
        `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
      )
      db.transaction(() => {
        for (const r of rows) st.run(r)
      })()
    },
    close: () => db.close(),
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const ms = (x: number) => `${x.toFixed(0)} ms`

const dir = mkdtempSync(join(tmpdir(), 'strata-web-bench-'))
initProject(dir, { name: 'web-bench' })
const strata = await openStrata({ cwd: dir, env: {} })
const tracking = await strata.tracking()
const experimentId = (await tracking.experiments.create('scale-big')).experimentId
if (RUNS_PART) {
  const sink = sqliteSink(join(dir, '.strata', 'meta.db'))
  const t0 = performance.now()
  await writeScaleData(
    sink,
    'strata',
    { runs: RUNS, smallExperiments: 0, smallRuns: 0, metrics: 20, params: 5, historyPoints: 10 },
    [experimentId],
  )
  sink.close()
  console.log(`seeded ${RUNS.toLocaleString()} runs × 20 metrics in ${ms(performance.now() - t0)}`)
}

const lineage = await strata.lineage()
const LAYERS = 10
const WIDTH = 100
const kinds = ['dataset-commit', 'feature-view-version', 'training-set', 'run']
const id = (layer: number, i: number) => `${kinds[Math.min(layer, kinds.length - 1)]}:l${layer}-${i}`
const t1 = performance.now()
for (let i = 0; i < WIDTH; i++) await lineage.upsertNode({ id: id(0, i), label: `raw ${i}` })
for (let layer = 1; layer < LAYERS; layer++) {
  for (let i = 0; i < WIDTH; i++) {
    await lineage.record({
      inputs: [id(layer - 1, i), id(layer - 1, (i * 7 + 3) % WIDTH)],
      output: { id: id(layer, i), label: `node ${layer}.${i}` },
      activity: 'compute',
    })
  }
}
const model = 'model-version:bench/1'
await lineage.record({
  inputs: Array.from({ length: WIDTH }, (_, i) => id(LAYERS - 1, i)),
  output: { id: model, label: 'bench v1' },
  activity: 'register',
})
console.log(`seeded a ${LAYERS * WIDTH + 1}-node lineage graph in ${ms(performance.now() - t1)}`)

const app = await createServerApp(strata, {
  version: 'bench',
  webRoot: args['web-root'] ?? join(root, 'web', 'dist'),
})
const url = await app.listen({ host: '127.0.0.1', port: 0 })
const browser = await launchChromium()
const figures: Record<string, number[]> = {}
const add = (k: string, v: number) => {
  figures[k] ??= []
  figures[k].push(v)
}
/**
 * Times `action` (wall clock, until `done` holds on the page, polled every animation frame) and
 * the renderer's main-thread CPU meanwhile (a Chromium trace: thread time, which other
 * processes on a loaded machine do not inflate).
 */
async function timed(page: Page, name: string, action: () => Promise<unknown>, done: string) {
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] })
  const start = performance.now()
  await action()
  await page.waitForFunction(done, null, { polling: 'raf', timeout: 60_000 })
  add(name, performance.now() - start)
  const trace = mainThreadCpu(JSON.parse((await browser.stopTracing()).toString('utf8')))
  add(`${name}, main-thread CPU`, trace.total)
}

const rowsAre = (n: number) => `document.querySelectorAll('table.runs tbody tr').length === ${n}`
const settledWith = (param: string) =>
  `location.hash.includes('${param}=') && document.querySelector('table.runs')?.getAttribute('aria-busy') === 'false'`

async function runsRound(page: Page) {
  // the server's share: wall clock, and this process's CPU (the server is in it) per request
  const cpu = process.cpuUsage()
  const start = performance.now()
  await (await fetch(`${url}/api/runs?experimentId=${experimentId}&maxResults=100`)).json()
  add('API: GET /api/runs (100 of 10,000 runs × 20 metrics)', performance.now() - start)
  const used = process.cpuUsage(cpu)
  add('API: GET /api/runs, server process CPU', (used.user + used.system) / 1000)
  // runs table: cold load to 100 rows on screen
  await timed(
    page,
    'runs table: first render (cold load, 100 of 10,000 rows)',
    () => page.goto(`${url}/#/experiments/${experimentId}`),
    rowsAre(100),
  )
  // filter change: to the runs with run_name = 'run-4242' (one row)
  await page.getByLabel('Filter', { exact: true }).fill(`attributes.run_name = 'run-4242'`)
  await timed(
    page,
    'runs table: filter change (to 1 row)',
    () => page.getByRole('button', { name: 'Apply' }).click(),
    rowsAre(1),
  )
  await page.getByRole('button', { name: 'Clear' }).click()
  await page.waitForFunction(rowsAre(100), null, { polling: 'raf', timeout: 60_000 })
  // filter on a metric (thousands match) and sort by it
  await page.getByLabel('Filter', { exact: true }).fill('metrics.m1 > 0.9')
  await timed(
    page,
    'runs table: filter change (metrics.m1 > 0.9, ~1,000 match)',
    () => page.getByRole('button', { name: 'Apply' }).click(),
    settledWith('filter'),
  )
  await timed(
    page,
    'runs table: sort change (by m1)',
    () => page.getByRole('button', { name: 'm1', exact: true }).click(),
    settledWith('orderBy'),
  )
}

/** Thread-time totals (ms) of the renderer's main thread in a Chromium trace. */
function mainThreadCpu(trace: { traceEvents: TraceEvent[] }): {
  total: number
  longest: number
  byName: Record<string, number>
} {
  const events = trace.traceEvents
  const main = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  )
  let total = 0
  let longest = 0
  const byName: Record<string, number> = {}
  for (const e of events) {
    if (e.ph !== 'X' || e.tdur === undefined || !main.has(`${e.pid}:${e.tid}`)) continue
    if (e.name === 'ThreadControllerImpl::RunTask') {
      total += e.tdur / 1000
      longest = Math.max(longest, e.tdur / 1000)
    } else if (
      ['Paint', 'Layout', 'UpdateLayoutTree', 'FunctionCall', 'PrePaint', 'Layerize'].includes(e.name)
    )
      byName[e.name] = (byName[e.name] ?? 0) + e.tdur / 1000
  }
  return { total, longest, byName }
}
interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  tdur?: number
  args?: { name?: string }
}

async function lineageRound(page: Page) {
  let start = performance.now()
  await (await fetch(`${url}/api/lineage/${encodeURIComponent(model)}/upstream?depth=50`)).json()
  add('API: GET /api/lineage/…/upstream?depth=50 (1,001 nodes)', performance.now() - start)
  // lineage: 1,001 nodes at once
  start = performance.now()
  await page.goto(`${url}/#/lineage/${encodeURIComponent(model)}?depth=50`)
  await page.waitForFunction(
    `document.body.textContent?.includes('1001 nodes') &&
      document.querySelector('.react-flow__node') !== null`,
    null,
    { polling: 'raf', timeout: 120_000 },
  )
  add('lineage 1,001 nodes: load to first render', performance.now() - start)
  const layout = await page.evaluate(() =>
    performance.getEntriesByName('lineage-layout').map((e) => e.duration),
  )
  add('lineage 1,001 nodes: layout (performance.measure lineage-layout)', Math.max(...layout))
  // panning at fit-to-screen zoom (every node in view): animation-frame intervals over ~2 s of
  // mouse drags (4 drags of 40 steps back and forth)
  await page.waitForTimeout(500) // the fit-view animation
  const box = (await page.locator('.react-flow__pane').boundingBox())!
  await page.evaluate(`(() => {
    window.__frames = []
    window.__panning = true
    let last = performance.now()
    const tick = (t) => {
      window.__frames.push(t - last)
      last = t
      if (window.__panning) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })()`)
  // a Chromium trace of the pan: CPU time of the page's main thread (thread time, so other
  // processes on a loaded machine do not inflate it), in all and per event type
  await browser.startTracing(page, {
    categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline'],
  })
  const panStart = performance.now()
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 2
  for (let drag = 0; drag < 4; drag++) {
    const dx = drag % 2 === 0 ? -300 : 300
    await page.mouse.move(cx, cy)
    await page.mouse.down()
    await page.mouse.move(cx + dx, cy + dx / 2, { steps: 40 })
    await page.mouse.up()
  }
  const panMs = performance.now() - panStart
  const frames = (await page.evaluate('(window.__panning = false, window.__frames.slice(1))')) as number[]
  const trace = mainThreadCpu(JSON.parse((await browser.stopTracing()).toString('utf8')))
  add('lineage 1,001 nodes: pan, main-thread CPU (all tasks)', trace.total)
  add('lineage 1,001 nodes: pan, main-thread CPU, longest task', trace.longest)
  for (const [name, v] of Object.entries(trace.byName))
    add(`lineage 1,001 nodes: pan, main-thread CPU in ${name}`, v)
  const sorted = [...frames].sort((a, b) => a - b)
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
  add('lineage 1,001 nodes: pan, frame interval p50', pct(0.5))
  add('lineage 1,001 nodes: pan, frame interval p95', pct(0.95))
  add('lineage 1,001 nodes: pan, longest frame', sorted.at(-1) ?? Number.NaN)
  add('lineage 1,001 nodes: pan, frames per 1,000 ms', (frames.length / panMs) * 1000)
}

const loadAtStart = loadavg()
try {
  for (let round = 0; round < ROUNDS; round++) {
    // the server's share: the runs page and the lineage query the UI sends, timed from here
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    if (RUNS_PART) await runsRound(page)
    if (LINEAGE_PART) await lineageRound(page)
    await page.close()
  }
} finally {
  await browser.close()
  await app.close()
  await strata.close()
  rmSync(dir, { recursive: true, force: true })
}
console.log(
  `\nmedian of ${ROUNDS} rounds (load average ${[loadAtStart, loadavg()]
    .map((l) => l.map((x) => x.toFixed(2)).join(' '))
    .join(' at the start, ')} at the end; ${process.version}):`,
)
for (const [k, v] of Object.entries(figures)) {
  // every figure is in ms but the frame rate
  const shown = k.includes('frames per') ? median(v).toFixed(0) : ms(median(v))
  console.log(`  ${k}: ${shown}  (all: ${v.map((x) => x.toFixed(0)).join(', ')})`)
}
