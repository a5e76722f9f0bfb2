/**
 * Times the flights example end to end on the full 3M departures, through the CLI commands on a
 * fresh temp project: commit the raw data, apply, build and save the Q1 training set (computes
 * both feature views), and materialize. Run: `npx jiti bench/feature-flights.bench.ts [--rows N]`.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Command } from 'commander'
import { registerFeatures } from '../src/cli/commands/features.js'
import { createCliContext, type GlobalOptions } from '../src/cli/context.js'
import type { CliStreams } from '../src/cli/output.js'
import { tempProject } from '../test/support/temp-project.js'

const example = resolve(import.meta.dirname ?? '.', '..', 'examples', 'flights')
const rowsAt = process.argv.indexOf('--rows')
const rows = rowsAt >= 0 ? process.argv[rowsAt + 1] : undefined

/** Runs `strata features <args>` in-process (stdout returned; the timings exclude process start-up). */
async function features(dir: string, ...args: string[]): Promise<string> {
  let stdout = ''
  let stderr = ''
  const streams: CliStreams = {
    stdout: (t) => {
      stdout += t
    },
    stderr: (t) => {
      stderr += t
    },
    isTTY: false,
  }
  const program = new Command('strata').option('--json').option('-C, --cwd <dir>').exitOverride()
  const state = { exitCode: 0 }
  registerFeatures(
    program,
    createCliContext(() => program.opts<GlobalOptions>(), streams, state),
  )
  await program.parseAsync(['-C', dir, 'features', ...args], { from: 'user' })
  if (state.exitCode !== 0) throw new Error(`strata features ${args.join(' ')} failed: ${stdout}${stderr}`)
  return stdout
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  const out = await fn()
  console.log(`${label.padEnd(44)} ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return out
}

await using project = await tempProject('strata-flights-bench-')
await project.cli('init', '--bare')
copyFileSync(join(example, 'strata.config.ts'), join(project.dir, 'strata.config.ts'))
copyFileSync(join(example, 'features.ts'), join(project.dir, 'features.ts'))
await timed('prepare raw data (prepare.mjs)', async () =>
  execFileSync(process.execPath, [
    join(example, 'prepare.mjs'),
    join(project.dir, 'data'),
    ...(rows ? ['--rows', rows] : []),
  ]),
)
await project.cli('data', 'create', 'flights')
await timed('strata data commit', () =>
  project.cli('data', 'commit', 'flights', 'data/flights.parquet', 'data/labels-q1.parquet', '-m', 'raw'),
)
await timed('strata apply', () => features(project.dir, 'apply'))
const built = await timed('strata training-set (features + training set)', () =>
  features(
    project.dir,
    'training-set',
    '--service',
    'delay_model',
    '--entity-rows',
    'flights@main:labels-q1.parquet',
    '--save',
    'delay-q1',
  ),
)
console.log(built.trim())
await timed('strata training-set again (features cached)', () =>
  features(
    project.dir,
    'training-set',
    '--service',
    'delay_model',
    '--entity-rows',
    'flights@main:labels-q1.parquet',
  ),
)
await timed('strata materialize --incremental', () => features(project.dir, 'materialize', '--incremental'))
