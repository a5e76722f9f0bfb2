import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { CliContext } from '../context.js'
import type { DefinitionKind } from '../definition-kind.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'
import { counted, formatTable, formatTime } from '../output.js'
import { parseDatasetFile, parseModelVersion } from './monitor-args.js'
import { loopLines, summary } from './monitor-output.js'
import { parseTimeOption } from './time-option.js'

/** Monitors for `strata apply`: the `monitor(...)` exports of the module named by `monitors`. */
export const monitorDefinitions: DefinitionKind = {
  name: 'monitors',
  configHint: "monitors: 'monitors.ts'",
  planCommand: 'strata monitor list',
  configured: (config) => config.monitors !== undefined,
  breakingChanges: async () => [],
  apply: async (strata) => {
    const { loadMonitors } = await import('../../monitoring/index.js')
    const defs = await loadMonitors(strata.config.root, strata.config.monitors)
    const result = await (await strata.monitoring()).apply(defs)
    const human = [
      ...result.created.map((n) => `+ monitor ${n}`),
      ...result.updated.map((n) => `~ monitor ${n}`),
      ...result.unchanged.map((n) => `= monitor ${n}`),
    ].join('\n')
    return { result, human }
  },
}

/** `strata monitor reference|list|run|report|history`. */
export function registerMonitor(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('monitor')
    .alias('monitors')
    .description('reference profiles, drift and data-quality monitors (monitors in strata.config.ts)')

  cmd
    .command('reference <model@version>')
    .addHelpText(
      'after',
      examples(
        'strata monitor reference flight-delay@3 --dataset flights-train@main:train.parquet',
        'strata monitor reference flight-delay@3 --dataset train:train.csv --categorical carrier,origin',
      ),
    )
    .description(
      "compute a model version's reference profile from a dataset commit (a training set) and store it with the version",
    )
    .requiredOption(
      '--dataset <name[@ref]:path>',
      'the table to profile, e.g. flights-train@main:train.parquet',
    )
    .option('--numeric <columns>', 'comma-separated columns to profile as numeric')
    .option('--categorical <columns>', 'comma-separated columns to profile as categorical')
    .option('--bins <n>', 'bins of the fine histograms (default 1000)')
    .action(
      ctx.action(
        async (
          out,
          target: string,
          opts: { dataset: string; numeric?: string; categorical?: string; bins?: string },
        ) => {
          const { model, version } = parseModelVersion(target)
          const source = parseDatasetFile(opts.dataset)
          const split = (s: string | undefined) =>
            s === undefined
              ? []
              : s
                  .split(',')
                  .map((x) => x.trim())
                  .filter(Boolean)
          const columns = {
            ...Object.fromEntries(split(opts.numeric).map((c) => [c, 'numeric'])),
            ...Object.fromEntries(split(opts.categorical).map((c) => [c, 'categorical'])),
          } as Record<string, 'numeric' | 'categorical'>
          await using strata = await ctx.openStrata()
          const progress = out.progress(`profiling ${opts.dataset}`)
          const stored = await (await strata.monitoring()).references.compute(
            model,
            version,
            { kind: 'dataset', ...source },
            {
              ...(Object.keys(columns).length === 0 ? {} : { columns }),
              ...(opts.bins === undefined ? {} : { bins: wholeNumber('--bins', opts.bins, 2) }),
            },
          )
          progress.finish()
          out.result(
            {
              model,
              version,
              prefix: stored.prefix,
              rows: stored.profile.rows,
              columns: stored.profile.columns,
            },
            () =>
              `reference of ${model} v${version}: ${stored.profile.rows} rows, stored under ${stored.prefix}\n` +
              formatTable(
                ['column', 'kind', 'missing', 'min', 'mean', 'max', 'distinct/categories'],
                Object.entries(stored.profile.columns).map(([n, c]) =>
                  c.kind === 'numeric'
                    ? [
                        n,
                        'numeric',
                        c.missing,
                        c.min ?? '',
                        c.mean === null ? '' : c.mean.toPrecision(5),
                        c.max ?? '',
                        c.distinct === null ? 'many' : Object.keys(c.distinct).length,
                      ]
                    : [n, 'categorical', c.missing, '', '', '', Object.keys(c.frequencies).length],
                ),
              ),
          )
        },
      ),
    )

  cmd
    .command('labels <file>')
    .addHelpText(
      'after',
      examples('strata monitor labels labels.jsonl', 'strata monitor labels late-flights.csv --json'),
    )
    .description(
      'ingest delayed labels keyed by prediction id (a CSV, JSON or Parquet file with columns prediction_id and label), or by entity key + time (--entity, --time)',
    )
    .option(
      '--entity <columns>',
      'comma-separated entity key columns: label the latest prediction for the entity at or before --time',
    )
    .option(
      '--time <column>',
      'with --entity: the column holding when the outcome happened (ISO time, timestamp or epoch ms)',
    )
    .action(
      ctx.action(async (out, file: string, opts: { entity?: string; time?: string }) => {
        const { detectTableFormat, tableSource } = await import('../../data/index.js')
        const format = detectTableFormat(file)
        if (format === undefined)
          throw new StrataError(
            'INVALID_ARGUMENT',
            `cannot tell the format of "${file}"; use .csv, .tsv, .json, .jsonl or .parquet`,
          )
        if ((opts.entity === undefined) !== (opts.time === undefined))
          throw new StrataError(
            'INVALID_ARGUMENT',
            '--entity and --time go together (entity key columns and the time column)',
          )
        const keys = (opts.entity ?? '')
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
        const quote = (c: string) => `"${c.replaceAll('"', '""')}"`
        await using strata = await ctx.openStrata()
        const engine = await strata.offline()
        const columns =
          opts.time === undefined
            ? 'prediction_id, label'
            : [...keys, opts.time, 'label'].map(quote).join(', ')
        const rows = (
          await engine.query(
            `SELECT ${columns} FROM ${tableSource(resolve(strata.config.root, file), format)}`,
          )
        ).rows
        const plain = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v)
        const labels = rows.map((r) =>
          opts.time === undefined
            ? { predictionId: String(r.prediction_id), label: plain(r.label) }
            : {
                entity: Object.fromEntries(keys.map((k) => [k, plain(r[k])])),
                time: ((t: unknown) => (t instanceof Date ? t.getTime() : (plain(t) as number | string)))(
                  r[opts.time],
                ),
                label: plain(r.label),
              },
        )
        const result = await (await strata.monitoring()).ingestLabels(labels)
        out.result(result, () => `${counted(result.ingested, 'label')} ingested`)
      }),
    )

  cmd
    .command('list')
    .addHelpText('after', examples('strata monitor list', 'strata monitor list --json'))
    .description('list the applied monitors')
    .action(
      ctx.action(async (out) => {
        await using strata = await ctx.openStrata()
        const monitors = await (await strata.monitoring()).list()
        out.result(monitors, () =>
          monitors.length === 0
            ? 'no monitors applied (declare monitor(...) in the monitors module, then "strata apply")'
            : formatTable(
                ['name', 'model', 'reference', 'window', 'source', 'actions'],
                monitors.map((m) => [
                  m.name,
                  m.model,
                  String(m.reference ?? 'champion'),
                  m.window.every,
                  m.window.source.kind,
                  (m.actions ?? []).map((a) => a.kind).join(', '),
                ]),
              ),
        )
      }),
    )

  cmd
    .command('run <name>')
    .addHelpText(
      'after',
      examples(
        'strata monitor run delay-drift',
        'strata monitor run delay-drift --window-end 2024-04-02T00:00:00Z --json',
      ),
    )
    .description('run a monitor on one window (default: the last whole window) and record the result')
    .option(
      '--window-end <time>',
      'end of the window (exclusive): ISO time, epoch ms or a span back from now (30m, 2h, 7d)',
    )
    .action(
      ctx.action(async (out, name: string, opts: { windowEnd?: string }) => {
        await using strata = await ctx.openStrata()
        const progress = out.progress(`monitor ${name}`)
        const report = await (await strata.monitoring()).run(
          name,
          opts.windowEnd === undefined
            ? {}
            : { windowEnd: parseTimeOption('--window-end', opts.windowEnd, Date.now()) },
        )
        progress.finish()
        out.result(report, () => summary(report))
      }),
    )

  cmd
    .command('report <name>')
    .addHelpText(
      'after',
      examples(
        'strata monitor report delay-drift',
        'strata monitor report delay-drift --window 2024-04-01T00:00:00Z --html report.html',
      ),
    )
    .description(
      "show a recorded window's report (default the latest); --html writes it with distribution plots",
    )
    .option(
      '--window <start>',
      'the window starting at this time: ISO time, epoch ms or a span back from now',
    )
    .option('--html <file>', 'write a self-contained HTML report to this file')
    .action(
      ctx.action(async (out, name: string, opts: { window?: string; html?: string }) => {
        await using strata = await ctx.openStrata()
        const report = await (await strata.monitoring()).report(
          name,
          opts.window === undefined ? undefined : parseTimeOption('--window', opts.window, Date.now()),
        )
        if (opts.html !== undefined) {
          const { renderHtmlReport } = await import('../../monitoring/index.js')
          await writeFile(opts.html, renderHtmlReport(report))
        }
        out.result(
          report,
          () => `${summary(report)}${opts.html === undefined ? '' : `\nHTML report written to ${opts.html}`}`,
        )
      }),
    )

  cmd
    .command('history <name>')
    .addHelpText(
      'after',
      examples('strata monitor history delay-drift', 'strata monitor history delay-drift --limit 24 --json'),
    )
    .description(
      "a monitor's results over time, newest first, with its incidents and the timeline of its retrain loops",
    )
    .option('--limit <n>', 'most windows to show (default 100)')
    .action(
      ctx.action(async (out, name: string, opts: { limit?: string }) => {
        await using strata = await ctx.openStrata()
        const monitoring = await strata.monitoring()
        await monitoring.get(name)
        const results = await monitoring.history(
          name,
          opts.limit === undefined ? {} : { limit: wholeNumber('--limit', opts.limit, 1) },
        )
        const incidents = await monitoring.incidents(name)
        const loops = await monitoring.loops({ monitor: name })
        out.result({ results, incidents, loops }, () =>
          [
            formatTable(
              ['window start', 'window end', 'status', 'rows', 'drifted', 'quality failed', 'incident'],
              results.map((r) => [
                formatTime(r.windowStart),
                formatTime(r.windowEnd),
                r.status,
                r.rows,
                `${r.drifted}/${r.tested}`,
                r.qualityFailed,
                r.incidentId ?? '',
              ]),
            ),
            ...incidents.map(
              (i) =>
                `incident ${i.id}: opened ${formatTime(i.openedAt)}, ${i.closedAt === null ? 'open' : `closed ${formatTime(i.closedAt)}`}, ${counted(i.windows, 'window')}; actions: ${i.actions.map((a) => `${a.kind} ${a.ok ? 'ok' : 'failed'}`).join(', ') || (i.notifiedAt === null ? 'pending' : 'none')}`,
            ),
            ...loops.flatMap(loopLines),
          ].join('\n'),
        )
      }),
    )

  cmd
    .command('loops')
    .addHelpText(
      'after',
      examples('strata monitor loops', 'strata monitor loops --advance', 'strata monitor loops --all --json'),
    )
    .description(
      'closed retrain loops (retrain → challenger → rollout → promoted or rolled back), newest first',
    )
    .option('--all', 'every loop, not only those in flight')
    .option('--monitor <name>', "only this monitor's loops")
    .option('--advance', 'first advance every loop in flight as far as it goes now (what strata server does)')
    .action(
      ctx.action(async (out, opts: { all?: boolean; monitor?: string; advance?: boolean }) => {
        await using strata = await ctx.openStrata()
        const monitoring = await strata.monitoring()
        if (opts.monitor !== undefined) await monitoring.get(opts.monitor)
        const errors = opts.advance === true ? (await monitoring.advanceLoops()).errors : []
        const loops = await monitoring.loops({
          ...(opts.monitor === undefined ? {} : { monitor: opts.monitor }),
          ...(opts.all === true ? {} : { inFlight: true }),
        })
        for (const e of errors) out.warn(`loop ${e.id}: ${e.error}`)
        out.result({ loops, errors }, () =>
          loops.length === 0
            ? opts.all === true
              ? 'no retrain loops'
              : 'no retrain loop in flight'
            : loops.flatMap(loopLines).join('\n'),
        )
      }),
    )
}
