import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { FileChange } from '../../data/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { collect, wholeNumber } from '../options.js'
import { formatTable } from '../output.js'
import { registerDataAdmin } from './data-admin.js'
import { commitDetails, commitLine, fileLines, parseDataRef, progressBars } from './data-format.js'
import { registerDataRead } from './data-read.js'

/**
 * `strata data create|list|commit|log|show|diff|export|cat|branch|tag|merge|revert|fsck|gc`:
 * versioned datasets from the command line. Datasets, refs and files are named
 * `dataset[@ref][:path]`; every command prints JSON with `--json`.
 */
export function registerData(program: Command, ctx: CliContext): void {
  const data = program
    .command('data')
    .description('versioned datasets: commit files, browse history, diff, branch, merge, export')

  data
    .command('create')
    .addHelpText(
      'after',
      examples('strata data create flights', 'strata data create drivers --description "daily driver stats"'),
    )
    .description('create an empty dataset with a "main" branch')
    .argument('<name>', 'dataset name, e.g. flights')
    .option('-d, --description <text>', 'what the dataset holds')
    .option('--schema <file>', 'JSON file declaring the columns every tabular file must have')
    .action(
      ctx.action(async (out, name: string, opts: { description?: string; schema?: string }) => {
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const schema = opts.schema === undefined ? undefined : await readJson(ctx.resolvePath(opts.schema))
        const dataset = await repo.createDataset(name, {
          ...(opts.description === undefined ? {} : { description: opts.description }),
          ...(schema === undefined ? {} : { schema: schema as never }),
        })
        out.result({ dataset }, () => `created dataset ${dataset.name} (branch ${dataset.defaultBranch})`)
      }),
    )

  data
    .command('list')
    .addHelpText('after', examples('strata data list', 'strata data list --json'))
    .description('list datasets with their default branch head')
    .action(
      ctx.action(async (out) => {
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const datasets = await repo.listDatasets()
        const rows = await Promise.all(
          datasets.map(async (d) => {
            const head = (await repo.refs(d.name)).find((r) => r.name === d.defaultBranch)?.commit ?? null
            return { ...d, head }
          }),
        )
        out.result({ datasets: rows }, () =>
          rows.length === 0
            ? 'no datasets yet; create one with "strata data create <name>"'
            : formatTable(
                ['dataset', 'branch', 'head', 'description'],
                rows.map((d) => [d.name, d.defaultBranch, d.head?.slice(0, 12) ?? '(empty)', d.description]),
              ),
        )
      }),
    )

  data
    .command('commit')
    .addHelpText(
      'after',
      examples(
        'strata data commit drivers data/drivers.csv -m "driver stats"',
        'strata data commit flights raw/ --to raw --replace -m "mirror raw/"',
        'strata data commit flights --delete old.parquet -m "drop old"',
      ),
    )
    .description('commit local files and directories (and deletions) to a branch')
    .argument('<dataset>', 'dataset[@branch] (default branch main)')
    .argument(
      '[paths...]',
      'local files or directories: files go to <to>/<name>, directory contents under <to>',
    )
    .requiredOption('-m, --message <text>', 'commit message')
    .option('--to <prefix>', 'where in the dataset to put them (default the root)', '')
    .option('--replace', 'delete everything under <to> first, so it mirrors the given paths')
    .option('--delete <path>', 'delete a file or directory in the dataset (repeatable)', collect)
    .option('--author <name>', 'author (default $STRATA_USER, else the OS user)')
    .option('--meta <key=value>', 'commit metadata (repeatable)', collect)
    .option('--allow-empty', 'commit even when nothing changes')
    .action(
      ctx.action(
        async (
          out,
          target: string,
          paths: string[],
          opts: {
            message: string
            to: string
            replace?: boolean
            delete?: string[]
            author?: string
            meta?: string[]
            allowEmpty?: boolean
          },
        ) => {
          const ref = parseDataRef(target)
          if (ref.path !== undefined) {
            throw new StrataError(
              'INVALID_ARGUMENT',
              `commit takes dataset[@branch]; use --to for the location, not ":${ref.path}"`,
            )
          }
          const changes: FileChange[] = []
          if (opts.replace) changes.push({ path: opts.to, delete: true })
          for (const d of opts.delete ?? []) changes.push({ path: d, delete: true })
          for (const p of paths) {
            const local = ctx.resolvePath(p)
            const info = await stat(local).catch(() => {
              throw new StrataError('NOT_FOUND', `local path ${p} does not exist`)
            })
            const name = basename(local)
            changes.push({
              path: info.isDirectory()
                ? opts.to
                : opts.to === ''
                  ? name
                  : `${opts.to.replace(/\/$/, '')}/${name}`,
              source: local,
            })
          }
          if (changes.length === 0) {
            throw new StrataError(
              'INVALID_ARGUMENT',
              'nothing to commit: give local paths, --delete or --replace',
            )
          }
          await using strata = await ctx.openStrata()
          const repo = await strata.data()
          const bars = progressBars(out)
          try {
            const commit = await repo.commit(ref.dataset, {
              message: opts.message,
              changes,
              onProgress: bars.onProgress,
              ...(ref.ref === undefined ? {} : { branch: ref.ref }),
              ...(opts.author === undefined ? {} : { author: opts.author }),
              ...(opts.meta === undefined ? {} : { metadata: parseMeta(opts.meta) }),
              ...(opts.allowEmpty ? { allowEmpty: true } : {}),
            })
            bars.finish()
            out.result({ commit }, () => commitLine(commit))
          } finally {
            bars.finish()
          }
        },
      ),
    )

  data
    .command('log')
    .addHelpText('after', examples('strata data log drivers', 'strata data log drivers@dev --json'))
    .description('history of a branch or ref, newest first')
    .argument('<dataset>', 'dataset[@ref][:path] (a path filters to commits that changed it)')
    .option('--path <path>', 'only commits that changed this file or directory (repeatable)', collect)
    .option('-n, --max <n>', 'at most this many commits')
    .action(
      ctx.action(async (out, target: string, opts: { path?: string[]; max?: string }) => {
        const ref = parseDataRef(target)
        const paths = [...(opts.path ?? []), ...(ref.path === undefined ? [] : [ref.path])]
        const limit = opts.max === undefined ? undefined : wholeNumber('--max', opts.max, 1)
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const commits = await repo.log(ref.dataset, {
          ...(ref.ref === undefined ? {} : { ref: ref.ref }),
          ...(paths.length === 0 ? {} : { paths }),
          ...(limit === undefined ? {} : { limit }),
        })
        out.result({ commits }, () =>
          commits.length === 0 ? '(no commits)' : commits.map(commitLine).join('\n'),
        )
      }),
    )

  data
    .command('show')
    .addHelpText(
      'after',
      examples('strata data show drivers@main', 'strata data show drivers@v1:drivers.csv'),
    )
    .description('a commit with its files, a directory listing, or one file entry')
    .argument('<ref>', 'dataset[@ref][:path]')
    .action(
      ctx.action(async (out, target: string) => {
        const ref = parseDataRef(target)
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const dataset = await repo.getDataset(ref.dataset)
        const commit = await repo.resolve(ref.dataset, ref.ref ?? dataset.defaultBranch)
        const files = await repo.files(
          ref.dataset,
          commit.id,
          ref.path === undefined ? {} : { prefix: ref.path },
        )
        if (ref.path !== undefined && files.length === 0) {
          throw new StrataError(
            'NOT_FOUND',
            `${ref.dataset}@${commit.id.slice(0, 12)} has no file or directory "${ref.path}"`,
          )
        }
        out.result({ commit, files }, () => `${commitDetails(commit)}\n\n${fileLines(files)}`)
      }),
    )

  registerDataRead(data, ctx)
  registerDataAdmin(data, ctx)
}

function parseMeta(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new StrataError('INVALID_ARGUMENT', `--meta "${pair}" is invalid; expected key=value`)
    out[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return out
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new StrataError('INVALID_ARGUMENT', `cannot read JSON from ${path}: ${(err as Error).message}`, {
      cause: err,
    })
  }
}
