import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { formatBytes, formatTable } from '../output.js'
import { commitLine, progressBars } from './data-format.js'

/** `strata data branch|tag|merge|revert|fsck|gc`. */
export function registerDataAdmin(data: Command, ctx: CliContext): void {
  data
    .command('branch')
    .addHelpText(
      'after',
      examples(
        'strata data branch drivers            # list branches',
        'strata data branch drivers dev --from main',
      ),
    )
    .description('create a branch, or list branches and tags when no name is given')
    .argument('<dataset>', 'dataset name')
    .argument('[name]', 'new branch name')
    .option('--from <ref>', 'start point (default the default branch head)')
    .action(
      ctx.action(async (out, dataset: string, name: string | undefined, opts: { from?: string }) => {
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        if (name === undefined) {
          const refs = await repo.refs(dataset)
          out.result({ refs }, () =>
            formatTable(
              ['name', 'kind', 'commit'],
              refs.map((r) => [r.name, r.kind, r.commit?.slice(0, 12) ?? '(empty)']),
            ),
          )
          return
        }
        const ref = await repo.branch(dataset, name, opts.from)
        out.result({ ref }, () => `branch ${name} at ${ref.commit?.slice(0, 12) ?? '(empty)'}`)
      }),
    )

  data
    .command('tag')
    .addHelpText('after', examples('strata data tag drivers v1', 'strata data tag drivers v0 3f2a9c1b'))
    .description('tag a commit (tags never move)')
    .argument('<dataset>', 'dataset name')
    .argument('<name>', 'tag name, e.g. v1')
    .argument('[ref]', 'what to tag (default the default branch head)')
    .action(
      ctx.action(async (out, dataset: string, name: string, ref: string | undefined) => {
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const at = ref ?? (await repo.getDataset(dataset)).defaultBranch
        const tag = await repo.tag(dataset, name, at)
        out.result({ ref: tag }, () => `tag ${name} at ${tag.commit?.slice(0, 12)}`)
      }),
    )

  data
    .command('merge')
    .addHelpText('after', examples('strata data merge drivers dev'))
    .description('merge a ref into a branch: fast-forward, or three-way when no file changed on both sides')
    .argument('<dataset>', 'dataset name')
    .argument('<source>', 'ref to merge (branch, tag or commit)')
    .option('--into <branch>', 'branch to merge into (default the default branch)')
    .option('-m, --message <text>', 'merge commit message')
    .action(
      ctx.action(async (out, dataset: string, source: string, opts: { into?: string; message?: string }) => {
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const into = opts.into ?? (await repo.getDataset(dataset)).defaultBranch
        const result = await repo.merge(
          dataset,
          source,
          into,
          opts.message === undefined ? {} : { message: opts.message },
        )
        out.result(result, () => `${result.kind}: ${into} is at ${commitLine(result.commit)}`)
      }),
    )

  data
    .command('revert')
    .addHelpText('after', examples('strata data revert drivers 3f2a9c1b'))
    .description('commit the inverse of a commit on a branch')
    .argument('<dataset>', 'dataset name')
    .argument('<commit>', 'commit to revert (id, prefix, or ref)')
    .option('--branch <name>', 'branch to commit to (default the default branch)')
    .option('-m, --message <text>', 'commit message')
    .action(
      ctx.action(
        async (out, dataset: string, commitRef: string, opts: { branch?: string; message?: string }) => {
          await using strata = await ctx.openStrata()
          const repo = await strata.data()
          const commit = await repo.revert(dataset, commitRef, {
            ...(opts.branch === undefined ? {} : { branch: opts.branch }),
            ...(opts.message === undefined ? {} : { message: opts.message }),
          })
          out.result({ commit }, () => commitLine(commit))
        },
      ),
    )

  data
    .command('fsck')
    .addHelpText('after', examples('strata data fsck', 'strata data fsck --json'))
    .description('check refs, commits and trees and re-hash every reachable object; exits 1 on problems')
    .option('--dataset <name>', 'only this dataset')
    .option('--quick', 'check that objects exist without re-hashing them')
    .action(
      ctx.action(async (out, opts: { dataset?: string; quick?: boolean }) => {
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const bars = progressBars(out)
        const report = await repo.fsck({
          onProgress: bars.onProgress,
          ...(opts.dataset === undefined ? {} : { dataset: opts.dataset }),
          ...(opts.quick ? { verifyContent: false } : {}),
        })
        bars.finish()
        out.result(report, () => {
          const head = `${report.ok ? 'ok' : 'PROBLEMS'}: ${report.datasets} datasets, ${report.refs} refs, ${report.commits} commits, ${report.trees} trees, ${report.objects} files (${formatBytes(report.bytesVerified)} re-hashed)`
          const stale =
            report.staleLeases > 0
              ? [`${report.staleLeases} stale commit lease(s) from killed commits (harmless; gc clears them)`]
              : []
          return [
            head,
            ...stale,
            ...report.problems.map((p) => `  ${p.kind} ${p.subject}: ${p.message}`),
          ].join('\n')
        })
        if (!report.ok) ctx.setExitCode(1)
      }),
    )

  data
    .command('gc')
    .addHelpText(
      'after',
      examples(
        'strata data gc            # dry run: what would be deleted',
        'strata data gc --force --grace 1440',
      ),
    )
    .description('remove blobs no commit references (a dry run unless --force)')
    .option('--force', 'actually delete')
    .option('--grace <minutes>', 'keep unreachable blobs younger than this', '60')
    .action(
      ctx.action(async (out, opts: { force?: boolean; grace: string }) => {
        const grace = Number(opts.grace)
        if (!Number.isFinite(grace) || grace < 0) {
          throw new StrataError(
            'INVALID_ARGUMENT',
            `--grace "${opts.grace}" is invalid; expected minutes ≥ 0`,
          )
        }
        await using strata = await ctx.openStrata()
        const repo = await strata.data()
        const report = await repo.gc({ dryRun: opts.force !== true, graceMs: grace * 60_000 })
        out.result(report, () => {
          const what = `${report.unreachable} unreachable blobs (${formatBytes(report.unreachableBytes)})`
          const young = report.young > 0 ? `; ${report.young} younger than ${grace} min kept` : ''
          return report.dryRun
            ? `dry run: would delete ${what}${young}; run with --force to delete`
            : `deleted ${report.deleted} of ${what}${young}`
        })
      }),
    )
}
