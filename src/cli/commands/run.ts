import { dirname } from 'node:path'
import type { Command } from 'commander'
import { findConfigFile } from '../../core/config-file.js'
import { importUserModule } from '../../core/user-module.js'
import type { CliContext } from '../context.js'
import { examples } from '../help-examples.js'
import { formatSeconds } from '../output.js'

/**
 * `strata run <file>`: runs a TypeScript (or JavaScript) file of the project — a training
 * script, a one-off backfill — compiled on the fly by the same loader that reads
 * `strata.config.ts`, with `strata-ml` and `strata-ml/training` resolving to this Strata. It
 * runs in the project's root directory (so `openStrata()` and relative paths find the project),
 * on any Node version Strata supports; the file's own output goes straight to the terminal.
 */
export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run a TypeScript file of the project (e.g. train.ts) with strata-ml available')
    .argument('<file>', 'the .ts or .js file to run')
    .addHelpText('after', examples('strata run train.ts', 'strata -C churn run train.ts --json'))
    .action(
      ctx.action(async (out, file: string) => {
        const path = ctx.resolvePath(file)
        const dir = ctx.projectDir()
        const config = findConfigFile(dir)
        const root = config === undefined ? dir : dirname(config)
        const started = Date.now()
        const previous = process.cwd()
        process.chdir(root)
        try {
          await importUserModule(path)
        } finally {
          process.chdir(previous)
        }
        const seconds = (Date.now() - started) / 1000
        out.result({ file: path, seconds }, () => `ran ${file} in ${formatSeconds(seconds)}`)
      }),
    )
}
