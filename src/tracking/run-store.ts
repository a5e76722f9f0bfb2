import { sql } from 'kysely'
import { StrataError } from '../core/errors.js'
import { compareSql, writeTransaction } from '../db/index.js'
import { type ArtifactStore, joinArtifactPath, proxiedArtifactPath } from './artifact-store.js'
import {
  DOWNSAMPLE_MAX_RESULTS,
  type DownsampleOptions,
  downsampledHistory,
  metricHistoryPage,
} from './metric-history.js'
import {
  type DatasetSummary,
  datasetSummaries,
  type LineageInputOptions,
  logInputs,
  logLineageInput,
  logOutputs,
} from './run-inputs.js'
import { type KeyValue, type LogBatchInput, logBatch } from './run-logging.js'
import { loadRuns } from './run-reader.js'
import { searchRuns } from './run-search.js'
import {
  dbCall,
  requireActiveRunRow,
  requireExperimentRow,
  requireRunRow,
  type TrackingContext,
  toRunInfo,
} from './tracking-context.js'
import { newRunId, randomRunName } from './tracking-ids.js'
import {
  type ArtifactEntry,
  type DatasetInput,
  DEFAULT_EXPERIMENT_ID,
  LOGGED_MODELS_TAG,
  type Metric,
  type MetricInput,
  type ModelIo,
  type Page,
  RUN_NAME_TAG,
  type Run,
  type RunInfo,
  type RunStatus,
  type SearchRunsOptions,
  USER_TAG,
} from './tracking-types.js'
import {
  TRACKING_LIMITS,
  truncatedValue,
  validateKey,
  validateRunId,
  validateRunStatus,
  validateValue,
} from './tracking-validation.js'

/** Options of {@link RunStore.create} (MLflow `runs/create`). */
export interface CreateRunOptions {
  /** Default `"0"`. */
  experimentId?: string
  /** Default: the `mlflow.runName` tag, else a random name such as `bold-fox-417`. */
  runName?: string
  /**
   * Default: the `mlflow.user` tag, else the acting principal of the service context (so a
   * run created over the API without a user is the request's principal's, as MLflow's server
   * records the authenticated user).
   */
  userId?: string
  /** Epoch ms; default now. */
  startTime?: number
  tags?: Record<string, string>
  status?: RunStatus
}

/** Changes of {@link RunStore.update} (MLflow `runs/update`). */
export interface UpdateRunOptions {
  status?: RunStatus
  endTime?: number | null
  runName?: string
}

/**
 * Runs: creation, status, params/metrics/tags, inputs and outputs, search and artifacts, with
 * MLflow's semantics. A deleted run refuses changes (`FAILED_PRECONDITION`) until restored.
 */
export class RunStore {
  constructor(
    private readonly ctx: TrackingContext,
    private readonly artifactStore: ArtifactStore,
  ) {}

