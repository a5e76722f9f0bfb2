import type { Command } from 'commander'
import { parseFilterFor, parseOrderByFor } from '../../db/index.js'
import { PARENT_RUN_ID_TAG, parseViewType, RUN_SEARCH_SCHEMA, type Run } from '../../tracking/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { collect, wholeNumber } from '../options.js'
import { formatBytes, formatSeconds, formatTable, formatTime } from '../output.js'
import { resolveExperiments } from './experiment-refs.js'
import { registerRunAdmin } from './runs-admin.js'

/** `strata runs list|show|compare`: search, inspect and compare tracked runs. */
export function registerRuns(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('search, inspect and compare tracked runs')

  runs
    .command('list')
    .addHelpText(
      'after',
      examples(
        'strata runs list --experiment churn',
        'strata runs list -f "metrics.test_auc > 0.7" --order-by "metrics.test_auc DESC" -n 10',
      ),
    )
    .description("list runs, filtered with MLflow's search syntax and ordered")
    .option(
      '-e, --experiment <name|id>',
      'experiment name or id (repeatable; default: every active experiment)',
      collect,
    )
    .option('-f, --filter <filter>', `e.g. "metrics.auc > 0.8 and params.lr = '0.1'"`)
    .option('--order-by <entry>', 'e.g. "metrics.auc DESC" (repeatable)', collect)
    .option('-n, --max <n>', 'maximum number of runs', '50')
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('--page-token <token>', 'continue after a previous page')
    .action(
      ctx.action(
        async (
          out,
          opts: {
            experiment?: string[]
            filter?: string
            orderBy?: string[]
            max: string
            view: string
            pageToken?: string
          },
        ) => {
          const max = wholeNumber('--max', opts.max, 1)
          await using strata = await ctx.openStrata()
          const tracking = await strata.tracking()
          const experiments = await resolveExperiments(tracking, opts.experiment ?? [])
          const page = await tracking.runs.search({
            experimentIds: experiments.map((e) => e.experimentId),
            orderBy: opts.orderBy ?? [],
            viewType: parseViewType(opts.view),
            maxResults: max,
            ...(opts.filter === undefined ? {} : { filter: opts.filter }),
            ...(opts.pageToken === undefined ? {} : { pageToken: opts.pageToken }),
          })
          const names = new Map(experiments.map((e) => [e.experimentId, e.name]))
          const metricKeys = referencedMetrics(opts.filter, opts.orderBy ?? [])
          out.result({ runs: page.items, nextPageToken: page.nextPageToken ?? null }, () => {
            if (page.items.length === 0) return 'no runs match'
            const table = formatTable(
              ['run id', 'name', 'experiment', 'status', 'started', 'duration', ...metricKeys],
              page.items.map((r) => [
                r.info.runId,
                r.info.runName,
                names.get(r.info.experimentId) ?? r.info.experimentId,
                r.info.status,
                formatTime(r.info.startTime),
                formatDuration(r.info),
                ...metricKeys.map((k) => formatNumber(r.data.metrics[k]?.value)),
              ]),
            )
            return page.nextPageToken ? `${table}\n(more: --page-token ${page.nextPageToken})` : table
          })
        },
      ),
    )

  runs
    .command('show')
    .addHelpText('after', examples('strata runs show 3f2a9c1b', 'strata runs show 3f2a9c1b --json'))
    .description('show one run: attributes, params, latest metrics, tags, inputs and artifacts')
    .argument('<run>', 'run id (or a unique prefix of at least 4 characters)')
    .action(
      ctx.action(async (out, id: string) => {
        await using strata = await ctx.openStrata()
        const tracking = await strata.tracking()
        const run = await tracking.runs.get(await tracking.runs.resolveId(id))
        const experiment = await tracking.experiments.get(run.info.experimentId)
        const artifacts = await tracking.runs.listArtifacts(run.info.runId).catch(() => [])
        out.result({ ...run, experimentName: experiment.name, artifacts }, () => {
          const i = run.info
          const lines = [
            `run ${i.runId}  ${i.runName}`,
            formatTable(
              ['', ''],
              [
                ['experiment', `${experiment.name} (${i.experimentId})`],
                ['status', `${i.status}${i.lifecycleStage === 'deleted' ? ' (deleted)' : ''}`],
                ['started', formatTime(i.startTime)],
                ['duration', formatDuration(i)],
                ['user', i.userId],
                ['parent', run.data.tags[PARENT_RUN_ID_TAG]],
                ['artifacts', i.artifactUri],
              ].filter((row) => row[1] !== undefined && row[1] !== ''),
            )
              .split('\n')
              .slice(1)
              .join('\n'),
          ]
          const section = (title: string, rows: (string | number | undefined)[][]) => {
            if (rows.length > 0)
              lines.push('', title, indent(formatTable(['', ''], rows).split('\n').slice(1).join('\n')))
          }
          section('params', Object.entries(run.data.params))
          section(
            'metrics (latest)',
            Object.entries(run.data.metrics).map(([k, m]) => [
              k,
              `${formatNumber(m.value)}  (step ${m.step})`,
            ]),
          )
          section('tags', Object.entries(run.data.tags))
          section(
            'inputs',
            run.inputs.datasetInputs.map((d) => [d.dataset.name, d.tags['mlflow.data.context'] ?? '']),
          )
          section(
            'artifacts',
            artifacts.map((a) => [
              a.isDir ? `${a.path}/` : a.path,
              a.isDir ? '' : formatBytes(a.fileSize ?? 0),
            ]),
          )
          return lines.join('\n')
        })
      }),
    )

  runs
    .command('compare')
    .addHelpText('after', examples('strata runs compare 3f2a9c1b 8d01e2aa --diff'))
    .description('put the params and latest metrics of several runs side by side')
    .argument('<runs...>', 'run ids (or unique prefixes)')
    .option('--diff', 'only rows whose values differ between the runs')
    .action(
      ctx.action(async (out, ids: string[], opts: { diff?: boolean }) => {
        await using strata = await ctx.openStrata()
        const tracking = await strata.tracking()
        const full = []
        for (const id of ids) full.push(await tracking.runs.resolveId(id))
        const loaded = await tracking.runs.getMany(full)
        const comparison = compareRuns(loaded, opts.diff === true)
        out.result(comparison, () => {
          const headers = ['', ...loaded.map((r) => `${r.info.runName} (${r.info.runId.slice(0, 8)})`)]
          const rows = [
            ...Object.entries(comparison.params).map(([k, byRun]) => [
              `param ${k}`,
              ...loaded.map((r) => byRun[r.info.runId] ?? '-'),
            ]),
            ...Object.entries(comparison.metrics).map(([k, byRun]) => [
              `metric ${k}`,
              ...loaded.map((r) => formatNumber(byRun[r.info.runId]) ?? '-'),
            ]),
          ]
          return rows.length === 0
            ? `the runs have no params or metrics${opts.diff === true ? ' that differ' : ' to compare'}`
            : formatTable(headers, rows)
        })
      }),
    )

  registerRunAdmin(runs, ctx)
}

