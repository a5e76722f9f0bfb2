import { execFile } from 'node:child_process'
import { createServer } from 'node:net'

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

/** A loopback port free right now, for a peer server that cannot listen on port 0. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}
