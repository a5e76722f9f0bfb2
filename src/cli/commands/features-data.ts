import { existsSync } from 'node:fs'
import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import { parseTimeOption } from '../../core/time.js'
import type { MaterializeOptions, TrainingSetOptions } from '../../features/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { counted, formatTable, formatTime } from '../output.js'

function time(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined
  const ms = parseTimeOption(value)
  if (ms === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${option} "${value}" is not a time; use ISO-8601 (2001-03-31T00:00:00Z; without an offset it is UTC) or epoch ms`,
    )
  }
  return ms
}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/** `materialize`: each feature view's latest values per entity into the online store. */
export function addMaterialize(
  parent: Command,
  ctx: CliContext,
  act: CliContext['action'],
  options: { hidden?: boolean } = {},
): void {
  parent
    .command('materialize', options)
    .addHelpText(
      'after',
      examples(
        'strata features materialize',
        'strata features materialize --incremental --views driver_stats',
      ),
    )
    .description("write each feature view's latest values per entity to the online store")
    .option('--start <time>', 'only values with event time ≥ start (ISO-8601 or epoch ms)')
    .option('--end <time>', 'only values with event time ≤ end (default now)')
    .option(
      '--incremental',
      'only what changed since the last run: a row-level diff of the source commits (views over datasets or files), else rows after the watermark',
    )
    .option('--views <names>', 'comma-separated views (default: every online view)')
    .action(
      act(async (out, opts: { start?: string; end?: string; incremental?: boolean; views?: string }) => {
        await using strata = await ctx.openStrata()
        const store = await strata.features()
        const options: MaterializeOptions = { incremental: opts.incremental === true }
        const start = time(opts.start, '--start')
        const end = time(opts.end, '--end')
        const views = list(opts.views)
        if (start !== undefined) options.start = start
        if (end !== undefined) options.end = end
        if (views !== undefined) options.views = views
        const reports = await store.materialize(options)
        out.result(
          reports,
          () =>
            `${formatTable(
              ['view', 'version', 'mode', 'entities', 'written', 'skipped', 'watermark'],
              reports.map((r) => [
                r.view,
                r.version,
                r.mode,
                r.entities,
                r.written,
                r.skipped,
                r.watermark === null ? '' : formatTime(r.watermark),
              ]),
            ).trimEnd()}\n${reports.map((r) => `${r.view}: ${r.reason}`).join('\n')}\n`,
        )
      }),
    )
}

/** `training-set`: a point-in-time correct training set, optionally written and saved. */
export function addTrainingSet(
  parent: Command,
  ctx: CliContext,
  act: CliContext['action'],
  options: { hidden?: boolean } = {},
): void {
  parent
    .command('training-set', options)
    .addHelpText(
      'after',
      examples(
        'strata features training-set --service churn_model --entity-rows labels.parquet --out train.parquet',
        'strata features training-set --service churn_model --entity-rows drivers@main:labels.parquet --save churn',
      ),
    )
    .description('build a point-in-time correct training set')
    .option('--service <name>', 'feature service to retrieve')
    .option('--features <refs>', 'comma-separated view:feature references (instead of --service)')
    .option(
      '--entity-rows <ref>',
      'entity rows: a local Parquet, CSV or JSON Lines file, or dataset@ref:path',
    )
    .option('--start <time>', 'without --entity-rows: first event time to include')
    .option('--end <time>', 'without --entity-rows: last event time to include')
    .option('--timestamp-column <name>', 'timestamp column of the entity rows', 'event_timestamp')
    .option('--full-feature-names', 'name feature columns view__feature')
    .option('--out <file>', 'also write the training set to this Parquet file')
    .option('--save <name>', 'register it as a versioned training set with lineage')
    .option('--description <text>', 'description of the saved training set')
    .action(
      act(
        async (
          out,
          opts: {
            service?: string
            features?: string
            entityRows?: string
            start?: string
            end?: string
            timestampColumn: string
            fullFeatureNames?: boolean
            out?: string
            save?: string
            description?: string
          },
        ) => {
          await using strata = await ctx.openStrata()
          const store = await strata.features()
          const options: TrainingSetOptions = { timestampColumn: opts.timestampColumn }
          if (opts.service !== undefined) options.service = opts.service
          const features = list(opts.features)
          if (features !== undefined) options.features = features
          if (opts.fullFeatureNames === true) options.fullFeatureNames = true
          if (opts.entityRows !== undefined) {
            const local = ctx.resolvePath(opts.entityRows)
            options.entityRows = existsSync(local)
              ? { path: local }
              : (opts.entityRows as `${string}:${string}`)
          }
          const start = time(opts.start, '--start')
          const end = time(opts.end, '--end')
          if (start !== undefined) options.start = start
          if (end !== undefined) options.end = end
          const ts = await store.getTrainingSet(options)
          try {
            if (opts.out !== undefined) await ts.writeParquet(ctx.resolvePath(opts.out))
            const saved =
              opts.save === undefined
                ? undefined
                : await ts.save(
                    opts.save,
                    opts.description === undefined ? {} : { description: opts.description },
                  )
            const result = {
              rows: ts.rowCount,
              columns: ts.columns,
              features: ts.features,
              inputs: ts.inputs,
              ...(opts.out === undefined ? {} : { out: ctx.resolvePath(opts.out) }),
              ...(saved === undefined ? {} : { saved }),
            }
            out.result(result, () => {
              const lines = [
                `training set: ${counted(ts.rowCount, 'row')} × ${counted(ts.columns.length, 'column')} (${counted(ts.features.length, 'feature')})`,
                ...ts.inputs.map(
                  (i) => `  ${i.view} v${i.version}${i.dataCommit ? ` @ ${i.dataCommit.slice(0, 12)}` : ''}`,
                ),
              ]
              if (opts.out !== undefined) lines.push(`written to ${ctx.resolvePath(opts.out)}`)
              if (saved !== undefined) {
                lines.push(
                  `saved as training-set:${saved.id} (${saved.dataset}@${saved.commitId.slice(0, 12)}:${saved.path})`,
                )
              }
              return lines.join('\n')
            })
          } finally {
            await ts.dispose()
          }
        },
      ),
    )
}
