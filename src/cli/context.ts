import { isAbsolute, resolve } from 'node:path'
import { openStrata, type Strata } from '../platform/index.js'
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
  /** Opens the project found from `--cwd` (or the working directory). */
  openStrata(): Promise<Strata>
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
    openStrata: () => openStrata({ cwd: cwd() }),
    resolvePath: (path) => (isAbsolute(path) ? path : resolve(cwd(), path)),
    setExitCode: (code) => {
      state.exitCode = code
    },
  }
}
