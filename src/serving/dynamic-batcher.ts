import { StrataError } from '../core/errors.js'
import { allocateValues, elementCount, type TensorValues } from './datatypes.js'
import type { ModelRuntime, RuntimeKind } from './model-runtime.js'
import type { MetadataTensor } from './signature-check.js'
import type { InferTensor } from './tensor.js'

/** Dynamic batching settings of one served model. */
export interface BatchingOptions {
  /** Most rows (first dimension) run in one model call. */
  maxBatchSize: number
  /** Longest a request waits for others to join its batch (microseconds). */
  maxQueueDelayMicros: number
  /** Most requests waiting; beyond it requests fail at once with `UNAVAILABLE` (default 1024). */
  maxQueue?: number
}

/** What the batcher reports (for metrics): each model call, and each request's wait before its call. */
export interface BatchObserver {
  call(rows: number, seconds: number): void
  queued(seconds: number): void
}

interface Waiting {
  inputs: readonly InferTensor[]
  outputs: readonly string[] | undefined
  rows: number
  since: number
  resolve: (out: InferTensor[]) => void
  reject: (err: unknown) => void
}

interface Group {
  items: Waiting[]
  rows: number
  timer: NodeJS.Timeout | undefined
}

/**
 * Wraps a runtime with dynamic batching: concurrent requests for the same outputs and the same
 * non-batch dimensions are concatenated along the first dimension into one call of at most
 * `maxBatchSize` rows, sent when full or when the oldest has waited `maxQueueDelayMicros`, and
 * each caller gets back exactly its own rows, in order. A model whose inputs or outputs do not
 * all have a variable first dimension is not batched. A model output whose first dimension is
 * not the batch's row count fails every request of that batch (`INTERNAL`): rows are never
 * guessed. Requests larger than `maxBatchSize` run alone.
 */
export function batchingRuntime(
  runtime: ModelRuntime,
  inputs: readonly MetadataTensor[],
  outputs: readonly MetadataTensor[],
  options: BatchingOptions,
  observer?: BatchObserver,
): ModelRuntime {
  if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `maxBatchSize ${options.maxBatchSize} is invalid; expected an integer ≥ 1`,
    )
  }
  if (!Number.isFinite(options.maxQueueDelayMicros) || options.maxQueueDelayMicros < 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `maxQueueDelayMicros ${options.maxQueueDelayMicros} is invalid; expected a number ≥ 0`,
    )
  }
  const batchable = [...inputs, ...outputs].every((t) => t.shape.length > 0 && t.shape[0] === -1)
  if (!batchable) return runtime
  return new DynamicBatcher(runtime, options, observer)
}

class DynamicBatcher implements ModelRuntime {
  readonly kind: RuntimeKind
  private readonly groups = new Map<string, Group>()
  private waiting = 0

  constructor(
    private readonly runtime: ModelRuntime,
    private readonly options: BatchingOptions,
    private readonly observer: BatchObserver | undefined,
  ) {
    this.kind = runtime.kind
  }

  infer(inputs: readonly InferTensor[], outputs?: readonly string[]): Promise<InferTensor[]> {
    const rows = inputs[0]?.shape[0]
    if (
      rows === undefined ||
      rows > this.options.maxBatchSize ||
      inputs.some((t) => t.shape.length === 0 || t.shape[0] !== rows)
    ) {
      return observed(this.runtime, this.observer, inputs, outputs)
    }
    if (this.waiting >= (this.options.maxQueue ?? 1024)) {
      return Promise.reject(
        new StrataError(
          'UNAVAILABLE',
          `the model's batching queue is full (${this.waiting} requests waiting); retry later`,
        ),
      )
    }
    const key = JSON.stringify([
      outputs ?? null,
      inputs.map((t) => [t.name, t.datatype, t.shape.slice(1)]).sort(),
    ])
    return new Promise<InferTensor[]>((resolve, reject) => {
      let group = this.groups.get(key)
      if (group !== undefined && group.rows + rows > this.options.maxBatchSize) {
        this.flush(key, group)
        group = undefined
      }
      if (group === undefined) {
        group = { items: [], rows: 0, timer: undefined }
        this.groups.set(key, group)
        const g = group
        g.timer = setTimeout(() => this.flush(key, g), this.options.maxQueueDelayMicros / 1000)
      }
      group.items.push({ inputs, outputs, rows, since: performance.now(), resolve, reject })
      group.rows += rows
      this.waiting++
      if (group.rows >= this.options.maxBatchSize) this.flush(key, group)
    })
  }

