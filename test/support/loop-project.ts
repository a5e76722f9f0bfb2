import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'
import { openStrata } from '../../src/platform/index.js'
import { CHALLENGERS } from './delivery-models.js'
import { generateRows, writeJsonLines } from './drift-data.js'
import { linearOnnx, linearSignature } from './serving-models.js'
import type { TempProject } from './temp-project.js'

const HOUR = 3_600_000

/**
 * Lays out a project whose monitor `linear-drift` alerts on the last whole hours (its rows
 * drifted from the reference) and whose `retrain` action runs pipeline `train`: its step
 * `register` registers a new version of model `linear` (the deployment `linear` serves v1)
 * with auc 0.9, printing `loop-step training <runId>` first — and, when the environment has
 * `LOOP_HOLD=1`, then waiting forever (the kill tests SIGKILL it there). Each execution of the
 * step appends a line to `executions.log`. The monitor runs every minute (`* * * * *`). With
 * `metadata` (a Postgres URL), the project's metadata database is that one instead of SQLite;
 * with `webhook` (a URL), the monitor's only action is a webhook to it (no retries, 60 s
 * timeout) instead of the `retrain` action.
 */
export async function layOutLoopProject(
  project: TempProject,
  options: { metadata?: string; webhook?: string } = {},
): Promise<void> {
  const dir = project.dir
  const init = await project.cli('init', '--bare')
  if (init.code !== 0) throw new Error(init.stderr)
  const config = await readFile(join(dir, 'strata.config.ts'), 'utf8')
  await writeFile(
    join(dir, 'strata.config.ts'),
    config.replace(
      "offline: 'duckdb:',",
      `offline: 'duckdb:',\n  monitors: 'monitors.ts',\n  pipelines: 'pipelines.ts',${options.metadata === undefined ? '' : `\n  metadata: ${JSON.stringify(options.metadata)},`}`,
    ),
  )
  await writeFile(
    join(dir, 'monitors.ts'),
    `import { monitor } from 'strata-ml'
export const linearDrift = monitor({
  name: 'linear-drift',
  model: 'linear',
  schedule: '* * * * *',
  window: { every: '1h', source: { kind: 'dataset', dataset: 'scored', path: 'scored.jsonl', timeColumn: 'ts' } },
${
  options.webhook === undefined
    ? `  actions: [
    {
      kind: 'retrain',
      pipeline: 'train',
      registerStep: 'register',
      deployment: 'linear',
      params: { until: '{{window.end}}' },
      gate: { min: { auc: 0.7 } },
      rollout: { steps: [50, 100], intervalMs: 3_600_000, guards: ['error_rate<=0.01@100'] },
      cooldown: '1h',
      maxPerDay: 2,
    },
  ],
`
    : `  actions: [{ kind: 'webhook', url: ${JSON.stringify(options.webhook)}, retries: 0, timeoutMs: 60_000 }],\n`
}})
`,
  )
  const signature = await linearSignature()
  await writeFile(
    join(dir, 'pipelines.ts'),
    `import { appendFileSync } from 'node:fs'
import { openStrata, pipeline, step } from 'strata-ml'
const register = step({
  name: 'register',
  cache: false,
  run: async (ctx) => {
    appendFileSync(${JSON.stringify(join(dir, 'executions.log'))}, ctx.runId + '\\n')
    console.log('loop-step training ' + ctx.runId)
    if (process.env.LOOP_HOLD === '1') await new Promise(() => setInterval(() => {}, 1000))
    const strata = await openStrata({ cwd: ${JSON.stringify(dir)} })
    try {
      const v = await (await strata.registry()).registerVersion('linear', {
        files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(${JSON.stringify(CHALLENGERS.good)}) }],
        signature: ${JSON.stringify(signature)},
        metrics: { auc: 0.9 },
        tags: { 'strata.pipeline.run': ctx.runId, until: String(ctx.params.until) },
      })
      return { version: v.version }
    } finally {
      await strata.close()
    }
  },
})
export const train = pipeline({ name: 'train', params: { until: '' }, steps: [register] })
`,
  )
  // Reference rows around 0.5; scored rows of the last three hours around 5 (drifted).
  const end = Math.floor(Date.now() / HOUR) * HOUR + HOUR
  const trainRows = generateRows(300, { x: (_i, r) => r.uniform() }, 1)
  const scored = generateRows(
    600,
    { ts: (i) => new Date(end - 3 * HOUR + i * 18_000).toISOString(), x: (_i, r) => 5 + r.uniform() },
    2,
  )
  await mkdir(join(dir, 'in'))
  await writeJsonLines(join(dir, 'in', 'train.jsonl'), trainRows)
  await writeJsonLines(join(dir, 'in', 'scored.jsonl'), scored)
  {
    await using strata = await openStrata({ cwd: dir })
    const data = await strata.data()
    for (const [ds, file] of [
      ['train', 'train.jsonl'],
      ['scored', 'scored.jsonl'],
    ] as const) {
      await data.createDataset(ds)
      await data.commit(ds, { message: 'rows', changes: [{ path: file, source: join(dir, 'in', file) }] })
    }
    const registry = await strata.registry()
    await registry.registerVersion('linear', { onnx: linearOnnx() })
    await registry.setAlias('linear', 'champion', 1)
    await (await strata.delivery()).create('linear', {})
  }
  for (const args of [
    ['monitor', 'reference', 'linear@1', '--dataset', 'train@main:train.jsonl'],
    ['apply'],
  ]) {
    const r = await project.cli(...args)
    if (r.code !== 0) throw new Error(`strata ${args.join(' ')}: ${r.stderr}`)
  }
}

/**
 * The kill child: `strata server` on the project in `LOOP_PROJECT_DIR`, checking monitors and
 * loops every 0.2 s, with scheduled runs leased for `LOOP_LEASE_SECONDS` (default 60).
 */
export async function runLoopServer(): Promise<void> {
  const dir = process.env.LOOP_PROJECT_DIR as string
  const lease = process.env.LOOP_LEASE_SECONDS ?? '60'
  const args = ['-C', dir, 'server', '--port', '0', '--json', '--monitor-poll-seconds', '0.2']
  const code = await main([...args, '--monitor-lease-seconds', lease], {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: false,
  })
  process.exit(code)
}
