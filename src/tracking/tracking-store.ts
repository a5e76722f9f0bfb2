import { StrataError } from '../core/errors.js'
import type { Principal } from '../core/principal.js'
import type { ServiceContext } from '../data/index.js'
import { ArtifactStore } from './artifact-store.js'
import { ExperimentStore } from './experiment-store.js'
import { LoggedModelStore } from './logged-model-store.js'
import { RunHandle } from './run-handle.js'
import { RunStore } from './run-store.js'
import type { TrackingContext } from './tracking-context.js'
import type { TrackingTables } from './tracking-migrations.js'
import { DEFAULT_EXPERIMENT_ID, PARENT_RUN_ID_TAG, type RunStatus, USER_TAG } from './tracking-types.js'

/** Options of {@link TrackingStore.startRun}. */
export interface StartRunOptions {
  /** Experiment name, created when missing. Default: the `Default` experiment (`"0"`). */
  experiment?: string
  /** Experiment id, instead of a name. */
  experimentId?: string
  /** Run name; default a random one such as `bold-fox-417`. */
  name?: string
  /** Parent run (a handle or run id): the new run is nested under it via the `mlflow.parentRunId` tag. */
  parent?: RunHandle | string
  tags?: Record<string, string>
  /** Default: the `mlflow.user` tag, else the acting principal of the service context. */
  userId?: string
}

/**
 * Experiment tracking over the metadata database and the blob store: experiments, runs,
 * params, metrics with full history, tags, artifacts, inputs with lineage, and MLflow 3 logged
 * models. The stores mirror MLflow's REST semantics so an MLflow-compatible server is a thin
 * mapping; {@link startRun} and {@link withRun} are the TypeScript SDK.
 *
 * Artifacts go to the context's blob store (keys under `artifacts/`), run inputs to its lineage
 * graph; runs started without a user are the context principal's.
 *
 * @example
 * const tracking = await strata.tracking()
 * const auc = await tracking.withRun({ experiment: 'flights', name: 'gbt' }, async (run) => {
 *   await run.logParams({ depth: 6 })
 *   await run.logMetrics({ auc: 0.91 })
 *   return 0.91
 * })
 */
export class TrackingStore {
  readonly experiments: ExperimentStore
  readonly runs: RunStore
  /** Artifact files by proxy path (`<experimentId>/<runId>/<path>`), for the MLflow artifact proxy. */
  readonly artifacts: ArtifactStore
  readonly loggedModels: LoggedModelStore
  private readonly ctx: TrackingContext
  private readonly principal: Principal

  /** Built by `platform/` (see `Strata.tracking`); the metadata needs `trackingMigrations` and `lineageMigrations`. */
  constructor(context: ServiceContext) {
    const { clock } = context
    this.ctx = {
      db: context.metadata.db.withTables<TrackingTables>(),
      dialect: context.metadata.dialect,
      blobs: context.blobs,
      lineage: context.lineage,
      now: () => clock.now(),
    }
    this.principal = context.principal
    this.artifacts = new ArtifactStore(context.blobs)
    this.experiments = new ExperimentStore(this.ctx)
    this.runs = new RunStore(this.ctx, this.artifacts)
    this.loggedModels = new LoggedModelStore(this.ctx)
  }

  /**
   * Starts a `RUNNING` run and returns a handle to log to it. With `parent`, the run is nested
   * (tag `mlflow.parentRunId`); the parent must exist and not be deleted.
   */
  async startRun(options: StartRunOptions = {}): Promise<RunHandle> {
    const experimentId =
      options.experimentId ??
      (options.experiment === undefined
        ? DEFAULT_EXPERIMENT_ID
        : (await this.experiments.getOrCreate(options.experiment)).experimentId)
    const tags: Record<string, string> = { ...(options.tags ?? {}) }
    const userId = options.userId ?? tags[USER_TAG] ?? this.principal.id
    tags[USER_TAG] ??= userId
    if (options.parent !== undefined) {
      const parentId = typeof options.parent === 'string' ? options.parent : options.parent.runId
      const parent = await this.runs.get(parentId)
      if (parent.info.lifecycleStage !== 'active') {
        throw new StrataError('FAILED_PRECONDITION', `parent run "${parentId}" is deleted; restore it first`)
      }
      tags[PARENT_RUN_ID_TAG] = parentId
    }
    const run = await this.runs.create({
      experimentId,
      userId,
      tags,
      ...(options.name === undefined ? {} : { runName: options.name }),
    })
    return new RunHandle(this.runs, run.info)
  }

  /**
   * Runs `fn` inside a new run: ends it `FINISHED` when `fn` resolves, `FAILED` when it throws
   * (and rethrows the error). Resolves what `fn` resolves.
   */
  async withRun<T>(options: StartRunOptions, fn: (run: RunHandle) => Promise<T>): Promise<T> {
    const run = await this.startRun(options)
    let result: T
    try {
      result = await fn(run)
    } catch (err) {
      await run.end('FAILED').catch(() => {})
      throw err
    }
    await run.end('FINISHED')
    return result
  }

  /** A handle on an existing run (e.g. to resume logging to it). */
  async resumeRun(runId: string, status: RunStatus = 'RUNNING'): Promise<RunHandle> {
    const info = await this.runs.update(runId, { status })
    return new RunHandle(this.runs, info)
  }
}