  close(): Promise<void> {
    for (const [key, group] of this.groups) this.flush(key, group)
    return this.runtime.close()
  }

  private flush(key: string, group: Group): void {
    if (this.groups.get(key) === group) this.groups.delete(key)
    if (group.timer !== undefined) clearTimeout(group.timer)
    group.timer = undefined
    const items = group.items.splice(0)
    if (items.length === 0) return
    this.waiting -= items.length
    void this.run(items, group.rows)
  }

  private async run(items: Waiting[], rows: number): Promise<void> {
    const first = items[0] as Waiting
    try {
      const inputs =
        items.length === 1
          ? first.inputs
          : first.inputs.map((t) =>
              concat(
                t,
                items.map((i) => tensorNamed(i.inputs, t.name)),
              ),
            )
      const start = performance.now()
      for (const item of items) this.observer?.queued((start - item.since) / 1000)
      const out = await this.runtime.infer(inputs, first.outputs)
      this.observer?.call(rows, (performance.now() - start) / 1000)
      for (const o of out) {
        if (o.shape[0] !== rows) {
          throw new StrataError(
            'INTERNAL',
            `output "${o.name}" has ${o.shape[0]} rows for a batch of ${rows}; the model cannot be batched (disable dynamic batching for it)`,
          )
        }
      }
      let offset = 0
      for (const item of items) {
        item.resolve(out.map((o) => slice(o, offset, item.rows)))
        offset += item.rows
      }
    } catch (err) {
      for (const item of items) item.reject(err)
    }
  }
}

/**
 * Runs one unbatched call, reporting it to `observer` (no queue wait).
 */
export async function observed(
  runtime: ModelRuntime,
  observer: BatchObserver | undefined,
  inputs: readonly InferTensor[],
  outputs?: readonly string[],
): Promise<InferTensor[]> {
  const start = performance.now()
  observer?.queued(0)
  const out = await runtime.infer(inputs, outputs)
  observer?.call(inputs[0]?.shape[0] ?? 1, (performance.now() - start) / 1000)
  return out
}

function tensorNamed(inputs: readonly InferTensor[], name: string): InferTensor {
  const t = inputs.find((i) => i.name === name)
  if (t === undefined) throw new StrataError('INTERNAL', `batched request lacks input "${name}"`)
  return t
}

/** Concatenates tensors of the same datatype and trailing shape along the first dimension. */
function concat(like: InferTensor, parts: readonly InferTensor[]): InferTensor {
  const rows = parts.reduce((a, p) => a + (p.shape[0] ?? 0), 0)
  const shape = [rows, ...like.shape.slice(1)]
  const n = elementCount(shape)
  if (like.datatype === 'BYTES') {
    return { ...like, shape, values: parts.flatMap((p) => p.values as string[]) }
  }
  const values = allocateValues(like.datatype, n) as Exclude<TensorValues, string[]>
  let off = 0
  for (const p of parts) {
    ;(values as Float64Array).set(p.values as Float64Array, off)
    off += p.values.length
  }
  return { ...like, shape, values }
}

/** Rows `[start, start + count)` of a tensor. */
function slice(t: InferTensor, start: number, count: number): InferTensor {
  const per = elementCount(t.shape.slice(1))
  const values = t.values.slice(start * per, (start + count) * per) as TensorValues
  return { name: t.name, datatype: t.datatype, shape: [count, ...t.shape.slice(1)], values }
}
