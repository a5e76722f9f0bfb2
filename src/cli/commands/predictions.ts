import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { PredictionQuery, PredictionRecord } from '../../serving/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'
import { formatTable, formatTime } from '../output.js'
import { registerPredictionsRetention } from './predictions-retention.js'

import { parseTimeOption } from './time-option.js'

export { parseTimeOption }

function describe(r: PredictionRecord): string {
  const lines = [
    `prediction ${r.id}  (${r.status}${r.error === null ? '' : `: ${r.error}`})`,
    `  at           ${formatTime(r.at)}`,
    `  endpoint     ${r.endpoint}`,
    `  model        ${r.modelName} version ${r.modelVersion}`,
    `  latency      ${r.latencyMs.toFixed(3)} ms`,
  ]
  if (r.deploymentRevision !== null) lines.push(`  revision     ${r.deploymentRevision}`)
  if (r.requestId !== null) lines.push(`  request      ${r.requestId}`)
  if (r.entityKey !== null) lines.push(`  entity       ${JSON.stringify(r.entityKey)}`)
  for (const f of r.featureViews ?? []) lines.push(`  feature view ${f.name} v${f.version}`)
  lines.push(`  inputs       ${JSON.stringify(r.inputs)}`)
  if (r.outputs !== null) lines.push(`  outputs      ${JSON.stringify(r.outputs)}`)
  lines.push(`  lineage      strata lineage prediction:${r.id}`)
  return lines.join('\n')
}

/** `strata predictions list|show|export|prune`: the prediction payload log of `strata server`. */
export function registerPredictions(program: Command, ctx: CliContext): void {
  const predictions = program
    .command('predictions')
    .description('the payload log: every prediction the model server answered')
  predictions
    .command('list')
    .addHelpText(
      'after',
      examples(
        'strata predictions list --since 1h',
        'strata predictions list --model driver-churn/1 --status error --json',
      ),
    )
    .description(
      'list logged predictions, oldest first, filtered by time window, endpoint, model version or status',
    )
    .option('--since <time>', 'from this time: ISO time, epoch ms or a span back from now (30m, 2h, 7d)')
    .option('--until <time>', 'until this time (exclusive), same forms as --since')
    .option('--endpoint <name>', 'only predictions of this served name')
    .option('--model <name[/version]>', 'only predictions of this model (and version)')
    .option('--revision <revision>', 'only predictions of this deployment revision')
    .option('--status <status>', 'ok or error')
    .option('--entity <json>', 'only predictions for this entity key, e.g. \'{"origin":"ORD"}\'')
    .option('--max <n>', 'most predictions to print', '50')
    .option('--page-token <token>', 'continue from the nextPageToken of an earlier --json page')
    .action(
      ctx.action(async (out, opts: Record<string, string | undefined>) => {
        const now = Date.now()
        const query: PredictionQuery = { limit: wholeNumber('--max', opts.max ?? '50', 1) }
        if (opts.since !== undefined) query.from = parseTimeOption('--since', opts.since, now)
        if (opts.until !== undefined) query.to = parseTimeOption('--until', opts.until, now)
        if (opts.endpoint !== undefined) query.endpoint = opts.endpoint
        if (opts.revision !== undefined) query.deploymentRevision = opts.revision
        if (opts.pageToken !== undefined) query.pageToken = opts.pageToken
        if (opts.status !== undefined) {
          if (opts.status !== 'ok' && opts.status !== 'error')
            throw new StrataError(
              'INVALID_ARGUMENT',
              `--status "${opts.status}" is invalid; expected ok or error`,
            )
          query.status = opts.status
        }
        if (opts.model !== undefined) {
          const slash = opts.model.lastIndexOf('/')
          const version = slash > 0 ? opts.model.slice(slash + 1) : undefined
          query.modelName = slash > 0 ? opts.model.slice(0, slash) : opts.model
          if (version !== undefined) query.modelVersion = wholeNumber('--model version', version, 1)
        }
        if (opts.entity !== undefined) {
          let key: unknown
          try {
            key = JSON.parse(opts.entity)
          } catch {}
          if (typeof key !== 'object' || key === null || Array.isArray(key))
            throw new StrataError(
              'INVALID_ARGUMENT',
              `--entity "${opts.entity}" is invalid; expected a JSON object such as {"origin":"ORD"}`,
            )
          query.entityKey = key as Record<string, unknown>
        }
        await using strata = await ctx.openStrata()
        const page = await (await strata.payloads()).query(query)
        out.result(page, () => {
          if (page.records.length === 0) return 'no predictions'
          const table = formatTable(
            ['id', 'at', 'endpoint', 'model', 'status', 'latency ms'],
            page.records.map((r) => [
              r.id,
              formatTime(r.at),
              r.endpoint,
              `${r.modelName}/${r.modelVersion}`,
              r.status,
              r.latencyMs.toFixed(2),
            ]),
          )
          return page.nextPageToken === undefined
            ? table
            : `${table}\n(more: --page-token ${page.nextPageToken})`
        })
      }),
    )
  predictions
    .command('show')
    .addHelpText('after', examples('strata predictions show 3f2a9c1b-…'))
    .description('print one prediction: its inputs, outputs, model version and features')
    .argument('<id>', 'the prediction id (returned by the server, e.g. the strata-prediction-id header)')
    .action(
      ctx.action(async (out, id: string) => {
        await using strata = await ctx.openStrata()
        const record = await (await strata.payloads()).get(id)
        out.result(record, () => describe(record))
      }),
    )
  registerPredictionsRetention(predictions, ctx)
}
