import { statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { BACKEND_ENV } from '../core/config.js'
import { findConfigFile } from '../core/config-file.js'
import { StrataError } from '../core/errors.js'
import type { Strata } from '../platform/index.js'
import { type CliStreams, Output } from './output.js'

/** Global CLI options every command sees. */
export interface GlobalOptions {
  json?: boolean
  cwd?: string
}

/** What command modules get from `main`: option access, output, and the project opener. */
export interface CliContext {
  /** Wraps a command action: builds its Output, runs it, and turns errors into one line + exit 1. */
  action<A extends unknown[]>(fn: (out: Output, ...args: A) => Promise<void>): (...args: A) => Promise<void>
  /**
   * Opens the project found from `--cwd` (or the working directory). Outside a project — no
   * `strata.config.*` there or in any parent, and no metadata backend in the environment — it
   * fails with the one-line hint to run `strata init`, and it never creates a directory.
   */
  openStrata(): Promise<Strata>
  /** The project directory from `--cwd`, refused as {@link CliContext.openStrata} refuses it. */
  projectDir(): string
  /** Resolves a user-given path against `--cwd`. */
  resolvePath(path: string): string
  setExitCode(code: number): void
}

/** Creates the context for one CLI invocation. */
export function createCliContext(
  globals: () => GlobalOptions,
  streams: CliStreams,
  state: { exitCode: number },
): CliContext {
  const cwd = () => resolve(globals().cwd ?? process.cwd())
  // Checked once per invocation: by the pre-action hook, then reused when the action opens it.
  let checked: string | undefined
  const checkedDir = () => {
    checked ??= projectDir(cwd(), process.env)
    return checked
  }
  return {
    action:
      (fn) =>
      async (...args) => {
        const out = new Output(globals().json === true, streams)
        try {
          await fn(out, ...args)
        } catch (err) {
          out.error(err)
          state.exitCode = 1
        }
      },
    openStrata: async () => {
      const dir = checkedDir()
      // Loaded on first use: `--help`, `--version` and usage errors never pay for the whole stack.
      const { openStrata } = await import('../platform/index.js')
      return openStrata({ cwd: dir })
    },
    projectDir: checkedDir,
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(cwd(), path)),
    setExitCode: (code) => {
      state.exitCode = code
    },
  }
}

/**
 * The directory a project command runs in, refused when it does not exist (`-C` never creates
 * one) or lies outside any project — unless the metadata backend comes from the environment
 * (`STRATA_METADATA_URL`), which is how a project without a config file is described.
 */
export function projectDir(dir: string, env: Record<string, string | undefined>): string {
  const stat = statSync(dir, { throwIfNoEntry: false })
  if (stat === undefined || !stat.isDirectory()) {
    throw new StrataError('NOT_FOUND', `directory ${dir} does not exist (-C never creates one)`)
  }
  if (findConfigFile(dir) === undefined && (env[BACKEND_ENV.metadata] ?? '') === '') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `not inside a Strata project (no strata.config.ts in ${dir} or any parent); run \`strata init\``,
    )
  }
  return dir
}
