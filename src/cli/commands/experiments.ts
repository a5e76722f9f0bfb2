import type { Command } from 'commander'
import { parseViewType } from '../../tracking/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'
import { formatTable, formatTime } from '../output.js'
import { resolveExperiment } from './experiment-refs.js'

/** `strata experiments list|create|delete|restore`: the experiments runs are grouped in. */
export function registerExperiments(program: Command, ctx: CliContext): void {
  const experiments = program
    .command('experiments')
    .description('list, create, delete and restore the experiments that group runs')

  experiments
    .command('list')
    .description("list experiments, filtered with MLflow's search syntax")
    .option('-f, --filter <filter>', `e.g. "name LIKE 'flights%'" or "tags.team = 'ml'"`)
    .option('--view <view>', 'active, deleted or all', 'active')
    .option('-n, --max <n>', 'maximum number of experiments', '100')
    .option('--page-token <token>', 'continue after a previous page')
    .addHelpText(
      'after',
      examples(
        'strata experiments list',
        `strata experiments list --filter "name LIKE 'flights%'" --view all`,
      ),
    )
    .action(
      ctx.action(async (out, opts: { filter?: string; view: string; max: string; pageToken?: string }) => {
        const max = wholeNumber('--max', opts.max, 1)
        await using strata = await ctx.openStrata()
        const tracking = await strata.tracking()
        const page = await tracking.experiments.search({
          viewType: parseViewType(opts.view),
          maxResults: max,
          ...(opts.filter === undefined ? {} : { filter: opts.filter }),
          ...(opts.pageToken === undefined ? {} : { pageToken: opts.pageToken }),
        })
        out.result({ experiments: page.items, nextPageToken: page.nextPageToken ?? null }, () => {
          if (page.items.length === 0) return 'no experiments match'
          const table = formatTable(
            ['id', 'name', 'stage', 'created', 'artifact location'],
            page.items.map((e) => [
              e.experimentId,
              e.name,
              e.lifecycleStage,
              formatTime(e.creationTime),
              e.artifactLocation,
            ]),
          )
          return page.nextPageToken ? `${table}\n(more: --page-token ${page.nextPageToken})` : table
        })
      }),
    )

  experiments
    .command('create')
    .description('create an experiment')
    .argument('<name>', 'experiment name (unique)')
    .option('--artifact-location <uri>', 'where its runs store artifacts (default: the project blob store)')
    .addHelpText('after', examples('strata experiments create flights-delay'))
    .action(
      ctx.action(async (out, name: string, opts: { artifactLocation?: string }) => {
        await using strata = await ctx.openStrata()
        const tracking = await strata.tracking()
        const created = await tracking.experiments.create(
          name,
          opts.artifactLocation === undefined ? {} : { artifactLocation: opts.artifactLocation },
        )
        out.result(created, () => `created experiment ${created.name} (${created.experimentId})`)
      }),
    )

  for (const [verb, description] of [
    ['delete', 'delete an experiment and its active runs (restorable)'],
    ['restore', 'restore a deleted experiment and the runs deleted with it'],
  ] as const) {
    experiments
      .command(verb)
      .description(description)
      .argument('<experiment>', 'experiment name or id')
      .addHelpText('after', examples(`strata experiments ${verb} flights-delay`))
      .action(
        ctx.action(async (out, nameOrId: string) => {
          await using strata = await ctx.openStrata()
          const tracking = await strata.tracking()
          const experiment = await resolveExperiment(tracking, nameOrId)
          if (verb === 'delete') await tracking.experiments.delete(experiment.experimentId)
          else await tracking.experiments.restore(experiment.experimentId)
          const after = await tracking.experiments.get(experiment.experimentId)
          out.result(after, () => `${verb}d experiment ${after.name} (${after.experimentId})`)
        }),
      )
  }
}
