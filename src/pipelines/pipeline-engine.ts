import { StrataError } from '../core/errors.js'
import type { ServiceContext } from '../data/index.js'
import { parseSearch, type SearchRequest, searchPage } from '../db/index.js'
import type { Executor } from '../ports/index.js'

export type {
  DatasetResolver,
  PipelineCatalog,
  PipelineEngineOptions,
  PipelineRunDetails,
  PipelineRunOptions,
  PipelineRunResult,
  StepEvent,
} from './engine-types.js'
export type { ElementCounts, MapElement } from './map-store.js'
export { newPipelineRunId } from './run-create.js'
export { runNode } from './step-lineage.js'

import type {
  PipelineEngineOptions,
  PipelineRunDetails,
  PipelineRunOptions,
  PipelineRunResult,
  StepEvent,
} from './engine-types.js'
import { type FollowedLogLine, type FollowLogsOptions, followStepLogs } from './log-follow.js'
import { type MapElement, MapStore } from './map-store.js'
import { OutputStore } from './output-store.js'
import { mergeParams } from './params.js'
import type { Pipeline } from './pipeline.js'
import { type PipelinePlan, planRun } from './planner.js'
import type { RunTakeover } from './run-claim.js'
import { createRun, resolveRunInputs } from './run-create.js'
import { driveSteps } from './run-driver.js'
import { startHeartbeat } from './run-heartbeat.js'
import { type RunReadParts, readLogs, readOutput } from './run-reads.js'
import { PIPELINE_RUN_SEARCH_SCHEMA } from './run-search-schema.js'
import { type PipelineRun, RunStore, type StepRun } from './run-store.js'
import type { JsonValue } from './step.js'
import type { StepAttemptParts } from './step-attempts.js'
import type { Done } from './step-inputs.js'
import { StepLimits } from './step-limits.js'
import type { StepLog } from './step-logs.js'

/**
 * The pipeline engine: plans runs (with content-addressed cache keys and why each step will
 * run or hit), drives them step by step through an {@link Executor}, and keeps every run and
 * step state in the metadata database, so a run whose coordinator died is resumed by any
 * process without re-running a step that succeeded.
 *
 * @example
 * const engine = await strata.pipelines()
 * const result = await engine.run('train', { params: { lr: 0.2 } })
 */
