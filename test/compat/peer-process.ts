import { execFile } from 'node:child_process'

/**
 * Runs a peer's command (a Python client script, `feast apply`, …) to completion and resolves
 * its stdout; a failure rejects with the command, its error and its stderr.
 */
export function runPeer(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd, timeout: 300_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${cmd} ${args.join(' ')} failed: ${error.message}\n${stderr}`))
        else resolve(stdout)
      },
    )
  })
}

export { freePort } from '../support/free-port.js'
