import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { StrataError } from '../core/errors.js'
import { ortTypeOf } from './datatypes.js'
import type { ModelRuntime, RuntimeKind, RuntimeSource } from './model-runtime.js'
import { outputTensor, type WorkerOutput } from './runtime-output.js'
import { RUNTIME_WORKER_SOURCE } from './runtime-worker-source.js'
import type { InferTensor } from './tensor.js'

/** Options of {@link startWorkerRuntime}. */
export interface WorkerRuntimeOptions {
  /** Worker threads running the model (default 1). */
  threads?: number
  /** Names the model in errors (default the file path). */
  label?: string
}

interface Pending {
  resolve: (outputs: WorkerOutput[]) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  ready: Promise<void>
  isReady: boolean
  pending: Map<number, Pending>
}

type Reply =
  | { ready: true }
  | { loadError: string }
  | { id: number; outputs: WorkerOutput[] }
  | { id: number; error: string }

const require = createRequire(import.meta.url)
let modulePaths: { ortPath: string; jitiPath: string } | undefined
function resolveModules(): { ortPath: string; jitiPath: string } {
  modulePaths ??= { ortPath: require.resolve('onnxruntime-node'), jitiPath: require.resolve('jiti') }
  return modulePaths
}

/**
 * Starts a {@link ModelRuntime} whose model runs in a pool of worker threads, each holding its own
 * onnxruntime session or predictor module (onnxruntime's `run` and user code block the thread
 * they run on, so the event loop never runs them). Resolves when every worker has loaded the
 * model; a model that does not load rejects with `INVALID_ARGUMENT` and the loader's message.
 * Requests go to the worker with the fewest in flight. A worker that crashes fails only its own
 * in-flight requests (`INTERNAL`) and is replaced; the others keep serving.
 */
export async function startWorkerRuntime(
  source: RuntimeSource,
  options: WorkerRuntimeOptions = {},
): Promise<ModelRuntime> {
  const runtime = new WorkerRuntime(source, Math.max(1, options.threads ?? 1), options.label ?? source.path)
  await runtime.start()
  return runtime
}

class WorkerRuntime implements ModelRuntime {
  readonly kind: RuntimeKind
  private readonly slots: Slot[] = []
  private nextId = 1
  private closed = false

  constructor(
    private readonly source: RuntimeSource,
    private readonly threads: number,
    private readonly label: string,
  ) {
    this.kind = source.kind
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.threads; i++) this.slots.push(this.spawn())
    try {
      await Promise.all(this.slots.map((s) => s.ready))
    } catch (err) {
      await this.close()
      throw err
    }
  }

  async infer(inputs: readonly InferTensor[], outputs?: readonly string[]): Promise<InferTensor[]> {
    if (this.closed) throw new StrataError('UNAVAILABLE', `${this.label} has been unloaded`)
    const slot = this.pick()
    await slot.ready
    const id = this.nextId++
    const raw = await new Promise<WorkerOutput[]>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      slot.worker.postMessage({
        id,
        inputs: inputs.map((t) => ({
          name: t.name,
          type: ortTypeOf(t.datatype),
          dims: t.shape,
          data: t.values,
        })),
        outputs: outputs === undefined || outputs.length === 0 ? undefined : [...outputs],
      })
    })
    return raw.map((o) => outputTensor(this.label, this.source.signature, o))
  }

  async close(): Promise<void> {
    this.closed = true
    const all = this.slots.splice(0)
    await Promise.all(all.map((s) => s.worker.terminate()))
  }

  private pick(): Slot {
    let best: Slot | undefined
    for (const s of this.slots) {
      if (
        best === undefined ||
        (s.isReady && !best.isReady) ||
        (s.isReady === best.isReady && s.pending.size < best.pending.size)
      )
        best = s
    }
    if (best === undefined) throw new StrataError('UNAVAILABLE', `${this.label} has no worker`)
    return best
  }

  private spawn(): Slot {
    const worker = new Worker(RUNTIME_WORKER_SOURCE, {
      eval: true,
      // the source is CommonJS: a process started with --input-type=module would make it ESM
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),
      workerData: { kind: this.source.kind, path: this.source.path, ...resolveModules() },
    })
    let settle: { resolve: () => void; reject: (err: Error) => void } | undefined
    const ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject }
    })
    ready.catch(() => {})
    const slot: Slot = { worker, ready, isReady: false, pending: new Map() }
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        slot.isReady = true
        settle?.resolve()
      } else if ('loadError' in m) {
        settle?.reject(
          new StrataError('INVALID_ARGUMENT', `cannot load ${this.label}: ${m.loadError}`, {
            details: { runtime: this.kind },
          }),
        )
      } else {
        const p = slot.pending.get(m.id)
        if (p === undefined) return
        slot.pending.delete(m.id)
        if ('error' in m) {
          p.reject(
            new StrataError(
              this.kind === 'predictor' ? 'USER_CODE' : 'INTERNAL',
              `${this.label} failed: ${m.error}`,
            ),
          )
        } else p.resolve(m.outputs)
      }
    })
    const crashed = (why: string) => {
      const err = new StrataError(
        'INTERNAL',
        `${this.label}: its worker thread ${why}; the request was not answered`,
      )
      settle?.reject(err)
      for (const p of slot.pending.values()) p.reject(err)
      slot.pending.clear()
      const i = this.slots.indexOf(slot)
      if (i < 0) return
      if (this.closed) {
        this.slots.splice(i, 1)
        return
      }
      // replace the dead worker; the others keep serving meanwhile
      if (slot.isReady) this.slots[i] = this.spawn()
      else this.slots.splice(i, 1)
    }
    worker.on('error', (err) => crashed(`crashed (${err.message})`))
    worker.on('exit', (code) => crashed(`exited with code ${code}`))
    return slot
  }
}
