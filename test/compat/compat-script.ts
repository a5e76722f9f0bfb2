import { execFile } from 'node:child_process'
import { expect } from 'vitest'

/** What a compat script left: its exit code, output, and the JSON summary on its last line. */
export interface CompatScriptResult {
  code: number | null
  stdout: string
  stderr: string
  /** The summary `compat_util.done()` prints (or a failing step's), if the last line parsed. */
  summary: { ok?: boolean; steps?: string[]; failed?: string; error?: string } | undefined
}

/**
 * Runs `interpreter args…` (a compat script of `test/compat/python/`, or `-c` code) with `env`
 * added to this process's, unbuffered, for at most 5 minutes.
 */
export function runCompatScript(
  interpreter: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<CompatScriptResult> {
  return new Promise((resolve) => {
    execFile(
      interpreter,
      args,
      {
        ...(cwd === undefined ? {} : { cwd }),
        timeout: 300_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, PYTHONUNBUFFERED: '1', ...env },
      },
      (error, stdout, stderr) => {
        let summary: CompatScriptResult['summary']
        try {
          summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '')
        } catch {
          summary = undefined
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ code, stdout, stderr, summary })
      },
    )
  })
}

/**
 * Expects the script to have passed exactly `steps`, in order, and exited 0; a failure shows the
 * tail of the script's and the server's stderr.
 */
export function expectScriptPassed(
  result: CompatScriptResult,
  steps: string[],
  server: { stderr(): string },
): void {
  const context = `script stderr:\n${result.stderr.slice(-6000)}\nserver stderr:\n${server.stderr().slice(-2000)}`
  expect(result.summary, context).toBeDefined()
  expect(result.summary?.failed, context).toBeUndefined()
  expect(result.summary?.steps, context).toEqual(steps)
  expect(result.code, context).toBe(0)
}