  /** Creates a `RUNNING` run in an active experiment. */
  async create(options: CreateRunOptions = {}): Promise<Run> {
    const experimentId = options.experimentId ?? DEFAULT_EXPERIMENT_ID
    const tags = { ...(options.tags ?? {}) }
    for (const [k, v] of Object.entries(tags)) {
      validateKey('tag', k)
      tags[k] = truncatedValue('tag', k, v, TRACKING_LIMITS.runTagValueLength)
    }
    const tagged = tags[RUN_NAME_TAG]
    if (options.runName !== undefined && tagged !== undefined && tagged !== options.runName) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `run name "${options.runName}" differs from the ${RUN_NAME_TAG} tag "${tagged}"; give one name, or the same in both`,
      )
    }
    const runName = options.runName || tagged || randomRunName()
    validateValue('run', 'name', runName, TRACKING_LIMITS.runNameLength)
    tags[RUN_NAME_TAG] = runName
    if (options.status !== undefined) validateRunStatus(options.status)
    const runId = newRunId()
    await dbCall(`run "${runId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        const exp = await requireExperimentRow(trx, experimentId)
        if (exp.lifecycle_stage !== 'active') {
          throw new StrataError(
            'FAILED_PRECONDITION',
            `The experiment ${experimentId} must be in the 'active' state. Current state is deleted.`,
            { details: { experimentId } },
          )
        }
        await trx
          .insertInto('tracking_runs')
          .values({
            run_id: runId,
            experiment_id: experimentId,
            run_name: runName,
            user_id: options.userId ?? tags[USER_TAG] ?? this.ctx.principal.id,
            status: options.status ?? 'RUNNING',
            start_time: options.startTime ?? this.ctx.now(),
            end_time: null,
            artifact_uri: `${exp.artifact_location.replace(/\/+$/, '')}/${runId}`,
            lifecycle_stage: 'active',
            deleted_time: null,
            deleted_with_experiment: 0,
          })
          .execute()
        await trx
          .insertInto('tracking_tags')
          .values(Object.entries(tags).map(([key, value]) => ({ run_id: runId, key, value })))
          .execute()
      }),
    )
    return this.get(runId)
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
  async resolveId(idOrPrefix: string): Promise<string> {
    const prefix = idOrPrefix.trim().toLowerCase()
    if (!/^[0-9a-f]{4,32}$/.test(prefix)) {
      validateRunId(idOrPrefix)
      return idOrPrefix
    }
    const rows = await this.ctx.db
      .selectFrom('tracking_runs as r')
      .select('r.run_id')
      .where(compareSql(this.ctx.dialect, sql.ref('r.run_id'), 'LIKE', `${prefix}%`))
      .orderBy('r.run_id')
      .limit(5)
      .execute()
    const [first] = rows
    if (!first) throw new StrataError('NOT_FOUND', `no run id starts with "${idOrPrefix}"`)
    if (rows.length > 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `run id prefix "${idOrPrefix}" is ambiguous: it matches ${rows.map((r) => r.run_id).join(', ')}${rows.length === 5 ? ', …' : ''}; give more characters`,
      )
    }
    return first.run_id
  }

  /** Several runs in the given order; unknown ids are skipped. */
  getMany(runIds: readonly string[]): Promise<Run[]> {
    return loadRuns(this.ctx.db, runIds)
  }

  /** Changes status, end time or name of an active run. */
  async update(runId: string, changes: UpdateRunOptions): Promise<RunInfo> {
    if (changes.status !== undefined) validateRunStatus(changes.status)
    if (changes.runName !== undefined)
      validateValue('run', 'name', changes.runName, TRACKING_LIMITS.runNameLength)
    await dbCall(`run "${runId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        await requireActiveRunRow(trx, runId)
        const set = {
          ...(changes.status === undefined ? {} : { status: changes.status }),
          ...(changes.endTime === undefined ? {} : { end_time: changes.endTime }),
          ...(changes.runName === undefined || changes.runName === '' ? {} : { run_name: changes.runName }),
        }
        if (Object.keys(set).length > 0) {
          await trx.updateTable('tracking_runs').set(set).where('run_id', '=', runId).execute()
        }
        if (set.run_name !== undefined) {
          await trx
            .insertInto('tracking_tags')
            .values({ run_id: runId, key: RUN_NAME_TAG, value: set.run_name })
            .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value: set.run_name }))
            .execute()
        }
      }),
    )
    return toRunInfo(await requireRunRow(this.ctx.db, runId))
  }

  /** Ends a run: sets its status (default `FINISHED`) and end time (default now). */
  end(runId: string, status: RunStatus = 'FINISHED', endTime = this.ctx.now()): Promise<RunInfo> {
    return this.update(runId, { status, endTime })
  }

  /** Soft-deletes a run (idempotent). */
  async delete(runId: string): Promise<void> {
    await requireRunRow(this.ctx.db, runId)
    await this.ctx.db
      .updateTable('tracking_runs')
      .set({ lifecycle_stage: 'deleted', deleted_time: this.ctx.now() })
      .where('run_id', '=', runId)
      .where('lifecycle_stage', '=', 'active')
      .execute()
  }

  /** Restores a deleted run (idempotent). */
  async restore(runId: string): Promise<void> {
    await requireRunRow(this.ctx.db, runId)
    await this.ctx.db
      .updateTable('tracking_runs')
      .set({ lifecycle_stage: 'active', deleted_time: null, deleted_with_experiment: 0 })
      .where('run_id', '=', runId)
      .execute()
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
  async downsampledHistory(
    runIds: readonly string[],
    key: string,
    options: DownsampleOptions = {},
  ): Promise<(Metric & { runId: string })[]> {
    if (runIds.length === 0 || runIds.length > 100) {
      throw new StrataError('INVALID_ARGUMENT', `give 1 to 100 run ids, got ${runIds.length}`, {
        details: { runIds: runIds.length },
      })
    }
    validateKey('metric', key)
    const max = options.maxResults ?? DOWNSAMPLE_MAX_RESULTS
    if (!Number.isSafeInteger(max) || max < 1 || max > DOWNSAMPLE_MAX_RESULTS) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `max_results must be between 1 and ${DOWNSAMPLE_MAX_RESULTS}, got ${max}`,
        { details: { maxResults: max } },
      )
    }
    const { startStep, endStep } = options
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        // MLflow's wording (its UI and users match on it).
        'If either start step or end step are specified, both must be specified.',
        { details: startStep === undefined ? { endStep } : { startStep } },
      )
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
      )
    }
    const out: (Metric & { runId: string })[] = []
    for (const runId of new Set(runIds)) {
      await requireRunRow(this.ctx.db, runId)
      const points = await downsampledHistory(this.ctx.db, runId, key, { ...options, maxResults: max })
      for (const p of points) out.push({ ...p, runId })
    }
    return out
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
  async recordLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await dbCall(`run "${runId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        await requireActiveRunRow(trx, runId)
        const prev = await trx
          .selectFrom('tracking_tags')
          .select('value')
          .where('run_id', '=', runId)
          .where('key', '=', LOGGED_MODELS_TAG)
          .executeTakeFirst()
        const list = prev ? (JSON.parse(prev.value) as unknown[]) : []
        const value = JSON.stringify([...list, model])
        await trx
          .insertInto('tracking_tags')
          .values({ run_id: runId, key: LOGGED_MODELS_TAG, value })
          .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value }))
          .execute()
      }),
    )
  }

  /** The artifact-store path of a run's artifact root (`<experimentId>/<runId>` by default). */
  async artifactRoot(runId: string): Promise<string> {
    const row = await requireRunRow(this.ctx.db, runId)
    const root = proxiedArtifactPath(row.artifact_uri)
    if (root === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `run "${runId}" keeps its artifacts at ${row.artifact_uri}, outside Strata's blob store; read them from there`,
        { details: { runId, artifactUri: row.artifact_uri } },
      )
    }
    return root
  }

  /** Stores one artifact file of an active run at `path` (relative to the run's artifact root). */
  async logArtifact(
    runId: string,
    path: string,
    body: Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<void> {
    await requireActiveRunRow(this.ctx.db, runId)
    await this.artifactStore.put(joinArtifactPath(await this.artifactRoot(runId), this.relative(path)), body)
  }

  /** The direct children of `dir` in a run's artifacts; paths are relative to the run's root. */
  async listArtifacts(runId: string, dir = ''): Promise<ArtifactEntry[]> {
    const root = await this.artifactRoot(runId)
    const clean = this.relative(dir, true)
    const entries = await this.artifactStore.list(joinArtifactPath(root, clean))
    return entries.map((e) => ({ ...e, path: e.path.slice(root.length + 1) }))
  }

  /** Streams one artifact file of a run; `NOT_FOUND` when missing. */
  async openArtifact(runId: string, path: string): Promise<AsyncIterable<Uint8Array>> {
    return this.artifactStore.get(joinArtifactPath(await this.artifactRoot(runId), this.relative(path)))
  }

  /** Deletes an artifact file or directory of a run; resolves the number of files removed. */
  async deleteArtifacts(runId: string, path: string): Promise<number> {
    return this.artifactStore.delete(joinArtifactPath(await this.artifactRoot(runId), this.relative(path)))
  }

  private relative(path: string, allowEmpty = false): string {
    const clean = path.replace(/^\/+/, '').replace(/\/+$/, '')
    if (clean === '' && allowEmpty) return ''
    this.artifactStore.key(clean)
    return clean
  }
}

export type { KeyValue, LogBatchInput }
