import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { StrataError } from '../core/errors.js'
import type { BlobStore, StepJob, StepJobError, StepJobResult } from '../ports/index.js'
import { commandCwd } from './command-hash.js'
import { type CommandSpec, contractProblem, substitute } from './command-spec.js'
import { fileRefs, isFile, isFileOutput, isFileRef, materializeFiles, storeFile } from './file-outputs.js'

/** How a command attempt is bounded. */
export interface CommandRunOptions {
  /** The pipelines module's directory (relative `cwd` and files resolve against it). */
  root: string
  timeoutMs?: number | undefined
  /** Aborted when the run is cancelled: the command's process group is stopped. */
  signal?: AbortSignal | undefined
  /** Called with each log line as it is written (a live log, e.g. for `logs --follow`). */
  onLine?: ((line: string) => void) | undefined
  /**
   * Where output files are stored and input files read from (content-addressed); without it a
   * step that declares or reads files fails naming what is missing.
   */
  blobs?: BlobStore | undefined
}

const LOG_LINES = 10_000
const TAIL_CHARS = 2_000
const KILL_GRACE_MS = 3_000

/**
 * Runs one attempt of a command step: writes `params.json`, `inputs/<name>.json` and
 * `contract.json` into a fresh step directory, checks the params against the contract, starts
 * the program in its own process group (so a timeout or a cancel stops its children too),
 * captures stdout and stderr as the step's log, and on exit 0 reads `outputs.json` and checks it
 * against the output contract. The directory is removed after a success and kept (its path in
 * the log) after a failure, for inspection.
 */