/** Params and latest metrics of runs keyed by name, then run id; with `diffOnly`, only differing keys. */
export function compareRuns(
  runs: Run[],
  diffOnly = false,
): {
  runs: { runId: string; runName: string; status: string }[]
  params: Record<string, Record<string, string>>
  metrics: Record<string, Record<string, number>>
} {
  const collectKeys = (pick: (r: Run) => Record<string, unknown>) =>
    [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort()
  const differs = (values: unknown[]) =>
    values.length < runs.length || new Set(values.map((v) => String(v))).size > 1
  const params: Record<string, Record<string, string>> = {}
  for (const key of collectKeys((r) => r.data.params)) {
    const byRun = Object.fromEntries(
      runs.flatMap((r) => (key in r.data.params ? [[r.info.runId, r.data.params[key] as string]] : [])),
    )
    if (!diffOnly || differs(Object.values(byRun))) params[key] = byRun
  }
  const metrics: Record<string, Record<string, number>> = {}
  for (const key of collectKeys((r) => r.data.metrics)) {
    const byRun = Object.fromEntries(
      runs.flatMap((r) => {
        const m = r.data.metrics[key]
        return m === undefined ? [] : [[r.info.runId, m.value]]
      }),
    )
    if (!diffOnly || differs(Object.values(byRun))) metrics[key] = byRun
  }
  return {
    runs: runs.map((r) => ({ runId: r.info.runId, runName: r.info.runName, status: r.info.status })),
    params,
    metrics,
  }
}

/** Experiments named (or numbered) by `--experiment`, or every active one. */
/** Metric keys a filter or order-by mentions, shown as extra columns by `runs list`. */
function referencedMetrics(filter: string | undefined, orderBy: string[]): string[] {
  const keys = [
    ...orderBy.map((o) => parseOrderByFor(RUN_SEARCH_SCHEMA, o)),
    ...parseFilterFor(RUN_SEARCH_SCHEMA, filter),
  ]
    .filter((c) => c.type === 'metric')
    .map((c) => c.key)
  return [...new Set(keys)]
}

function formatDuration(info: { startTime: number; endTime: number | null; status: string }): string {
  if (info.endTime === null) return info.status === 'RUNNING' ? 'running' : ''
  return formatSeconds((info.endTime - info.startTime) / 1000)
}

function formatNumber(v: number | undefined): string | undefined {
  if (v === undefined) return undefined
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v)
  return Number(v.toPrecision(6)).toString()
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
}
