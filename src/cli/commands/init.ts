import type { Command } from 'commander'
import { initProject } from '../../platform/index.js'
import type { CliContext } from '../context.js'

/** `strata init [dir] [--force]`: scaffolds a project. */
export function registerInit(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description('scaffold strata.config.ts, .strata/ and a .gitignore entry in a directory')
    .argument('[dir]', 'project directory (created if missing)', '.')
    .option('--force', 'overwrite an existing strata.config.ts')
    .option('--name <name>', 'project name (default: the directory name)')
    .action(
      ctx.action(async (out, dir: string, opts: { force?: boolean; name?: string }) => {
        const result = initProject(ctx.resolvePath(dir), {
          ...(opts.force ? { force: true } : {}),
          ...(opts.name ? { name: opts.name } : {}),
        })
        out.result(result, () =>
          [
            `Initialized Strata project in ${result.root}`,
            ...result.created.map((p) => `  created ${p}`),
            ...(result.gitignoreUpdated ? ['  added .strata/ to .gitignore'] : []),
            'Next: strata doctor',
          ].join('\n'),
        )
      }),
    )
}
