import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import { formatLineageDot, formatLineageTree } from '../../data/lineage/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { wholeNumber } from '../options.js'

/** `strata lineage <node>`: the provenance tree of an artifact (upstream by default). */
export function registerLineage(program: Command, ctx: CliContext): void {
  program
    .command('lineage')
    .addHelpText(
      'after',
      examples(
        'strata lineage model-version:driver-churn/1',
        'strata lineage dataset-commit:3f2a9c1b --downstream',
        'strata lineage model-version:driver-churn/1 --dot | dot -Tsvg > lineage.svg',
      ),
    )
    .description('print where an artifact came from (or, with --downstream, what was made from it)')
    .argument(
      '<node>',
      'artifact id as kind:id, e.g. model-version:flight-delay/1 or prediction:<id>; a unique prefix of the id works (dataset-commit:3f2a1b)',
    )
    .option('--downstream', 'follow what was produced from the node instead of its inputs')
    .option('--depth <n>', 'maximum number of steps to follow', '64')
    .option('--dot', 'print Graphviz dot instead of a tree')
    .option('--to <node>', 'print only the production path from <node> to the given node')
    .action(
      ctx.action(
        async (
          out,
          given: string,
          opts: { downstream?: boolean; depth: string; dot?: boolean; to?: string },
        ) => {
          const depth = wholeNumber('--depth', opts.depth, 0)
          await using strata = await ctx.openStrata()
          if (given.startsWith('prediction:')) {
            // predictions live in the payload log, linked to the graph through their write batch
            if (opts.downstream || opts.to !== undefined)
              throw new StrataError(
                'INVALID_ARGUMENT',
                `a prediction has no downstream artifacts; drop --downstream and --to for "${given}"`,
              )
            const graph = await (await strata.payloads()).lineage(given.slice('prediction:'.length), depth)
            out.result(graph, () => (opts.dot ? formatLineageDot(graph) : formatLineageTree(graph, 'up')))
            return
          }
          const lineage = await strata.lineage()
          const node = await lineage.resolve(given)
          if (opts.to !== undefined) {
            const to = await lineage.resolve(opts.to)
            const path = await lineage.path(node, to, depth)
            if (path === undefined)
              throw new StrataError(
                'NOT_FOUND',
                `"${to}" was not produced from "${node}" within ${depth} steps`,
              )
            out.result({ from: node, to, path }, () =>
              [node, ...path.map((e) => `  → ${e.activity}: ${e.to}`)].join('\n'),
            )
            return
          }
          const direction = opts.downstream ? 'down' : 'up'
          const graph =
            direction === 'up' ? await lineage.upstream(node, depth) : await lineage.downstream(node, depth)
          if (opts.dot && !out.json) {
            out.result(graph, () => formatLineageDot(graph))
            return
          }
          out.result(graph, () => formatLineageTree(graph, direction))
        },
      ),
    )
}
