import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import {
  commitPredictions,
  exportPayloadLog,
  type PredictionQuery,
  parsePredictionsTarget,
} from '../../serving/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'
import { formatTime } from '../output.js'
import { payloadArchiveOf, prunePayloadLogOf } from './payload-pruning.js'
import { parseTimeOption } from './time-option.js'

/** `strata predictions export|prune`: the payload log as Parquet, and its retention. */
export function registerPredictionsRetention(predictions: Command, ctx: CliContext): void {
  predictions
    .command('export')
    .addHelpText(
      'after',
      examples(
        'strata predictions export --deployment delay --since 7d --output week.parquet',
        'strata predictions export --deployment delay --start 2026-03-01 --end 2026-04-01 --output delay-log@main:march.parquet --json',
      ),
    )
    .description(
      'export logged predictions (id, time, deployment, model version, inputs, outputs, latency, labels) to Parquet or a dataset commit, including archived segments',
    )
    .requiredOption(
      '--output <file|dataset>',
      'a .parquet file, or dataset[@branch][:path.parquet] to commit to',
    )
    .option('--deployment <name>', 'only predictions of this deployment (served name)')
    .option('--start <time>', 'from this time: ISO time, epoch ms or a span back from now (30m, 2h, 7d)')
    .option('--since <time>', 'the same as --start')
    .option('--end <time>', 'until this time (exclusive), same forms')
    .option('--model <name[/version]>', 'only predictions of this model (and version)')
    .option('--live-only', 'do not read the archived segments of pruned predictions')
    .action(
      ctx.action(async (out, opts: Record<string, string | boolean | undefined>) => {
        const now = Date.now()
        const query: Omit<PredictionQuery, 'pageToken' | 'limit'> = {}
        const start = (opts.start ?? opts.since) as string | undefined
        if (start !== undefined) query.from = parseTimeOption('--start', start, now)
        if (typeof opts.end === 'string') query.to = parseTimeOption('--end', opts.end, now)
        if (typeof opts.deployment === 'string') query.endpoint = opts.deployment
        if (typeof opts.model === 'string') {
          const slash = opts.model.lastIndexOf('/')
          query.modelName = slash > 0 ? opts.model.slice(0, slash) : opts.model
          if (slash > 0) query.modelVersion = wholeNumber('--model version', opts.model.slice(slash + 1), 1)
        }
        const output = String(opts.output)
        const toFile =
          output.toLowerCase().endsWith('.parquet') && !output.includes(':') && !output.includes('@')
        const target = toFile ? undefined : parsePredictionsTarget(output)
        await using strata = await ctx.openStrata()
        const archive = payloadArchiveOf(strata, opts.liveOnly === true)
        const work = target === undefined ? undefined : await mkdtemp(join(tmpdir(), 'strata-export-'))
        try {
          const file = work === undefined ? ctx.resolvePath(output) : join(work, 'predictions.parquet')
          const progress = out.progress('exporting predictions')
          const result = await exportPayloadLog({
            store: await strata.payloads(),
            engine: await strata.offline(),
            query,
            file,
            archive: archive === null ? null : { repo: await strata.data(), dataset: archive },
          })
          progress.finish(`${result.rows} rows`)
          let commit: string | undefined
          if (target !== undefined) {
            const c = await commitPredictions({
              repo: await strata.data(),
              engine: await strata.offline(),
              lineage: await strata.lineage(),
              target: { path: 'predictions.parquet', ...target },
              file,
              message: `export ${result.rows} logged predictions${query.endpoint === undefined ? '' : ` of ${query.endpoint}`}`,
              metadata: { payloadLogExport: JSON.stringify(query), rows: String(result.rows) },
            })
            commit = c.id
          }
          const report = {
            ...result,
            file: commit === undefined ? file : output,
            ...(commit === undefined ? {} : { commit }),
          }
          out.result(
            report,
            () =>
              `${result.rows} predictions (${result.live} live, ${result.archived} archived) → ${commit === undefined ? output : `${output} commit ${commit.slice(0, 12)}`}`,
          )
        } finally {
          if (work !== undefined) await rm(work, { recursive: true, force: true })
        }
      }),
    )

  predictions
    .command('prune')
    .addHelpText(
      'after',
      examples(
        'strata predictions prune --older-than 30d',
        'strata predictions prune --older-than 2026-01-01 --dry-run --json',
      ),
    )
    .description(
      'retention: archive predictions older than a time to Parquet segments of a dataset commit, then delete them from the log (monitor windows are kept)',
    )
    .option(
      '--older-than <time>',
      'a span back from now (30d) or a time; default payloadLog.retainDays of the config',
    )
    .option('--no-archive', 'delete without archiving to the payload-log dataset')
    .option('--segment-rows <n>', 'most predictions per archived segment', '50000')
    .option('--dry-run', 'count what would be pruned, change nothing')
    .action(
      ctx.action(
        async (
          out,
          opts: { olderThan?: string; archive: boolean; segmentRows: string; dryRun?: boolean },
        ) => {
          await using strata = await ctx.openStrata()
          const now = Date.now()
          const days = strata.config.payloadLog.retainDays
          if (opts.olderThan === undefined && days === undefined)
            throw new StrataError(
              'INVALID_ARGUMENT',
              'strata predictions prune needs --older-than (e.g. 30d) or payloadLog.retainDays in strata.config.ts',
            )
          const before =
            opts.olderThan === undefined
              ? now - (days ?? 0) * 86_400_000
              : parseTimeOption('--older-than', opts.olderThan, now)
          const progress = out.progress('pruning the payload log')
          const result = await prunePayloadLogOf(strata, {
            before,
            noArchive: !opts.archive,
            segmentRows: wholeNumber('--segment-rows', opts.segmentRows, 1),
            ...(opts.dryRun === true ? { dryRun: true } : {}),
            onStep: (s) => progress.tick(s.kind === 'deleted' ? s.rows : 0),
          })
          progress.finish()
          out.result(result, () =>
            [
              `${opts.dryRun === true ? 'would prune' : 'pruned'} ${result.eligible} predictions before ${formatTime(result.cutoff)}` +
                (result.heldBy === null ? '' : ` (kept from there on: ${result.heldBy.reason})`),
              ...(result.archive === null || opts.dryRun === true
                ? []
                : [
                    `  archived ${result.archived} to ${result.archive} in ${result.commits.length} commit(s)`,
                  ]),
              ...(opts.dryRun === true ? [] : [`  deleted  ${result.deleted}`]),
            ].join('\n'),
          )
        },
      ),
    )
}
