import { StrataError } from '../core/errors.js'
import type { ArtifactStore } from './artifact-store.js'
import { type DownsampleOptions, downsampledRunsHistory, metricHistoryPage } from './metric-history.js'
import { RunArtifacts } from './run-artifacts.js'
import {
  type DatasetSummary,
  datasetSummaries,
  type LineageInputOptions,
  logInputs,
  logLineageInput,
  logOutputs,
} from './run-inputs.js'
import {
  type CreateRunOptions,
  createRun,
  deleteRun,
  recordLoggedModel,
  resolveRunId,
  restoreRun,
  type UpdateRunOptions,
  updateRun,
} from './run-lifecycle.js'
import { type KeyValue, type LogBatchInput, logBatch } from './run-logging.js'
import { loadRuns } from './run-reader.js'
import { searchRuns } from './run-search.js'
import { requireActiveRunRow, requireRunRow, type TrackingContext } from './tracking-context.js'
import type {
  ArtifactEntry,
  DatasetInput,
  Metric,
  MetricInput,
  ModelIo,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
} from './tracking-types.js'

/**
 * Runs: creation, status, params/metrics/tags, inputs and outputs, search and artifacts, with
 * MLflow's semantics. A deleted run refuses changes (`FAILED_PRECONDITION`) until restored.
 */
export class RunStore {
  private readonly artifacts: RunArtifacts

  constructor(
    private readonly ctx: TrackingContext,
    artifactStore: ArtifactStore,
  ) {
    this.artifacts = new RunArtifacts(ctx.db, artifactStore)
  }

  /** Creates a `RUNNING` run in an active experiment. */
  async create(options: CreateRunOptions = {}): Promise<Run> {
    return this.get(await createRun(this.ctx, options))
  }

  /** One run with all its data (deleted runs too), or `NOT_FOUND`. */
  async get(runId: string): Promise<Run> {
    await requireRunRow(this.ctx.db, runId)
    const [run] = await loadRuns(this.ctx.db, [runId])
    if (!run) {
      throw new StrataError('NOT_FOUND', `run "${runId}" does not exist`, {
        details: { entity: 'run', runId },
      })
    }
    return run
  }

  /**
   * The full id of the run whose id is `idOrPrefix` or starts with it (at least 4 characters),
   * for people typing ids; `NOT_FOUND` when none matches, `INVALID_ARGUMENT` when several do.
   */
  resolveId(idOrPrefix: string): Promise<string> {
    return resolveRunId(this.ctx, idOrPrefix)
  }

  /** Several runs in the given order; unknown ids are skipped. */
  getMany(runIds: readonly string[]): Promise<Run[]> {
    return loadRuns(this.ctx.db, runIds)
  }

  /** Changes status, end time or name of an active run. */
  update(runId: string, changes: UpdateRunOptions): Promise<RunInfo> {
    return updateRun(this.ctx, runId, changes)
  }

  /** Ends a run: sets its status (default `FINISHED`) and end time (default now). */
  end(runId: string, status: RunStatus = 'FINISHED', endTime = this.ctx.now()): Promise<RunInfo> {
    return this.update(runId, { status, endTime })
  }

  /** Soft-deletes a run (idempotent). */
  delete(runId: string): Promise<void> {
    return deleteRun(this.ctx, runId)
  }

  /** Restores a deleted run (idempotent). */
  restore(runId: string): Promise<void> {
    return restoreRun(this.ctx, runId)
  }