export class PipelineEngine {
  private readonly store: RunStore
  private readonly maps: MapStore
  private readonly outputs: OutputStore
  /** Runs this process drives, to stop their steps on cancel. */
  private readonly driving = new Map<string, AbortController>()
  private readonly limits = new StepLimits()
  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: PipelineEngineOptions,
  ) {
    this.store = new RunStore(ctx.metadata)
    this.maps = new MapStore(this.store.db)
    this.outputs = new OutputStore(this.store.db, ctx.blobs)
  }

  private parts(): StepAttemptParts {
    const { ctx, store, outputs, limits } = this
    return { ctx, store, outputs, executor: this.options.executor, limits }
  }

  /** The project's pipelines. */
  list(): Promise<Pipeline[]> {
    return this.options.catalog.list()
  }

  /** A pipeline by name, or `NOT_FOUND` naming the known ones. */
  async pipeline(name: string): Promise<Pipeline> {
    const p = await this.options.catalog.get(name)
    if (p !== undefined) return p
    const known = (await this.options.catalog.list()).map((x) => x.name)
    throw new StrataError(
      'NOT_FOUND',
      `pipeline "${name}" does not exist; pipelines are ${known.length === 0 ? '(none)' : known.join(', ')}`,
    )
  }

  /** What a run would do now: per step, run or cache hit, and why. Runs nothing. */
  async plan(name: string, options: Omit<PipelineRunOptions, 'onEvent'> = {}): Promise<PipelinePlan> {
    const p = await this.pipeline(name)
    const params = mergeParams(p, options.params)
    const resolved = await resolveRunInputs(p, this.options.resolveDataset)
    return planRun(this.store, p, params, resolved, options.noCache === true, {
      maps: this.maps,
      readOutput: (hash) => this.outputs.get(hash),
      data: this.options.data,
    })
  }

  /** Creates a run and drives it to its end. */
  async run(name: string, options: PipelineRunOptions = {}): Promise<PipelineRunResult> {
    const run = await this.start(name, options)
    return this.drive(run.runId, options)
  }

  /** Creates a run (params checked, dataset refs resolved to commits) without driving it. */
  async start(name: string, options: Omit<PipelineRunOptions, 'onEvent'> = {}): Promise<PipelineRun> {
    return (await this.create(name, options, undefined)) as PipelineRun
  }

  /**
   * Creates the run of one trigger firing (`fireKey`: the commit id, the cron minute), unless a
   * run was already created for it — by this process or any other sharing the metadata
   * database: the firing and the run are written in one transaction under a unique key.
   * Resolves undefined when the firing was already taken.
   */
  async startFired(
    name: string,
    fire: { triggerId: string; fireKey: string },
    options: Omit<PipelineRunOptions, 'onEvent'> = {},
  ): Promise<PipelineRun | undefined> {
    return this.create(name, options, fire)
  }

  /** Resolves a dataset ref to its commit id, as a run's dataset inputs are. */
  resolveRef(dataset: string, ref: string): Promise<string> {
    return this.options.resolveDataset(dataset, ref)
  }

  /** The run created for one firing of a trigger (what {@link startFired} created, by any process), if any. */
  firedRun(pipelineName: string, triggerId: string, fireKey: string): Promise<string | undefined> {
    return this.store.firing(pipelineName, triggerId, fireKey)
  }

  /** When each trigger of a pipeline last fired. */
  async lastFire(
    pipelineName: string,
    triggerId: string,
  ): Promise<{ fireKey: string; runId: string; firedAt: number } | undefined> {
    const row = await this.store.lastFire(pipelineName, triggerId)
    return row === undefined ? undefined : { fireKey: row.fire_key, runId: row.run_id, firedAt: row.fired_at }
  }

  private async create(
    name: string,
    options: Omit<PipelineRunOptions, 'onEvent'>,
    fire: { triggerId: string; fireKey: string } | undefined,
  ): Promise<PipelineRun | undefined> {
    const p = await this.pipeline(name)
    return createRun(this.ctx, this.store, this.options.resolveDataset, p, options, fire)
  }

  /**
   * Drives a run to its end again after its coordinator died or it failed: steps that
   * succeeded keep their outputs and do not run again; the others run. A run that another
   * coordinator is still driving (heartbeat newer than `staleAfterMs`, default 3 heartbeats)
   * is refused with `CONFLICT` unless `force`.
   */
  async resume(
    runId: string,
    options: { force?: boolean; staleAfterMs?: number; onEvent?: (e: StepEvent) => void } = {},
  ) {
    const run = await this.store.run(runId)
    if (run.status === 'succeeded') return this.result(runId)
    const stale = options.staleAfterMs ?? 3 * (this.options.heartbeatMs ?? 2000)
    const age = this.ctx.clock.now() - (run.heartbeatAt ?? 0)
    if (run.status === 'running' && age < stale && options.force !== true) {
      throw new StrataError(
        'CONFLICT',
        `pipeline run "${runId}" is being driven (last heartbeat ${age} ms ago); resume it when its heartbeat is older than ${stale} ms, or with force if its coordinator is dead`,
      )
    }
    return this.driveRun(runId, options.onEvent === undefined ? {} : { onEvent: options.onEvent }, run)
  }

  /** Runs that are `running` with a heartbeat older than `staleAfterMs`: their coordinators died. */
  async staleRuns(staleAfterMs = 3 * (this.options.heartbeatMs ?? 2000)): Promise<PipelineRun[]> {
    const now = this.ctx.clock.now()
    const runs = await this.store.runs({ limit: 1000 })
    return runs.filter((r) => r.status === 'running' && now - (r.heartbeatAt ?? 0) >= staleAfterMs)
  }

  /**
   * Runs matching an MLflow-style search ({@link PIPELINE_RUN_SEARCH_SCHEMA}), e.g.
   * `pipeline = 'train' AND status = 'failed' AND tags.trigger LIKE 'commit%'`, newest first
   * unless ordered otherwise.
   */
  async search(
    request: SearchRequest = {},
  ): Promise<{ items: PipelineRun[]; nextPageToken: string | undefined }> {
    const parsed = parseSearch(PIPELINE_RUN_SEARCH_SCHEMA, request)
    const page = await searchPage(
      this.ctx.metadata.dialect,
      parsed,
      this.store.db.selectFrom('pipeline_runs as pr').selectAll('pr'),
    )
    return { items: await this.store.withTags(page.items), nextPageToken: page.nextPageToken }
  }

  /** Runs, newest first. */
  runs(options: { pipeline?: string; limit?: number } = {}): Promise<PipelineRun[]> {
    return this.store.runs(options)
  }

  /** A run and its steps; a mapped step carries its element counts per state. */
  async show(runId: string): Promise<PipelineRunDetails> {
    const run = await this.store.run(runId)
    const [steps, counts] = await Promise.all([this.store.steps(runId), this.maps.counts(runId)])
    return {
      run,
      steps: steps.map((s) => {
        const c = counts.get(s.step)
        return c === undefined ? s : { ...s, elements: c }
      }),
    }
  }

  /**
   * The elements of a mapped step of a run (each its own step run: state, attempts, cache key,
   * output), by index, optionally in one state; paged (default 100).
   */
  async elements(
    runId: string,
    step: string,
    options: { status?: StepRun['status']; offset?: number; limit?: number } = {},
  ): Promise<MapElement[]> {
    const steps = await this.store.steps(runId)
    const p = await this.pipeline((await this.store.run(runId)).pipeline)
    if (!steps.some((s) => s.step === step) || p.steps.find((s) => s.name === step)?.map === undefined) {
      const mapped = p.steps.filter((s) => s.map !== undefined).map((s) => s.name)
      throw new StrataError(
        'NOT_FOUND',
        `run "${runId}" has no mapped step "${step}"; its mapped steps are ${mapped.length === 0 ? '(none)' : mapped.join(', ')}`,
      )
    }
    return this.maps.page(runId, step, options)
  }

  /** The output of one step of a run, or of one element (`step[3]`); `NOT_FOUND` when it has none. */
  output(runId: string, step: string): Promise<JsonValue> {
    return readOutput(this.reads(), runId, step)
  }

  /** The logs of a run's step attempts (`ctx.log` lines, a command's stdout and stderr), optionally of one step. */
  logs(runId: string, step?: string): Promise<StepLog[]> {
    return readLogs(this.reads(), runId, step)
  }

  private reads(): RunReadParts {
    return { store: this.store, maps: this.maps, outputs: this.outputs, blobs: this.ctx.blobs }
  }

  /**
   * The log lines of a run's step attempts as they are written, from any process (a step run by
   * this process, another coordinator or a `strata worker` stores live chunks in the blob store);
   * the iteration ends once the run has ended (see {@link followStepLogs}).
   */
  async followLogs(runId: string, options: FollowLogsOptions = {}): Promise<AsyncGenerator<FollowedLogLine>> {
    if (options.step !== undefined)
      await this.logs(runId, options.step) // NOT_FOUND naming the steps
    else await this.store.run(runId)
    const ended = async () => (await this.store.run(runId)).status !== 'running'
    return followStepLogs(this.ctx.blobs, runId, ended, options)
  }

  /**
   * Cancels a running run, from any process: the run and its unfinished steps turn `cancelled`
   * in the metadata database; the coordinator driving it (this process at once, another within
   * one heartbeat) stops its running steps — terminating their threads, killing their commands'
   * process groups, cancelling their queue jobs — and starts no further step. Cancelling a
   * cancelled run does nothing; a run that already ended is `FAILED_PRECONDITION`. A cancelled run
   * can be resumed.
   */
  async cancel(runId: string): Promise<PipelineRunDetails> {
    const run = await this.store.run(runId)
    if (run.status === 'succeeded' || run.status === 'failed') {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `pipeline run "${runId}" already ended (${run.status}); only a running run can be cancelled`,
      )
    }
    await this.store.cancelRun(runId, this.ctx.clock.now(), `cancelled by ${this.ctx.principal.id}`)
    this.driving.get(runId)?.abort()
    return this.show(runId)
  }

  /** Drives a created run: the DAG loop. */
  async drive(runId: string, options: Pick<PipelineRunOptions, 'onEvent'> = {}): Promise<PipelineRunResult> {
    return this.driveRun(runId, options, undefined)
  }

  /**
   * The DAG loop; with `takeover` (the run's status and heartbeat as a resume read them) the run
   * is claimed only if no other coordinator claimed it since: `CONFLICT` otherwise.
   */
  private async driveRun(
    runId: string,
    options: Pick<PipelineRunOptions, 'onEvent'>,
    takeover: RunTakeover | undefined,
  ): Promise<PipelineRunResult> {
    const run = await this.store.run(runId)
    const p = await this.pipeline(run.pipeline)
    const rows = new Map((await this.store.steps(runId)).map((s) => [s.step, s]))
    if (!(await this.store.markRunning(runId, this.ctx.clock.now(), takeover))) {
      throw new StrataError(
        'CONFLICT',
        `pipeline run "${runId}" was taken over by another coordinator while this one resumed it; it is driven there`,
      )
    }
    const controller = new AbortController()
    this.driving.set(runId, controller)
    const stopBeat = startHeartbeat(
      this.store,
      runId,
      this.ctx.clock,
      this.options.heartbeatMs ?? 2000,
      controller,
    )
    const done = new Map<string, Done>()
    const failed = new Set<string>()
    try {
      const succeeded = [...rows.values()].filter((r) => r.status === 'succeeded' && r.outputHash !== null)
      const values = await this.outputs.getMany(succeeded.map((r) => r.outputHash as string))
      for (const r of succeeded) {
        const hash = r.outputHash as string
        done.set(r.step, { hash, value: values.get(hash) as JsonValue })
      }
      await driveSteps(
        {
          ...this.parts(),
          maps: this.maps,
          data: this.options.data,
          concurrency: this.options.concurrency ?? 8,
        },
        run,
        p,
        rows,
        { done, failed },
        controller.signal,
        options.onEvent,
      )
      const status = failed.size === 0 ? 'succeeded' : 'failed'
      const error = failed.size === 0 ? null : `steps failed: ${[...failed].join(', ')}`
      await this.store.finishRun(runId, status, this.ctx.clock.now(), error)
    } finally {
      stopBeat()
      this.driving.delete(runId)
    }
    return this.result(runId, done)
  }

  /** The run, its steps and their outputs (those in `held` are not read again). */
  private async result(
    runId: string,
    held: ReadonlyMap<string, Done> = new Map(),
  ): Promise<PipelineRunResult> {
    const details = await this.show(runId)
    const succeeded = details.steps.filter((s) => s.status === 'succeeded' && s.outputHash !== null)
    const read = await this.outputs.getMany(
      succeeded.filter((s) => held.get(s.step)?.hash !== s.outputHash).map((s) => s.outputHash as string),
    )
    const outputs: Record<string, JsonValue> = {}
    for (const s of succeeded) {
      const mine = held.get(s.step)
      outputs[s.step] = (
        mine?.hash === s.outputHash ? mine.value : read.get(s.outputHash as string)
      ) as JsonValue
    }
    return { ...details, outputs }
  }
}
