import { type ChildProcess, spawn } from 'node:child_process'

const BIN = new URL('../../bin/strata.js', import.meta.url).pathname

/**
 * Starts `strata worker` (the built CLI) in project `dir` with `args` (e.g. `['--concurrency', '2']`);
 * resolves once it says it is pulling steps from its queue, rejects if it exits before.
 */
export function startStrataWorker(
  dir: string,
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, '-C', dir, 'worker', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes(' on queue ')) resolve(child)
    })
    child.on('exit', (code, signal) =>
      reject(new Error(`worker exited (${code}/${signal}) before it was ready: ${stderr}`)),
    )
  })
}
