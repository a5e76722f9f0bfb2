import { Command, CommanderError } from 'commander'
import { StrataError } from '../core/errors.js'
import { strataVersion } from '../core/version.js'
import { registerApply } from './commands/apply.js'
import { registerCompletion } from './commands/completion.js'
import { registerData } from './commands/data.js'
import { registerDeploy } from './commands/deploy.js'
import { registerDoctor } from './commands/doctor.js'
import { registerExperiments } from './commands/experiments.js'
import { registerFeatures } from './commands/features.js'
import { registerInit } from './commands/init.js'
import { registerLineage } from './commands/lineage.js'
import { registerModels } from './commands/models.js'
import { registerMonitor } from './commands/monitor.js'
import { registerPipelines } from './commands/pipelines.js'
import { registerPredict } from './commands/predict.js'
import { registerPredictions } from './commands/predictions.js'
import { registerRun } from './commands/run.js'
import { registerRuns } from './commands/runs.js'
import { registerServer } from './commands/server.js'
import { registerToken } from './commands/token.js'
import { createCliContext, type GlobalOptions } from './context.js'
import { type CliStreams, Output, processStreams } from './output.js'

/** Commands that run outside a project (besides `--help` and `--version`). */
export const PROJECTLESS: ReadonlySet<string> = new Set(['init', 'completion'])

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
  registerRun,
  registerModels,
  registerPipelines,
  registerDeploy,
  registerPredictions,
  registerPredict,
  registerMonitor,
  registerServer,
  registerToken,
  registerCompletion,
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
    // Every command's help lists --json and -C too, so nobody has to know they are global.
    cmd.configureHelp({ showGlobalOptions: true })
    for (const sub of cmd.commands) configure(sub)
  }
  configure(program)
  return program
}

/** A command of the CLI as tests and docs see it. */
export interface CommandInfo {
  /** e.g. `['data', 'commit']`. */
  path: string[]
  /** True when it has no subcommands (it runs an action). */
  leaf: boolean
  /** Required positional arguments (variadic ones count once). */
  requiredArgs: number
  /** Long flags of its mandatory options (e.g. `--message`). */
  requiredOptions: string[]
}

/** Every command of the CLI, depth-first in help order. */
export function listCommands(): CommandInfo[] {
  const program = buildProgram(processStreams, { exitCode: 0 })
  const commands: CommandInfo[] = []
  const walk = (cmd: Command, prefix: string[]): void => {
    for (const sub of cmd.commands) {
      const path = [...prefix, sub.name()]
      commands.push({
        path,
        leaf: sub.commands.length === 0,
        requiredArgs: sub.registeredArguments.filter((a) => a.required).length,
        requiredOptions: sub.options
          .filter((o) => o.mandatory && o.long !== undefined)
          .map((o) => o.long as string),
      })
      walk(sub, path)
    }
  }
  walk(program, [])
  return commands
}

/** Every command path (e.g. `['data', 'commit']`), for help and documentation checks. */
export function listCommandPaths(): string[][] {
  return listCommands().map((c) => c.path)
}
