import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { collect } from '../options.js'
import { counted, formatBytes, processStreams } from '../output.js'
import { diffLines, parseDataRef, progressBars } from './data-format.js'

/** `cat --json` embeds content up to this size; larger files should be exported. */
const CAT_JSON_LIMIT = 16 * 1024 * 1024

/** `strata data diff|export|cat`. */
export function registerDataRead(data: Command, ctx: CliContext): void {
  data
    .command('diff')
    .addHelpText(
      'after',
      examples(
        'strata data diff drivers v1 main',
        'strata data diff drivers v1 main --key driver_id   # rows added, removed, changed',
      ),
    )
    .description('what changed between two refs: paths with sizes, tabular rows and columns')
    .argument('<dataset>', 'dataset name')
    .argument('<from>', 'ref to compare from (branch, tag, commit id, ref~N)')
    .argument('[to]', 'ref to compare to (default the default branch)')
    .option(
      '-k, --key <column>',
      'row-level summary of changed tabular files by this key column (repeatable)',
      collect,
    )
    .action(
      ctx.action(
        async (out, dataset: string, from: string, to: string | undefined, opts: { key?: string[] }) => {
          await using strata = await ctx.openStrata()
          const repo = await strata.data()
          const target = to ?? (await repo.getDataset(dataset)).defaultBranch
          const diff = await repo.diff(dataset, from, target, opts.key === undefined ? {} : { key: opts.key })
          out.result({ diff }, () => diffLines(diff))
        },
      ),
    )

  data
    .command('export')
    .addHelpText(
      'after',
      examples('strata data export drivers@main out/', 'strata data export drivers@v1:drivers.csv out/'),
    )
    .description('write the files of a ref (or those under a path) into a local directory')
    .argument('<ref>', 'dataset[@ref][:path]')
    .argument('<dir>', 'local directory (created if missing)')
    .action(
      ctx.action(async (out, target: string, dir: string) => {
        const ref = parseDataRef(target)
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const commitRef = ref.ref ?? (await repo.getDataset(ref.dataset)).defaultBranch
        const bars = progressBars(out)
        try {
          const result = await repo.exportTo(ref.dataset, commitRef, ctx.resolvePath(dir), {
            onProgress: bars.onProgress,
            ...(ref.path === undefined ? {} : { paths: [ref.path] }),
          })
          bars.finish()
          out.result(
            { ...result, dir: ctx.resolvePath(dir) },
            () => `exported ${counted(result.files, 'file')} (${formatBytes(result.bytes)}) to ${dir}`,
          )
        } finally {
          bars.finish()
        }
      }),
    )

  data
    .command('cat')
    .addHelpText('after', examples('strata data cat drivers@main:drivers.csv | head'))
    .description('print one file (raw bytes; with --json its entry and content, base64 unless UTF-8)')
    .argument('<ref>', 'dataset[@ref]:path')
    .action(
      ctx.action(async (out, target: string) => {
        const ref = parseDataRef(target)
        if (ref.path === undefined || ref.path === '') {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `cat needs a file: dataset[@ref]:path, e.g. ${ref.dataset}@main:data.csv`,
          )
        }
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const commitRef = ref.ref ?? (await repo.getDataset(ref.dataset)).defaultBranch
        const file = await repo.stat(ref.dataset, commitRef, ref.path)
        if (out.json && file.size > CAT_JSON_LIMIT) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `${ref.path} is ${formatBytes(file.size)}; cat --json embeds at most ${formatBytes(CAT_JSON_LIMIT)}, use "strata data export"`,
          )
        }
        const stream = await repo.readFile(ref.dataset, commitRef, ref.path)
        if (!out.json && out.streams === processStreams) {
          // Raw bytes straight to the process's stdout, streamed.
          for await (const piece of stream) {
            if (!process.stdout.write(piece)) await new Promise((r) => process.stdout.once('drain', r))
          }
          return
        }
        const parts: Uint8Array[] = []
        for await (const piece of stream) parts.push(piece)
        const bytes = Buffer.concat(parts)
        const decoded = new TextDecoder('utf-8', { fatal: true })
        let content: string
        let encoding: 'utf8' | 'base64' = 'utf8'
        try {
          content = decoded.decode(bytes)
        } catch {
          content = bytes.toString('base64')
          encoding = 'base64'
        }
        if (out.json) out.result({ file, encoding, content }, () => '')
        else out.streams.stdout(encoding === 'utf8' ? content : bytes.toString('latin1'))
      }),
    )
}
