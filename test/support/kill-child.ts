import { spawn } from 'node:child_process'

/** Options of {@link runKillChild}. */
export interface KillChildOptions {
  /** Absolute path of the TypeScript module the child loads (through jiti). */
  module: string
  /** The exported function the child runs. */
  run: string
  /** Extra environment variables of the child. */
  env?: Record<string, string>
  /** Called with each whole line the child prints on stdout; `kill()` SIGKILLs it. */
  onLine(line: string, kill: () => void): void
  /** Called with each whole line the child prints on stderr (warnings of `strata server`). */
  onStderrLine?(line: string, kill: () => void): void
}

/** How a {@link runKillChild} child ended. */
export interface KillChildExit {
  /** True when it was SIGKILLed (by `kill()`), false when it exited with code 0. */
  killed: boolean
  stderr: string
}

/**
 * Runs `run()` of `module` in a child Node process (TypeScript through jiti), hands each stdout
 * line to `onLine`, which may SIGKILL the child at that point; resolves when the child is gone.
 * A child that exits non-zero or from another signal rejects with its stderr. The line reader
 * the kill tests share.
 *
 * @example
 * await runKillChild({ module: CHILD, run: 'runKillChild', onLine: (l, kill) => { if (l === 'ready') kill() } })
 */
export function runKillChild(options: KillChildOptions): Promise<KillChildExit> {
  const script = `const { createJiti } = await import('jiti'); const jiti = createJiti(${JSON.stringify(import.meta.url)}); const m = await jiti.import(${JSON.stringify(options.module)}); await m[${JSON.stringify(options.run)}]()`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let buffer = ''
  const kill = () => child.kill('SIGKILL')
  let errBuffer = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
    if (options.onStderrLine === undefined) return
    errBuffer += d.toString()
    const lines = errBuffer.split('\n')
    errBuffer = lines.pop() ?? ''
    for (const line of lines) options.onStderrLine(line, kill)
  })
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) options.onLine(line, kill)
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true, stderr })
      else if (code === 0) resolve({ killed: false, stderr })
      else reject(new Error(`child exited with ${code}/${signal}: ${stderr}`))
    })
  })
}
