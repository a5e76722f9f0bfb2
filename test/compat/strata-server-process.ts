import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'

const bin = new URL('../../bin/strata.js', import.meta.url).pathname
const built = new URL('../../dist/cli/main.js', import.meta.url).pathname

/** A `strata server` child process on a free loopback port. */
export interface StrataServerProcess extends AsyncDisposable {
  url: string
  /** The server's process id (benches read its CPU time from /proc). */
  pid: number
  /** `host:port` of the gRPC server (with `--grpc-port`), else undefined. */
  grpc: string | undefined
  /** Everything the server wrote to stderr so far (for failure messages). */
  stderr(): string
  stop(): Promise<void>
}

/**
 * Starts the real `strata server` (the built CLI, `bin/strata.js`) in project `dir` with
 * `--port 0` (and `args`, e.g. `['--model', 'linear@champion']`), and resolves once it prints
 * its URL. Stopped with SIGTERM by its own pid.
 */
export async function startStrataServer(
  dir: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<StrataServerProcess> {
  if (!existsSync(built)) {
    throw new Error(`${built} is missing: run "npm run build" first (npm test does)`)
  }
  const child = spawn(process.execPath, [bin, '-C', dir, '--json', 'server', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let err = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const { url, grpc } = await new Promise<{ url: string; grpc: string | undefined }>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      let printed: { url?: unknown; grpc?: unknown } | undefined
      try {
        printed = JSON.parse(out)
      } catch {
        return // not all of it yet
      }
      if (typeof printed?.url === 'string')
        resolve({ url: printed.url, grpc: typeof printed.grpc === 'string' ? printed.grpc : undefined })
    })
    child.once('exit', (code) =>
      reject(new Error(`strata server exited with ${code} before listening:\n${out}${err}`)),
    )
    child.once('error', reject)
  })
  const stop = () => stopChild(child)
  return { url, grpc, pid: child.pid as number, stderr: () => err, stop, [Symbol.asyncDispose]: stop }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
