import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'
import type { CliStreams } from '../../src/cli/output.js'

/** A disposable directory to run CLI commands in. */
export interface TempProject extends AsyncDisposable {
  dir: string
  /** Runs `strata <args>` in-process with `-C dir`; resolves exit code and captured output. */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json<T = unknown>(): T }>
}

/**
 * Creates an empty temp directory (removed on dispose) with a helper to run the CLI in it.
 *
 * @example
 * await using project = await tempProject()
 * await project.cli('init', '--bare')
 */
export async function tempProject(prefix = 'strata-project-'): Promise<TempProject> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return {
    dir,
    cli: async (...args) => {
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
      const code = await main(['-C', dir, ...args], streams)
      return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }
    },
    [Symbol.asyncDispose]: async () => {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