  /** Logs metrics, params and tags in one transaction (see {@link logBatch}). */
  logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    return logBatch(this.ctx, runId, batch)
  }

  /** Logs one metric value (timestamp defaults to now, step to 0). */
  logMetric(runId: string, metric: MetricInput): Promise<void> {
    return logBatch(this.ctx, runId, { metrics: [metric] })
  }

  /** Logs one param; the same key with another value fails with `INVALID_ARGUMENT`. */
  logParam(runId: string, key: string, value: string): Promise<void> {
    return logBatch(this.ctx, runId, { params: [{ key, value }] })
  }

  /** Sets (or overwrites) one tag. */
  setTag(runId: string, key: string, value: string): Promise<void> {
    return logBatch(this.ctx, runId, { tags: [{ key, value }] })
  }

  /** Deletes a tag; `NOT_FOUND` when the run has no such tag. */
  async deleteTag(runId: string, key: string): Promise<void> {
    await requireActiveRunRow(this.ctx.db, runId)
    const res = await this.ctx.db
      .deleteFrom('tracking_tags')
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .executeTakeFirst()
    if (Number(res.numDeletedRows) === 0) {
      throw new StrataError('NOT_FOUND', `run "${runId}" has no tag "${key}"`, {
        details: { entity: 'runTag', runId, key },
      })
    }
  }

  /**
   * Every value logged for a metric, ordered by step, then timestamp, then value. Without
   * `maxResults` the whole history comes back in one page (MLflow's behaviour for clients that
   * do not page); with it, pages hold at most 25,000 values (larger requests are clamped), and
   * each page continues after the previous one's last value (see {@link metricHistoryPage}).
   */
  async metricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<Metric>> {
    await requireRunRow(this.ctx.db, runId)
    return metricHistoryPage(this.ctx.db, runId, key, options)
  }

  /**
   * A metric's history of each run reduced to at most `maxResults` points (default and maximum
   * 2,500), keeping the first and last points and the lowest and highest value of each span of
   * steps — for charts (MLflow's `metrics/get-history-bulk-interval`). At most 100 runs.
   *
   * @example
   * const points = await tracking.runs.downsampledHistory([runId], 'loss', { maxResults: 1000 })
   */
  downsampledHistory(
    runIds: readonly string[],
    key: string,
    options: DownsampleOptions = {},
  ): Promise<(Metric & { runId: string })[]> {
    return downsampledRunsHistory(this.ctx.db, runIds, key, options)
  }

  /**
   * Searches runs with MLflow's filter language, order-by and paging, in SQL.
   *
   * @example
   * await tracking.runs.search({ experimentIds: ['1'], filter: "metrics.auc > 0.8 and params.lr = '0.1'", orderBy: ['metrics.auc DESC'] })
   */
  search(options: SearchRunsOptions): Promise<Page<Run>> {
    return searchRuns(this.ctx.db, this.ctx.dialect, options)
  }

  /** Records datasets and logged models the run consumed (MLflow `runs/log-inputs`). */
  logInputs(
    runId: string,
    inputs: { datasets?: readonly DatasetInput[]; models?: readonly ModelIo[] },
  ): Promise<void> {
    return logInputs(this.ctx, runId, inputs)
  }

  /**
   * The distinct datasets (name, digest, context) runs of the experiments consumed, for MLflow's
   * `experiments/search-datasets`; 1 to 20 experiment ids.
   *
   * @example
   * const summaries = await tracking.runs.datasetSummaries(['1'])
   */
  datasetSummaries(experimentIds: readonly string[]): Promise<DatasetSummary[]> {
    if (experimentIds.length === 0 || experimentIds.length > 20) {
      throw new StrataError('INVALID_ARGUMENT', `give 1 to 20 experiment ids, got ${experimentIds.length}`, {
        details: { experimentIds: experimentIds.length },
      })
    }
    return datasetSummaries(this.ctx, experimentIds)
  }

  /** Records logged models the run produced (MLflow `runs/outputs`). */
  logOutputs(runId: string, models: readonly ModelIo[]): Promise<void> {
    return logOutputs(this.ctx, runId, models)
  }

  /** Records that the run consumed a Strata artifact (`dataset-commit:<id>`, `training-set:<id>`) as a lineage edge. */
  logLineageInput(runId: string, nodeId: string, options?: LineageInputOptions): Promise<void> {
    return logLineageInput(this.ctx, runId, nodeId, options)
  }

  /** MLflow 2.x `runs/log-model`: appends the model's JSON document to the `mlflow.log-model.history` tag. */
  recordLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    return recordLoggedModel(this.ctx, runId, model)
  }

  /** The artifact-store path of a run's artifact root (`<experimentId>/<runId>` by default). */
  artifactRoot(runId: string): Promise<string> {
    return this.artifacts.root(runId)
  }

  /** Stores one artifact file of an active run at `path` (relative to the run's artifact root). */
  logArtifact(runId: string, path: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    return this.artifacts.put(runId, path, body)
  }

  /** The direct children of `dir` in a run's artifacts; paths are relative to the run's root. */
  listArtifacts(runId: string, dir = ''): Promise<ArtifactEntry[]> {
    return this.artifacts.list(runId, dir)
  }

  /** Streams one artifact file of a run; `NOT_FOUND` when missing. */
  openArtifact(runId: string, path: string): Promise<AsyncIterable<Uint8Array>> {
    return this.artifacts.open(runId, path)
  }

  /** Deletes an artifact file or directory of a run; resolves the number of files removed. */
  deleteArtifacts(runId: string, path: string): Promise<number> {
    return this.artifacts.delete(runId, path)
  }
}

export type { CreateRunOptions, KeyValue, LogBatchInput, UpdateRunOptions }