export async function runCommandStep(
  job: StepJob,
  spec: CommandSpec,
  options: CommandRunOptions,
): Promise<StepJobResult> {
  const log: string[] = []
  const what = `step "${job.step}" (attempt ${job.attempt})`
  const fail = (error: StepJobError): StepJobResult => ({ ok: false, log, error })
  const params: Record<string, unknown> = {}
  for (const name of Object.keys(spec.params)) params[name] = job.params[name]
  const paramProblem = contractProblem(spec.params, params, 'param')
  if (paramProblem !== undefined) {
    return fail({ code: 'INVALID_ARGUMENT', message: `${what}: ${paramProblem}`, retryable: false })
  }
  const dir = await mkdtemp(join(tmpdir(), `strata-step-${job.step}-`))
  const outputs = join(dir, 'outputs.json')
  const inputsDir = join(dir, 'inputs')
  await mkdir(inputsDir)
  const inputPaths: Record<string, string> = {}
  const inputFiles: Record<string, string> = {}
  const noBlobs = (why: string) =>
    fail({
      code: 'FAILED_PRECONDITION',
      message: `${what} ${why}, but this step handler has no blob store (give createStepHandler its blobs)`,
      retryable: false,
    })
  for (const [name, value] of Object.entries(job.inputs)) {
    inputPaths[name] = join(inputsDir, `${name}.json`)
    let local = value
    if (fileRefs(value).length > 0) {
      if (options.blobs === undefined) return noBlobs(`reads the files of input "${name}"`)
      // each file of the input in the step directory: inputs/<input>/<field>/<name>
      local = await materializeFiles(options.blobs, value, (field) => join(inputsDir, name, field))
      for (const [field, v] of Object.entries(local as Record<string, unknown>))
        if (isFileRef(v) && v.path !== undefined) inputFiles[`${name}.${field}`] = v.path
    }
    await writeFile(inputPaths[name], JSON.stringify(local))
  }
  const files = Object.entries(spec.outputs).flatMap(([field, t]) =>
    isFileOutput(t) ? [{ field, path: t.path }] : [],
  )
  if (files.length > 0 && options.blobs === undefined) return noBlobs(`declares output files`)
  await writeFile(join(dir, 'params.json'), JSON.stringify(params))
  await writeFile(join(dir, 'contract.json'), JSON.stringify({ params: spec.params, outputs: spec.outputs }))
  let argv: string[]
  try {
    argv = spec.argv.map((arg) =>
      substitute(arg, (ref) => {
        if (ref === 'outputs') return outputs
        if (ref === 'dir') return dir
        const [kind, name, field] = ref.split('.', 3) as [string, string, string | undefined]
        if (kind === 'params') return paramText(params[name])
        if (kind === 'outputs') return join(dir, files.find((f) => f.field === name)?.path ?? name)
        if (field === undefined) return inputPaths[name] ?? ''
        const path = inputFiles[`${name}.${field}`]
        if (path !== undefined) return path
        throw new StrataError(
          'INVALID_ARGUMENT',
          `${what}: command argument "${arg}" uses {${ref}}, but input "${name}" has no output file "${field}"; its files are ${
            Object.keys(inputFiles)
              .filter((k) => k.startsWith(`${name}.`))
              .map((k) => k.slice(name.length + 1))
              .join(', ') || '(none)'
          }`,
        )
      }),
    )
  } catch (err) {
    return fail({ code: 'INVALID_ARGUMENT', message: (err as Error).message, retryable: false })
  }
  for (const f of files) await mkdir(dirname(join(dir, f.path)), { recursive: true })
  const [program, ...args] = argv as [string, ...string[]]
  const exit = await spawnCaptured(program, args, {
    cwd: commandCwd(spec, options.root),
    env: {
      ...process.env,
      ...spec.env,
      STRATA_STEP_DIR: dir,
      STRATA_PARAMS: join(dir, 'params.json'),
      STRATA_INPUTS: inputsDir,
      STRATA_OUTPUTS: outputs,
      STRATA_RUN_ID: job.runId,
      STRATA_STEP: job.step,
      STRATA_ATTEMPT: String(job.attempt),
    },
    log,
    onLine: options.onLine,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  })
  const kept = () => {
    const line = `[strata] step directory kept for inspection: ${dir}`
    log.push(line)
    options.onLine?.(line)
  }
  if (exit.kind === 'not-found') {
    kept()
    return fail({
      code: 'FAILED_PRECONDITION',
      message: `${what}: command "${program}" was not found (${exit.message}); install it or put it on PATH`,
      retryable: false,
    })
  }
  if (exit.kind === 'timeout' || exit.kind === 'cancelled') {
    kept()
    const message =
      exit.kind === 'timeout'
        ? `${what} timed out after ${options.timeoutMs} ms; its command "${program}" was killed`
        : `${what} was cancelled; its command "${program}" was stopped`
    return fail({
      code: exit.kind === 'timeout' ? 'USER_CODE' : 'FAILED_PRECONDITION',
      message,
      retryable: exit.kind === 'timeout',
    })
  }
  if (exit.kind === 'exit' && exit.code !== 0) {
    kept()
    const tail = exit.stderr.length > 0 ? `; stderr ends with:\n${exit.stderr}` : ' (no stderr)'
    return fail({
      code: 'USER_CODE',
      message: `${what}: command "${program}" exited with code ${exit.code}${tail}`,
      retryable: true,
    })
  }
  if (exit.kind === 'signal') {
    kept()
    return fail({
      code: 'USER_CODE',
      message: `${what}: command "${program}" was killed by ${exit.signal}`,
      retryable: true,
    })
  }
  const jsonFields = Object.entries(spec.outputs)
    .filter(([, t]) => !isFileOutput(t))
    .map(([f]) => f)
  let text: string
  try {
    text = await readFile(outputs, 'utf8')
  } catch {
    if (jsonFields.length === 0) text = '{}'
    else {
      kept()
      return fail({
        code: 'USER_CODE',
        message: `${what}: command "${program}" exited 0 but wrote no outputs.json (expected at {outputs} / $STRATA_OUTPUTS, fields ${jsonFields.join(', ')})`,
        retryable: false,
      })
    }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    kept()
    return fail({
      code: 'USER_CODE',
      message: `${what}: outputs.json is not JSON (${(err as Error).message})`,
      retryable: false,
    })
  }
  const problem = contractProblem(spec.outputs, value, 'output')
  if (problem !== undefined) {
    kept()
    return fail({ code: 'USER_CODE', message: `${what}: ${problem}`, retryable: false })
  }
  const record = value as Record<string, unknown>
  for (const f of files) {
    if (f.field in record) {
      kept()
      return fail({
        code: 'USER_CODE',
        message: `${what}: output field "${f.field}" is a file; write it to {outputs.${f.field}} ($STRATA_STEP_DIR/${f.path}), not to outputs.json`,
        retryable: false,
      })
    }
    const path = join(dir, f.path)
    if (!(await isFile(path))) {
      kept()
      return fail({
        code: 'USER_CODE',
        message: `${what}: output file "${f.path}" (field "${f.field}") was not written; write it to {outputs.${f.field}} ($STRATA_STEP_DIR/${f.path})`,
        retryable: false,
      })
    }
    record[f.field] = await storeFile(options.blobs as BlobStore, path)
  }
  await rm(dir, { recursive: true, force: true })
  return { ok: true, output: value, log }
}

