import { Command, CommanderError } from 'commander'
import { StrataError } from '../core/errors.js'
import { strataVersion } from '../core/version.js'
import { registerApply } from './commands/apply.js'
import { registerData } from './commands/data.js'
import { registerDoctor } from './commands/doctor.js'
import { registerExperiments } from './commands/experiments.js'
import { registerFeatures } from './commands/features.js'
import { registerInit } from './commands/init.js'
import { registerLineage } from './commands/lineage.js'
import { registerModels } from './commands/models.js'
import { registerPipelines } from './commands/pipelines.js'
import { registerRuns } from './commands/runs.js'
import { registerServer } from './commands/server.js'
import { registerToken } from './commands/token.js'
import { createCliContext, type GlobalOptions } from './context.js'
import { type CliStreams, Output, processStreams } from './output.js'

/** Commands that run outside a project (besides `--help` and `--version`). */
const PROJECTLESS = new Set(['init'])

/** Every command module, in help order. */
const COMMANDS = [
  registerInit,
  registerDoctor,
  registerData,
  registerLineage,
  registerFeatures,
  registerApply,
  registerExperiments,
  registerRuns,
  registerModels,
  registerPipelines,
  registerServer,
  registerToken,
]

/**
 * Runs the `strata` CLI with `argv` (without node and script) and resolves the exit code:
 * 0 success, 1 a failed command or check, 2 a usage error.
 *
 * @example
 * process.exitCode = await main(['doctor', '--json'])
 */
export async function main(argv: readonly string[], streams: CliStreams = processStreams): Promise<number> {
  const state = { exitCode: 0 }
  const program = buildProgram(streams, state)
  try {
    await program.parseAsync([...argv], { from: 'user' })
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return 0
      }
      if (program.opts<GlobalOptions>().json === true || argv.includes('--json')) {
        new Output(true, streams).error(
          new StrataError('INVALID_ARGUMENT', err.message.replace(/^error: /, '')),
        )
      }
      return 2
    }
    new Output(argv.includes('--json'), streams).error(err)
    return 1
  }
  return state.exitCode
}

function buildProgram(streams: CliStreams, state: { exitCode: number }): Command {
  const program = new Command('strata')
    .description(
      'Strata: versioned data, features, tracking, registry, serving and monitoring for TypeScript',
    )
    .version(strataVersion(), '-V, --version', 'print the version of strata')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('-C, --cwd <dir>', 'run as if started in <dir>')
    .showHelpAfterError('(run with --help for usage)')
  const ctx = createCliContext(() => program.opts<GlobalOptions>(), streams, state)
  for (const register of COMMANDS) register(program, ctx)
  // Outside a project every command but these fails first, before reading its arguments.
  program.hook('preAction', (_program, action) => {
    let top = action
    while (top.parent !== null && top.parent !== program) top = top.parent
    if (!PROJECTLESS.has(top.name())) ctx.projectDir()
  })
  const configure = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ writeOut: streams.stdout, writeErr: streams.stderr })
    for (const sub of cmd.commands) configure(sub)
  }
  configure(program)
  return program
}

/** Every command path (e.g. `['data', 'commit']`), for help and documentation checks. */
export function listCommandPaths(): string[][] {
  const program = buildProgram(processStreams, { exitCode: 0 })
  const paths: string[][] = []
  const walk = (cmd: Command, prefix: string[]): void => {
    for (const sub of cmd.commands) {
      const path = [...prefix, sub.name()]
      paths.push(path)
      walk(sub, path)
    }
  }
  walk(program, [])
  return paths
}
