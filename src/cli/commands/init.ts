import type { Command } from 'commander'
import { initProject } from '../../platform/index.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'

/** `strata init [dir] [--force] [--bare]`: scaffolds a project. */
export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description(
      'scaffold a project: strata.config.ts, .strata/, a TypeScript project with features.ts, train.ts and sample data',
    )
    .argument('[dir]', 'project directory (created if missing)', '.')
    .option('--force', 'overwrite an existing strata.config.ts')
    .option('--name <name>', 'project name (default: the directory name)')
    .option('--bare', 'only strata.config.ts, .strata/ and the .gitignore entry')
    .addHelpText(
      'after',
      examples(
        'strata init                 # a working project in the current directory',
        'strata init churn --name churn',
        'strata init --bare          # config and state directory only',
      ),
    )
    .action(
      ctx.action(async (out, dir: string, opts: { force?: boolean; name?: string; bare?: boolean }) => {
        const result = initProject(ctx.resolvePath(dir), {
          ...(opts.force ? { force: true } : {}),
          ...(opts.name ? { name: opts.name } : {}),
          scaffold: opts.bare !== true,
        })
        const next = opts.bare
          ? ['Next: strata doctor']
          : [
              'Next (docs/quickstart.md):',
              '  npm install                       # strata-ml, if it is not installed yet',
              '  strata data create drivers && strata data commit drivers data/drivers.csv -m "driver stats"',
              '  strata apply && strata run train.ts',
            ]
        out.result(result, () =>
          [
            `Initialized Strata project in ${result.root}`,
            ...result.created.map((p) => `  created ${p}`),
            ...result.kept.map((p) => `  kept    ${p} (exists)`),
            ...(result.gitignoreUpdated ? ['  updated .gitignore'] : []),
            ...next,
          ].join('\n'),
        )
      }),
    )
}
