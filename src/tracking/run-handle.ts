import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import type { Clock } from '../core/clock.js'
import { StrataError } from '../core/errors.js'
import type { LineageInputOptions } from './run-inputs.js'
import type { RunStore } from './run-store.js'
import type { Run, RunInfo, RunStatus } from './tracking-types.js'
import { TRACKING_LIMITS } from './tracking-validation.js'

/** A param value; numbers and booleans are logged as their string form. */
export type ParamValue = string | number | boolean

/** Options of {@link RunHandle.logMetrics}. */
export interface LogMetricsOptions {
  /** Default 0. */
  step?: number
  /** Epoch ms; default now on the service context's clock. */
  timestamp?: number
}

/**
 * A live run, returned by `TrackingStore.startRun`: log params, metrics, tags, artifacts and
 * inputs, then `end()` it. Large batches are split to MLflow's limits (1000 metrics, 100 params
 * or tags per batch); each batch is one transaction.
 *
 * @example
 * const run = await tracking.startRun({ experiment: 'flights', name: 'logreg' })
 * await run.logParams({ lr: 0.1, l2: 1e-3 })
 * for (let epoch = 0; epoch < 10; epoch++) await run.logMetrics({ loss: losses[epoch] }, { step: epoch })
 * await run.logArtifact('model.onnx')
 * await run.end()
 */
export class RunHandle {
  constructor(
    private readonly runs: RunStore,
    /** The run's attributes when it was started. */
    readonly info: RunInfo,
    /** The service context's clock: the default metric timestamp. */
    private readonly clock: Clock,
  ) {}

  /** The run's 32-hex id. */
  get runId(): string {
    return this.info.runId
  }

  get experimentId(): string {
    return this.info.experimentId
  }

  /** Logs params; a key logged before with another value fails with `INVALID_ARGUMENT`. */
  async logParams(params: Record<string, ParamValue>): Promise<void> {
    const entries = Object.entries(params).map(([key, value]) => ({ key, value: String(value) }))
    for (let i = 0; i < entries.length; i += TRACKING_LIMITS.batchParams) {
      await this.runs.logBatch(this.runId, { params: entries.slice(i, i + TRACKING_LIMITS.batchParams) })
    }
  }

  /** Logs one param. */
  logParam(key: string, value: ParamValue): Promise<void> {
    return this.logParams({ [key]: value })
  }

  /** Logs metric values at one step (default 0) and timestamp (default now, on the context clock). */
  async logMetrics(values: Record<string, number>, options: LogMetricsOptions = {}): Promise<void> {
    const timestamp = options.timestamp ?? this.clock.now()
    const step = options.step ?? 0
    const metrics = Object.entries(values).map(([key, value]) => ({ key, value, timestamp, step }))
    for (let i = 0; i < metrics.length; i += TRACKING_LIMITS.batchMetrics) {
      await this.runs.logBatch(this.runId, { metrics: metrics.slice(i, i + TRACKING_LIMITS.batchMetrics) })
    }
  }

  /** Logs one metric value. */
  logMetric(key: string, value: number, options: LogMetricsOptions = {}): Promise<void> {
    return this.logMetrics({ [key]: value }, options)
  }

  /** Sets (or overwrites) tags. */
  async setTags(tags: Record<string, string>): Promise<void> {
    const entries = Object.entries(tags).map(([key, value]) => ({ key, value }))
    for (let i = 0; i < entries.length; i += TRACKING_LIMITS.batchTags) {
      await this.runs.logBatch(this.runId, { tags: entries.slice(i, i + TRACKING_LIMITS.batchTags) })
    }
  }

  /** Sets one tag. */
  setTag(key: string, value: string): Promise<void> {
    return this.setTags({ [key]: value })
  }

  /**
   * Stores an artifact. Bytes need a `name` (the path inside the run's artifacts). A local file
   * goes to `name` (default: its base name); a local directory's files go under `name`
   * (default: the artifact root), keeping their relative paths. Files are streamed.
   * Resolves the artifact paths written.
   */
  async logArtifact(pathOrBytes: string | Uint8Array, name?: string): Promise<string[]> {
    if (typeof pathOrBytes !== 'string') {
      if (name === undefined || name === '') {
        throw new StrataError(
          'INVALID_ARGUMENT',
          'logArtifact(bytes, name) needs a name such as "metrics/report.json"',
        )
      }
      await this.runs.logArtifact(this.runId, name, pathOrBytes)
      return [name]
    }
    const info = await stat(pathOrBytes).catch((err: unknown) => {
      throw new StrataError('NOT_FOUND', `cannot log artifact: ${pathOrBytes} does not exist`, { cause: err })
    })
    if (!info.isDirectory()) {
      const target = name ?? basename(pathOrBytes)
      await this.runs.logArtifact(this.runId, target, createReadStream(pathOrBytes))
      return [target]
    }
    const written: string[] = []
    for (const file of await listFiles(pathOrBytes)) {
      const rel = relative(pathOrBytes, file).split(sep).join('/')
      const target = name ? `${name.replace(/\/+$/, '')}/${rel}` : rel
      await this.runs.logArtifact(this.runId, target, createReadStream(file))
      written.push(target)
    }
    return written
  }

  /**
   * Records that the run consumed a Strata artifact: a lineage edge `nodeId → run:<runId>`
   * (e.g. `dataset-commit:<id>` or `training-set:<id>`) and a dataset input on the run.
   */
  logInput(nodeId: string, options?: LineageInputOptions): Promise<void> {
    return this.runs.logLineageInput(this.runId, nodeId, options)
  }

  /** The run as stored now. */
  get(): Promise<Run> {
    return this.runs.get(this.runId)
  }

  /** Ends the run with `status` (default `FINISHED`) at the current time. */
  end(status: RunStatus = 'FINISHED'): Promise<RunInfo> {
    return this.runs.end(this.runId, status)
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(full)))
    else if (entry.isFile()) out.push(full)
  }
  return out.sort()
}
