import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServerApp } from '../../src/api/server-app.js'
import {
  chromiumAvailable,
  collectProblems,
  launchChromium,
  screenshotDir,
  seriousViolations,
} from '../support/browser.js'
import { openWebProject, type WebProject } from '../support/web-project.js'

/** Polls with room for a busy machine (the default is 1 s). */
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000 })

const webRoot = join(import.meta.dirname, '..', '..', 'web', 'dist')
const available = chromiumAvailable()

describe('web UI browser suite prerequisites', () => {
  it('has Chromium under CI (skips the suite locally without it)', () => {
    if (process.env.CI === 'true')
      expect(available, 'Chromium missing at /usr/bin/chromium (apt-get install chromium)').toBe(true)
  })
})

describe.skipIf(!available)('web UI in Chromium (strata server, seeded project)', () => {
  let project: WebProject
  let browser: Browser
  let page: Page
  let problems: string[]
  const shots = screenshotDir('web-ui')

  beforeAll(async () => {
    if (!existsSync(join(webRoot, 'index.html')))
      throw new Error(`no built UI at ${webRoot}: run npm run build first`)
    project = await openWebProject({ webRoot })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' })
    problems = collectProblems(page)
  })
  afterAll(async () => {
    await browser?.close()
    await project?.[Symbol.asyncDispose]()
  })

  /**
   * Opens a hash route and waits until the page's heading is there and none of its data is
   * still loading. (Waiting for the network to go idle would not do: going from one hash route
   * to another is a same-document navigation, for which Playwright's load states have long been
   * reached, so `waitForLoadState('networkidle')` returned at once while the page's requests
   * were in flight, and a check that reads without waiting — `count()`, `allTextContents()` —
   * read the page half loaded when the machine was busy.)
   */
  async function open(route: string, heading?: string | RegExp): Promise<void> {
    await page.goto(`${project.url}/${route}`)
    await page.locator('main h1').first().waitFor()
    if (heading !== undefined)
      await poll(() => page.locator('main h1').first().textContent()).toMatch(heading)
    await poll(() => page.locator('main .loading').count()).toBe(0)
  }

  const pages = () => {
    const [a, b] = project.runIds
    return [
      { name: 'overview', route: '#/', heading: 'web-ui-test' },
      { name: 'experiments', route: '#/experiments', heading: 'Experiments' },
      { name: 'runs', route: `#/experiments/${project.experimentId}`, heading: 'web-ui' },
      { name: 'run', route: `#/experiments/${project.experimentId}/runs/${a}`, heading: 'run-0' },
      { name: 'compare', route: `#/compare-runs?runs=${a},${b}`, heading: 'Compare 2 runs' },
      { name: 'models', route: '#/models', heading: 'Models' },
      { name: 'model', route: `#/models/${project.model}`, heading: project.model },
      {
        name: 'model-version',
        route: `#/models/${project.model}/versions/1`,
        heading: `${project.model} v1`,
      },
      { name: 'datasets', route: '#/datasets', heading: 'Datasets' },
      { name: 'dataset', route: '#/datasets/trips', heading: 'trips' },
      {
        name: 'commit',
        route: `#/datasets/trips/commits/${project.commitId}?preview=trips.csv`,
        heading: /trips @/,
      },
      { name: 'features', route: '#/features', heading: 'Features' },
      { name: 'feature-view', route: '#/features/views/driver_hourly_stats', heading: 'driver_hourly_stats' },
      { name: 'deployments', route: '#/deployments', heading: 'Deployments' },
      { name: 'deployment', route: '#/deployments/delay-api', heading: 'delay-api' },
      { name: 'pipelines', route: '#/pipelines', heading: 'Pipelines' },
      { name: 'pipeline', route: '#/pipelines/nightly', heading: 'nightly' },
      { name: 'pipeline-run', route: `#/pipeline-runs/${project.pipelineRuns[1]}`, heading: /nightly/ },
      { name: 'monitors', route: '#/monitors', heading: 'Monitors' },
      { name: 'monitor', route: '#/monitors/delay-drift', heading: 'delay-drift' },
      { name: 'lineage-start', route: '#/lineage', heading: 'Lineage' },
      {
        name: 'lineage',
        route: `#/lineage/${encodeURIComponent(`model-version:${project.model}/1`)}`,
        heading: /model-version/,
      },
      { name: 'not-found-run', route: '#/runs/0000', heading: 'Not found', notFound: true },
      {
        name: 'not-found-commit',
        route: `#/commits/${'0'.repeat(64)}`,
        heading: 'Not found',
        notFound: true,
      },
      { name: 'not-found-page', route: '#/no/such/page', heading: 'Not found', notFound: true },
      { name: 'not-found-deployment', route: '#/deployments/nope', heading: 'Not found', notFound: true },
      { name: 'not-found-monitor', route: '#/monitors/nope', heading: 'Not found', notFound: true },
      { name: 'not-found-pipeline-run', route: '#/pipeline-runs/nope', heading: 'Not found', notFound: true },
    ]
  }

  /**
   * The two tests that walk every page (about 30) wait for each page's data, run axe-core and
   * take a full-page screenshot: on a machine shared by many processes that is minutes, not
   * the 60 s default of a test.
   */
  const EVERY_PAGE_TIMEOUT = 300_000

  it('loads every page without console errors, with 0 serious or critical axe violations, and saves a screenshot of each', {
    timeout: EVERY_PAGE_TIMEOUT,
  }, async () => {
    const violations: string[] = []
    for (const p of pages()) {
      const before = problems.length
      await open(p.route, p.heading)
      // the API's 404 for the unknown id is the point of these pages (Chromium logs it)
      if ('notFound' in p)
        problems.splice(
          before,
          problems.length - before,
          ...problems.slice(before).filter((m) => !m.includes('404')),
        )
      await page.screenshot({ path: join(shots, `${p.name}.png`), fullPage: true })
      for (const v of await seriousViolations(page))
        violations.push(`${p.name}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(', ')}`)
    }
    expect(problems).toEqual([])
    expect(violations).toEqual([])
  })

  it('renders user strings as text: <img onerror> values in names, params, tags, files and labels never run', {
    timeout: EVERY_PAGE_TIMEOUT,
  }, async () => {
    for (const p of pages()) await open(p.route, p.heading)
    problems.splice(0, problems.length, ...problems.filter((m) => !m.includes('404')))
    await open(`#/experiments/${project.experimentId}/runs/${project.runIds[1]}`)
    // the payload is visible as literal text…
    await poll(() => page.locator('main h1').textContent()).toContain('<img src=x onerror=')
    await page.getByRole('button', { name: 'notes.txt' }).click()
    await poll(() => page.locator('pre.preview').textContent()).toContain('<img src=x onerror=')
    // …and never became an element or ran
    expect(await page.locator('main img[src="x"]').count()).toBe(0)
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()
    expect(problems).toEqual([])
  })

  it('filters and sorts the runs table with MLflow syntax, keeping the state in the URL', async () => {
    await open(`#/experiments/${project.experimentId}`, 'web-ui')
    const rows = page.locator('table.runs tbody tr')
    await poll(() => rows.count()).toBe(3)

    await page.getByLabel('Filter', { exact: true }).fill("params.model = 'gbdt'")
    await page.getByRole('button', { name: 'Apply' }).click()
    await poll(() => rows.count()).toBe(1)
    await poll(() => rows.first().locator('td').nth(1).textContent()).toBe('run-2')
    expect(new URLSearchParams(page.url().split('?')[1]).get('filter')).toBe("params.model = 'gbdt'")

    await page.getByRole('button', { name: 'Clear' }).click()
    await poll(() => rows.count()).toBe(3)
    // sort by auc: first click descending, second ascending (the header is a keyboard-reachable button)
    await page.getByRole('button', { name: /^auc/ }).click()
    await poll(() => rows.first().locator('td').nth(1).textContent()).toBe('run-2')
    await page.getByRole('button', { name: /^auc/ }).focus()
    await page.keyboard.press('Enter')
    await poll(() => rows.first().locator('td').nth(1).textContent()).toBe('run-0')
    expect(await page.locator('th[aria-sort="ascending"]').count()).toBe(1)

    // a reload keeps the sort (deep link)
    await page.reload()
    await poll(() => rows.first().locator('td').nth(1).textContent()).toBe('run-0')

    // a bad filter shows the server's message
    await page.getByLabel('Filter', { exact: true }).fill('metrics.auc >>> 1')
    await page.getByRole('button', { name: 'Apply' }).click()
    await poll(() => page.getByRole('alert').first().textContent()).toMatch(/INVALID_ARGUMENT/)
    expect(problems.filter((p) => !p.includes('400'))).toEqual([])
    problems.length = 0
  })

  it('compares two runs: overlaid charts with a line per run and a param diff', async () => {
    await open(`#/experiments/${project.experimentId}`, 'web-ui')
    await page.getByRole('checkbox', { name: 'Select run run-0' }).check()
    await page.getByRole('checkbox', { name: 'Select run run-2' }).check()
    await page.getByRole('button', { name: /^Compare/ }).click()
    await page.locator('main h1', { hasText: 'Compare 2 runs' }).waitFor()
    const loss = page.locator('figure.chart', { hasText: 'loss' })
    await loss.locator('canvas').waitFor()
    // one legend entry per run
    expect(await loss.locator('.u-legend .u-series').count()).toBe(3)
    // step histories come first; auc, logged once per run, is charted last
    expect(await page.locator('figure.chart').last().textContent()).toMatch(/^auc/)
    const diff = page.locator('tr.diff', { hasText: 'model' })
    expect(await diff.locator('td').allTextContents()).toEqual(['logreg', 'gbdt'])
    await page.getByLabel('Only show differences').check()
    expect(await page.locator('tr', { hasText: 'team' }).count()).toBe(0)
    await page.screenshot({ path: join(shots, 'compare-runs.png'), fullPage: false })
    expect(problems).toEqual([])
  })

  it('expands the lineage graph from the model version down to the raw dataset commit', async () => {
    await open(`#/lineage/${encodeURIComponent(`model-version:${project.model}/1`)}`, /model-version/)
    const node = (id: string) => page.locator(`[data-node-id="${id}"]`)
    await node(`run:${project.runIds[0]}`).waitFor()
    await page.getByRole('button', { name: `expand upstream of run:${project.runIds[0]}` }).click()
    await node(project.trainingSet).waitFor()
    await page.getByRole('button', { name: `expand upstream of ${project.trainingSet}` }).click()
    const commit = `dataset-commit:${project.commitId}`
    await node(commit).waitFor()
    // search by id prefix highlights the commit
    await page.getByLabel('Find by id prefix').fill(`dataset-commit:${project.commitId.slice(0, 6)}`)
    await poll(() => node(commit).getAttribute('class')).toContain('match')
    await page.screenshot({ path: join(shots, 'lineage-expanded.png'), fullPage: false })
    // the expansions are in the URL, in order: a reload opens the same graph
    const opened = () => new URLSearchParams(page.url().split('?')[1] ?? '').getAll('open')
    await poll(opened).toEqual([`u:run:${project.runIds[0]}`, `u:${project.trainingSet}`])
    await page.reload()
    await node(commit).waitFor()
    // collapse removes what the expansion brought in
    await page.getByRole('button', { name: `collapse upstream of run:${project.runIds[0]}` }).click()
    await poll(() => node(commit).count()).toBe(0)
    await poll(() => node(project.trainingSet).count()).toBe(0)
    await poll(opened).toEqual([])
    // expanding again and following the commit's link opens its page, where the table previews
    await page.getByRole('button', { name: `expand upstream of run:${project.runIds[0]}` }).click()
    await page.getByRole('button', { name: `expand upstream of ${project.trainingSet}` }).click()
    await node(commit)
      .getByRole('link', { name: /trips@main/ })
      .click()
    await page.locator('main h1', { hasText: `trips @ ${project.commitId.slice(0, 12)}` }).waitFor()
    await page.getByRole('button', { name: 'Preview trips.csv' }).click()
    const preview = page.locator('table.preview-table')
    await preview.waitFor()
    expect(await preview.locator('thead th').allTextContents()).toEqual([
      'id BIGINT',
      'city VARCHAR',
      'delay DOUBLE',
    ])
    expect(await preview.locator('tbody tr').first().locator('td').allTextContents()).toEqual([
      '1',
      'Paris',
      '3.5',
    ])
    expect(await preview.locator('tbody tr').count()).toBe(3)
    expect(problems).toEqual([])
  })

  it('looks up online features of a view from its page', async () => {
    await open('#/features/views/driver_hourly_stats', 'driver_hourly_stats')
    expect(await page.locator('main').textContent()).toContain('conv_rate')
    await page.getByLabel('Key values').fill('1001, 1003')
    await page.getByRole('button', { name: 'Look up' }).click()
    const result = page.locator('table.lookup-result')
    await result.waitFor()
    expect(await result.locator('thead th').first().textContent()).toBe('driver_id')
    expect(await result.locator('tbody tr').count()).toBe(2)
    expect(await result.locator('tbody tr').first().locator('td').first().textContent()).toBe('1001')
    expect(problems).toEqual([])
  })

  it('counts every area on the overview, monitors alerting included, and lists recent pipeline runs', async () => {
    await open('#/', 'web-ui-test')
    const card = (label: string) => page.locator('a.card', { hasText: label })
    expect(await card('pipelines').locator('.count').textContent()).toBe('2')
    expect(await card('deployments').locator('.count').textContent()).toBe('2')
    expect(await card('monitors').textContent()).toContain('1 alerting')
    expect(await page.locator('table.pipeline-runs tbody tr').count()).toBe(3)
    expect(problems).toEqual([])
  })

  it('shows a canary: traffic split, current step, guards, decisions and revisions, and follows a promotion live', async () => {
    await open('#/deployments', 'Deployments')
    const row = page.locator('tr', { hasText: 'delay-api' })
    await poll(() => row.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['canary', 'progressing', 'v1', 'v2', '10 %']),
    )
    await row.getByRole('link', { name: 'delay-api' }).click()
    await poll(() => page.locator('main h1').textContent()).toBe('delay-api')
    await page.getByRole('img', { name: 'v1 answers 90 %, v2 answers 10 %' }).waitFor()
    expect(await page.locator('ol.steps li[aria-current="step"]').textContent()).toBe('10 %')
    expect(await page.locator('main').textContent()).toContain('error_rate ≤ 0.05')
    // the history (decisions and revisions) is its own request: it may answer after the status
    const revisions = page.locator('table.revisions tbody tr')
    await poll(() => revisions.count()).toBe(2)
    // a revision links to its lineage node, which reaches both model versions
    await revisions.first().getByRole('link', { name: 'lineage of revision 2' }).click()
    await page.locator('[data-node-id="model-version:delay/2"]').waitFor()
    await page.locator('[data-node-id="deployment:delay-api/2"]').waitFor()

    await open('#/deployments/delay-api', 'delay-api')
    // a promotion made through the API reaches the open page through the change feed
    const promoted = await fetch(`${project.url}/api/deployments/delay-api/promote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'looks good' }),
    })
    expect(promoted.status).toBe(200)
    await poll(() => page.locator('dd .badge').first().textContent()).toBe('promoted')
    await page.getByRole('img', { name: 'v2 answers all traffic' }).waitFor()
    await poll(() => page.locator('table.decisions tbody tr').first().textContent()).toContain('looks good')
    await page.screenshot({ path: join(shots, 'deployment-promoted.png'), fullPage: true })

    // the rolled-back shadow shows its manual decision
    await open('#/deployments/delay-shadow', 'delay-shadow')
    await poll(() => page.locator('table.decisions tbody tr').first().textContent()).toContain(
      'shadow answers differ',
    )
    expect(await page.locator('dd .badge').first().textContent()).toBe('rolled-back')
    expect(problems).toEqual([])
  })

  it('shows pipelines: the DAG, runs filtered by status, cached steps, a failed step with its error, and step logs as text', async () => {
    const [first, cached, failed] = project.pipelineRuns as [string, string, string]
    await open('#/pipelines', 'Pipelines')
    const runs = page.locator('table.pipeline-runs tbody tr')
    await poll(() => runs.count()).toBe(3)
    await page.getByLabel('Status').selectOption('failed')
    await poll(() => runs.count()).toBe(1)
    expect(await runs.first().textContent()).toContain('broken')

    await open('#/pipelines/nightly', 'nightly')
    // the diamond: report reads clean and stats, which both read extract
    expect(await page.locator('.step-graph [data-step]').count()).toBe(4)
    expect(await page.locator('.step-graph path.edge').count()).toBe(4)
    await poll(() => runs.count()).toBe(2)

    await open(`#/pipeline-runs/${cached}`, /nightly/)
    const cachedCells = await page.locator('table.step-runs tbody tr td:nth-child(3)').allTextContents()
    expect(cachedCells).toEqual(['yes', 'yes', 'yes', 'yes'])
    expect(await page.getByRole('img', { name: /extract succeeded \(cached\)/ }).count()).toBe(1)

    await open(`#/pipeline-runs/${first}`, /nightly/)
    await page.getByRole('button', { name: 'Log of extract' }).click()
    await poll(() => page.locator('pre.step-log').textContent()).toContain('<img src=x onerror=')
    expect(await page.locator('main img[src="x"]').count()).toBe(0)

    await open(`#/pipeline-runs/${failed}`, /broken/)
    expect(await page.locator('table.step-runs tbody tr').first().textContent()).toContain(
      'the source table is empty',
    )
    expect(await page.locator('.step-graph .step-failed').count()).toBe(1)
    await page.screenshot({ path: join(shots, 'pipeline-run-failed.png'), fullPage: true })
    expect(problems).toEqual([])
  })

  it("shows a monitor: drift share per window as a chart, each window's verdict, and the chosen window's column tests", async () => {
    await open('#/monitors', 'Monitors')
    const row = page.locator('tr', { hasText: 'delay-drift' })
    expect(await row.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['alert', '1 of 2', '300']),
    )
    await row.getByRole('link', { name: 'delay-drift' }).click()
    await poll(() => page.locator('main h1').textContent()).toBe('delay-drift')
    await page.locator('figure.chart canvas').waitFor()
    const windows = page.locator('table.monitor-results tbody tr')
    await poll(() => windows.count()).toBe(2)
    // the latest window: x drifted, carrier did not
    const x = page.locator('table.column-drift tr', { hasText: /^x/ })
    await poll(() => x.locator('td').nth(5).textContent()).toBe('yes')
    expect(
      await page.locator('table.column-drift tr', { hasText: 'carrier' }).locator('td').nth(5).textContent(),
    ).toBe('no')
    await page.screenshot({ path: join(shots, 'monitor-drift.png'), fullPage: true })
    // the older window, chosen from the table, keeps its choice in the URL
    await windows.nth(1).getByRole('link').click()
    await poll(() => new URLSearchParams(page.url().split('?')[1]).get('window')).not.toBeNull()
    await poll(() => x.locator('td').nth(5).textContent()).toBe('no')
    expect(problems).toEqual([])
  })

  it('draws a 201-node graph whole: every node, the edges as one path, labels only when zoomed in', async () => {
    const lineage = await project.strata.lineage()
    const root = 'dataset-commit:wide-root'
    for (let i = 0; i < 200; i++) {
      await lineage.record({
        inputs: [root],
        output: { id: `prediction-batch:wide-${i}`, label: `batch ${i}` },
        activity: 'predict',
      })
    }
    await open(`#/lineage/${encodeURIComponent(root)}`, root)
    await page.getByText('201 nodes, 200 edges').waitFor()
    // the graph the page drew: all nodes (none culled), all edges in one path
    await page.locator('.lineage[data-nodes="201"][data-edges="200"]').waitFor()
    await poll(() => page.locator('.react-flow__node').count()).toBe(201)
    expect(await page.locator('svg.lineage-edges').getAttribute('data-edge-count')).toBe('200')
    expect(await page.locator('svg.lineage-edges path').count()).toBe(1)
    expect(await page.evaluate(() => performance.getEntriesByName('lineage-layout').length)).toBeGreaterThan(
      0,
    )
    // fitted to the screen, 200 nodes in a column are tiny: cards show only their label…
    await page.locator('.lineage.far').waitFor()
    expect(await page.locator('[data-node-id="prediction-batch:wide-7"] .actions').isVisible()).toBe(false)
    // …and centred on a match at zoom 1 they have their buttons again
    await page.getByLabel('Find by id prefix').fill('prediction-batch:wide-7')
    await page.getByRole('button', { name: 'Next match' }).click()
    await page.locator('.lineage:not(.far)').waitFor()
    await page.locator('[data-node-id="prediction-batch:wide-7"] .actions').waitFor({ state: 'visible' })
    expect(problems).toEqual([])
  })

  it('shows a not-found page with a way back for unknown ids', async () => {
    await open('#/models/no-such-model', 'Not found')
    expect(await page.locator('main').textContent()).toContain('no-such-model')
    await page.getByRole('link', { name: 'All models' }).click()
    await page.locator('main h1', { hasText: 'Models' }).waitFor()
    problems.length = 0 // the 404 answers are logged by the browser as failed resources
  })

  it('shows "reconnecting" while the server is away and recovers when it returns, keeping lineage expansions', async () => {
    // a lineage graph expanded down to the raw commit (from the URL): when the server is back,
    // every view refetches, and the graph's refetch must keep what was expanded
    const root = `model-version:${project.model}/1`
    const run = `run:${project.runIds[0]}`
    const commit = `dataset-commit:${project.commitId}`
    const expansions = [`u:${run}`, `u:${project.trainingSet}`]
    const query = expansions.map((e) => `open=${encodeURIComponent(e)}`).join('&')
    await open(`#/lineage/${encodeURIComponent(root)}?${query}`, /model-version/)
    const node = (id: string) => page.locator(`[data-node-id="${id}"]`)
    await node(commit).waitFor()
    await page.locator('.conn-live').waitFor()
    const port = Number(new URL(project.url).port)
    // the open event streams keep connections: close them with the server, as a crash would
    const closing = project.app.close()
    project.app.server.closeAllConnections()
    await closing
    await page.locator('.banner', { hasText: 'Reconnecting' }).waitFor()
    const refetched = page.waitForResponse(
      (r) => decodeURIComponent(r.url()).includes(`/api/lineage/${root}/upstream`) && r.ok(),
    )
    project.app = await createServerApp(project.strata, { version: 'test', webRoot })
    await project.app.listen({ host: '127.0.0.1', port })
    await page.locator('.conn-live').waitFor({ timeout: 20_000 })
    expect(await page.locator('.banner').count()).toBe(0)
    await refetched
    await poll(() => node(commit).count()).toBe(1)
    await poll(() => new URLSearchParams(page.url().split('?')[1] ?? '').getAll('open')).toEqual(expansions)
    problems.length = 0
  })
})
