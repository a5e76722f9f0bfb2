import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import { PUSH_TARGETS, type PushOptions, type PushRows, type PushTarget } from '../../features/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { formatTable } from '../output.js'

/**
 * Pushed rows from JSON text: a list of row objects, an object of column → values (Feast's
 * `df`), or JSON Lines (one row object per line).
 */
function parseRows(text: string, where: string): PushRows {
  const trimmed = text.trim()
  try {
    return JSON.parse(trimmed) as PushRows
  } catch (whole) {
    if (!trimmed.startsWith('{')) {
      throw new StrataError('INVALID_ARGUMENT', `${where} is not JSON: ${(whole as Error).message}`)
    }
    return trimmed
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as Record<string, unknown>
        } catch (err) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `${where} line ${i + 1} is not JSON (${(err as Error).message}); give a JSON list of rows, an object of column → values, or JSON Lines`,
          )
        }
      })
  }
}

/** `push`: rows straight to the online store, for a push source's views or one view. */
export function addPush(parent: Command, ctx: CliContext, act: CliContext['action']): void {
  parent
    .command('push')
    .addHelpText(
      'after',
      examples(
        'strata features push --push-source driver_stats_push --rows rows.json',
        `strata features push --view driver_stats --data '{"driver_id":[1001],"ts":["2024-05-01T10:00:00Z"],"trips":[9],"rating":[4.5]}' --json`,
      ),
    )
    .description(
      "write rows straight to the online store (Feast's push): every view of a push source, or one view; all rows are checked first, an older row never replaces a newer value",
    )
    .option('--push-source <name>', 'the push source: every view declaring it takes the rows')
    .option('--view <name>', 'one feature view takes the rows')
    .option('--rows <file>', 'JSON rows: a list of objects, an object of column → values, or JSON Lines')
    .option('--data <json>', 'the rows inline, as for --rows')
    .option('--to <target>', `where the rows go: ${PUSH_TARGETS.join(', ')}`, 'online')
    .action(
      act(
        async (
          out,
          opts: { pushSource?: string; view?: string; rows?: string; data?: string; to: string },
        ) => {
          if ((opts.rows === undefined) === (opts.data === undefined)) {
            throw new StrataError(
              'INVALID_ARGUMENT',
              'give the rows with exactly one of --rows <file> or --data <json>',
            )
          }
          if (!PUSH_TARGETS.includes(opts.to as PushTarget)) {
            throw new StrataError(
              'INVALID_ARGUMENT',
              `--to "${opts.to}" is not one of ${PUSH_TARGETS.join(', ')}`,
            )
          }
          const rows =
            opts.rows === undefined
              ? parseRows(opts.data ?? '', '--data')
              : parseRows(await readRowsFile(ctx.resolvePath(opts.rows)), opts.rows)
          const options: PushOptions = { rows, to: opts.to as PushTarget }
          if (opts.pushSource !== undefined) options.pushSource = opts.pushSource
          if (opts.view !== undefined) options.view = opts.view
          await using strata = await ctx.openStrata()
          const report = await (await strata.features()).push(options)
          out.result(
            report,
            () =>
              `${formatTable(
                ['view', 'version', 'rows', 'entities', 'written', 'skipped'],
                report.views.map((v) => [v.view, v.version, v.rows, v.entities, v.written, v.skipped]),
              ).trimEnd()}\n`,
          )
        },
      ),
    )
}

async function readRowsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    throw new StrataError(
      'NOT_FOUND',
      `--rows ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    )
  }
}