function paramText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

type Exit =
  | { kind: 'exit'; code: number; stderr: string }
  | { kind: 'signal'; signal: string }
  | { kind: 'not-found'; message: string }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }

/**
 * Spawns a program in its own process group, appending its stdout and stderr lines (stderr
 * prefixed `[stderr]`) to `log` (the last 10,000 lines). A timeout or an abort sends SIGTERM to
 * the whole group, then SIGKILL after a grace period.
 */
function spawnCaptured(
  program: string,
  args: string[],
  o: {
    cwd: string
    env: NodeJS.ProcessEnv
    log: string[]
    onLine: ((line: string) => void) | undefined
    timeoutMs: number | undefined
    signal: AbortSignal | undefined
  },
): Promise<Exit> {
  return new Promise((resolve) => {
    if (o.signal?.aborted === true) return resolve({ kind: 'cancelled' })
    const child = spawn(program, args, {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stopped: 'timeout' | 'cancelled' | undefined
    let stderrTail = ''
    const push = (line: string) => {
      o.log.push(line)
      o.onLine?.(line)
      if (o.log.length > LOG_LINES) o.log.splice(0, o.log.length - LOG_LINES)
    }
    const lines = (prefix: string, onText?: (t: string) => void) => {
      let buffer = ''
      return {
        data: (d: Buffer) => {
          const text = d.toString('utf8')
          onText?.(text)
          buffer += text
          const parts = buffer.split('\n')
          buffer = parts.pop() ?? ''
          for (const p of parts) push(prefix + p)
        },
        end: () => {
          if (buffer !== '') push(prefix + buffer)
          buffer = ''
        },
      }
    }
    const out = lines('')
    const err = lines('[stderr] ', (t) => {
      stderrTail = (stderrTail + t).slice(-TAIL_CHARS)
    })
    child.stdout.on('data', out.data)
    child.stderr.on('data', err.data)
    const stop = (why: 'timeout' | 'cancelled') => {
      if (stopped !== undefined || child.pid === undefined) return
      stopped = why
      killGroup(child.pid, 'SIGTERM')
      setTimeout(() => killGroup(child.pid as number, 'SIGKILL'), KILL_GRACE_MS).unref()
    }
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), o.timeoutMs)
    const onAbort = () => stop('cancelled')
    o.signal?.addEventListener('abort', onAbort, { once: true })
    const done = (exit: Exit) => {
      if (timer !== undefined) clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
      resolve(exit)
    }
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') done({ kind: 'not-found', message: e.code })
      else done({ kind: 'not-found', message: e.message })
    })
    child.on('close', (code, signal) => {
      out.end()
      err.end()
      if (stopped !== undefined) return done({ kind: stopped })
      if (code === null) return done({ kind: 'signal', signal: signal ?? 'a signal' })
      done({ kind: 'exit', code, stderr: stderrTail.trimEnd() })
    })
  })
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}
