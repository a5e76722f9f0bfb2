import type { Command } from 'commander'
import { StrataError } from '../../core/errors.js'
import { formatLineageDot, formatLineageTree, LineageGraphStore } from '../../data/lineage/index.js'
import type { CliContext } from '../context.js'

/** `strata lineage <node>`: the provenance tree of an artifact (upstream by default). */
export function registerLineage(program: Command, ctx: CliContext): void {
  program
    .command('lineage')
    .description('print where an artifact came from (or, with --downstream, what was made from it)')
    .argument('<node>', 'artifact id as kind:id, e.g. model-version:flights-delay/1 or dataset-commit:3f2a…')
    .option('--downstream', 'follow what was produced from the node instead of its inputs')
    .option('--depth <n>', 'maximum number of steps to follow', '64')
    .option('--dot', 'print Graphviz dot instead of a tree')
    .option('--to <node>', 'print only the production path from <node> to the given node')
    .action(
      ctx.action(
        async (
          out,
          node: string,
          opts: { downstream?: boolean; depth: string; dot?: boolean; to?: string },
        ) => {
          const depth = Number(opts.depth)
          if (!Number.isInteger(depth) || depth < 0) {
            throw new StrataError(
              'INVALID_ARGUMENT',
              `--depth "${opts.depth}" is invalid; expected a whole number ≥ 0`,
            )
          }
          await using strata = await ctx.openStrata()
          const lineage = new LineageGraphStore(await strata.metadata())
          if (opts.to !== undefined) {
            const path = await lineage.path(node, opts.to, depth)
            if (path === undefined)
              throw new StrataError(
                'NOT_FOUND',
                `"${opts.to}" was not produced from "${node}" within ${depth} steps`,
              )
            out.result({ from: node, to: opts.to, path }, () =>
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
