import { isStrataError, StrataError } from '../core/errors.js'
import type { DataRepository, ServiceContext } from '../data/index.js'
import type { TableEngine } from '../ports/index.js'
import type { ModelRegistry } from '../registry/index.js'
import {
  type DeliveryService,
  type EntityLabelInput,
  GROUND_TRUTH,
  type LabelInput,
  LabelStore,
  type PayloadStore,
  resolveEntityLabels,
} from '../serving/index.js'
import { LoopEngine, type LoopPipelines } from './loop/loop-engine.js'
import { LoopStore } from './loop/loop-store.js'
import type { RetrainLoop } from './loop/loop-types.js'
import type { StartLoop, StartPipeline } from './monitors/actions.js'
import {
  checkPerformanceSpec,
  type MonitorDefinition,
  type WindowSourceSpec,
} from './monitors/monitor-definition.js'
import { type RunMonitorOptions, runMonitor } from './monitors/monitor-runner.js'
import { type Incident, MonitorStore } from './monitors/monitor-store.js'
import type { MonitorReport, MonitorResult } from './monitors/monitor-types.js'
import { PayloadWindowSource } from './monitors/payload-window-source.js'
import { type FireLeases, ScheduleFireStore } from './monitors/schedule-fires.js'
import { DatasetWindowSource, type WindowRows, type WindowSource } from './monitors/window-source.js'
import {
  type PerformanceResult,
  type PerformanceSpec,
  scorePerformance,
} from './performance/performance-metrics.js'
import { ReferenceProfiles } from './reference/reference-store.js'

/** ONNX metadata naming the columns of a model's matrix input (written by `strata/training`). */
const FEATURE_NAMES = 'strata.feature_names'

/** What the monitoring service is built on (filled by `platform/`). */
export interface MonitoringDependencies {
  registry: ModelRegistry
  /** The offline table engine (DuckDB) that profiles reference tables. */
  engine: TableEngine
  /** The versioned data repository, opened on first use (references from dataset commits). */
  data: () => Promise<DataRepository>
  /** Starts and runs a pipeline once per incident (absent when the project has no pipelines). */
  startPipeline?: StartPipeline
  /** The serving payload log, opened on first use (windows of `payload-log` monitors, label ids). */
  payloads: () => Promise<Pick<PayloadStore, 'query' | 'get'>>
  /** The pipeline engine the closed loop runs its training pipeline on (absent when the project has no pipelines). */
  pipelines?: () => Promise<LoopPipelines>
  /** The delivery engine the closed loop rolls challengers out with (absent: a `retrain` loop fails saying so). */
  delivery?: () => Promise<DeliveryService>
}

/** Options of {@link MonitoringService.run}. */
export interface MonitorRunOptions extends RunMonitorOptions {
  /**
   * Advance a closed loop this run started as far as it goes now — retrain, challenger, rollout
   * created (default true; `strata server` advances loops on its own tick instead).
   */
  advanceLoops?: boolean
}

/**
 * The monitoring domain of one project: reference profiles of model versions, monitors
 * (applied definitions) and their runs — drift and data-quality checks of each window, a time
 * series of results, incidents and their actions. Built only by `platform/` (`strata.monitoring()`).
 *
 * @example
 * const monitoring = await strata.monitoring()
 * const report = await monitoring.run('delay-drift')
 */
export class MonitoringService {
  /** Reference profiles of model versions. */
  readonly references: ReferenceProfiles
  private readonly store: MonitorStore
  private readonly fires: ScheduleFireStore
  private readonly labels: LabelStore
  private readonly loopStore: LoopStore
  private readonly loopEngine: LoopEngine

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: MonitoringDependencies,
  ) {
    this.references = new ReferenceProfiles(ctx, deps)
    this.store = new MonitorStore(ctx)
    this.fires = new ScheduleFireStore(ctx)
    this.labels = new LabelStore(ctx)
    this.loopStore = new LoopStore(ctx)
    const delivery = deps.delivery
    this.loopEngine = new LoopEngine({
      store: this.loopStore,
      registry: deps.registry,
      lineage: ctx.lineage,
      pipelines: deps.pipelines,
      delivery:
        delivery ??
        (() =>
          Promise.reject(
            new StrataError(
              'FAILED_PRECONDITION',
              'progressive delivery is not available to this monitoring service',
            ),
          )),
      actor: ctx.principal.id,
    })
  }

  /** Stores monitor definitions (what `strata apply` does with the monitors module). */
  apply(
    defs: readonly MonitorDefinition[],
  ): Promise<{ created: string[]; updated: string[]; unchanged: string[] }> {
    return this.store.apply(defs)
  }

  /** Applied monitors. */
  list(): Promise<MonitorDefinition[]> {
    return this.store.list()
  }

  /** An applied monitor (`NOT_FOUND` naming the applied ones). */
  get(name: string): Promise<MonitorDefinition> {
    return this.store.get(name)
  }

  /** Runs a monitor on one window (default the last whole window) and records the result. */
  async run(name: string, options: MonitorRunOptions = {}): Promise<MonitorReport> {
    const def = await this.store.get(name)
    const started: string[] = []
    const startLoop: StartLoop = async (action, payload) => {
      const { loop } = await this.loopEngine.start({
        monitor: payload.monitor,
        incidentId: payload.incident,
        model: payload.model,
        action,
        window: payload.window,
      })
      started.push(loop.id)
      return loop
    }
    const report = await runMonitor(
      {
        registry: this.deps.registry,
        references: this.references,
        store: this.store,
        startPipeline: this.deps.startPipeline,
        startLoop,
        now: () => this.ctx.clock.now(),
        windowSource: (d) => this.windowSource(d),
      },
      def,
      options,
    )
    if (options.advanceLoops !== false) for (const id of started) await this.loopEngine.advance(id)
    return report
  }

  /**
   * Closed loops (a `retrain` action's runs: retrain → challenger → rollout → promoted or
   * rolled back), newest first: of one monitor, of one deployment, or only those in flight.
   */
  loops(
    filter: { monitor?: string; deployment?: string; inFlight?: boolean; limit?: number } = {},
  ): Promise<RetrainLoop[]> {
    return this.loopStore.list(filter)
  }

  /** One loop with its timeline (`NOT_FOUND`). */
  loop(id: string): Promise<RetrainLoop> {
    return this.loopStore.get(id)
  }

  /**
   * Advances one loop as far as it can go now (it stops while a rollout is in progress or
   * another process drives its pipeline run); resumes a loop a killed process left.
   */
  advanceLoop(id: string): Promise<RetrainLoop> {
    return this.loopEngine.advance(id)
  }

  /**
   * The leases of scheduled monitor runs (one row per monitor and cron minute): what the
   * scheduler of `strata server` claims, renews, takes over after a crash and ends.
   */
  get scheduleFires(): FireLeases {
    return this.fires
  }

  /** Advances every loop in flight once (what `strata server` does on every tick). */
  advanceLoops(): Promise<{ loops: RetrainLoop[]; errors: { id: string; error: string }[] }> {
    return this.loopEngine.tick()
  }

  /** The report of a recorded window (default the latest), with the reference profile it was compared with. */
  async report(name: string, windowStart?: number): Promise<MonitorReport> {
    const stored = await this.store.report(name, windowStart)
    const reference = await this.references.get(stored.result.model, stored.result.referenceVersion)
    return { ...stored, reference: reference.profile }
  }

  /** A monitor's results over time, newest first. */
  history(name: string, options: { limit?: number } = {}): Promise<MonitorResult[]> {
    return this.store.history(name, options)
  }

  /**
   * Ingests delayed labels keyed by prediction id (ids of the payload log), or by entity + time
   * (the latest prediction for the entity key at or before the time, within 7 days). A label
   * that matches no prediction fails the whole ingest, naming it. Monitors reading the payload
   * log see them as the column `@label` (the label join, {@link MonitoringService.labeledWindow}).
   */
  async ingestLabels(labels: readonly (LabelInput | EntityLabelInput)[]): Promise<{ ingested: number }> {
    const payloads = await this.deps.payloads()
    const byId = await resolveEntityLabels(labels, (q) => payloads.query(q))
    return this.labels.ingest(byId, async (id) => {
      try {
        await payloads.get(id)
        return true
      } catch (err) {
        if (isStrataError(err, 'NOT_FOUND') || isStrataError(err, 'INVALID_ARGUMENT')) return false
        throw err
      }
    })
  }

  /** A monitor's incidents, newest first. */
  incidents(name: string): Promise<Incident[]> {
    return this.store.incidents(name)
  }

  /**
   * The label join as a window: the successful predictions the payload log has for `model`
   * (optionally one version, one endpoint) in [start, end), as the named `columns` (logged
   * inputs and outputs; `name[k]` for element k of a vector output), with the ingested ground
   * truth as the column `@label` when asked for (null while a label has not arrived). What
   * monitors read; label-based delivery guards use it through {@link MonitoringService.performance}.
   */
  labeledWindow(q: {
    model: string
    start: number
    end: number
    columns: readonly string[]
    endpoint?: string
    modelVersion?: number
  }): Promise<WindowRows> {
    const { endpoint, ...window } = q
    return this.payloadSource(
      endpoint === undefined ? { kind: 'payload-log' } : { kind: 'payload-log', endpoint },
    ).read(window)
  }

  /**
   * Scores logged predictions against the labels that have arrived (the label join of
   * {@link MonitoringService.labeledWindow} + the monitors' metrics: AUC, log loss, accuracy,
   * precision, recall; MAE, RMSE), overall and per model version. `prediction` names the output
   * compared (e.g. `probabilities[1]`); the truth is always the ingested labels.
   *
   * @example
   * const perf = await monitoring.performance({
   *   model: 'flight-delay', modelVersion: 2, start, end,
   *   spec: { task: 'classification', prediction: 'probabilities[1]' },
   * })
   * perf.metrics.auc // null until labels of both classes arrived
   */
  async performance(q: {
    model: string
    start: number
    end: number
    endpoint?: string
    modelVersion?: number
    spec: Omit<PerformanceSpec, 'label' | 'labelDelay'>
  }): Promise<PerformanceResult & { rows: number }> {
    const spec: PerformanceSpec = { ...q.spec, label: GROUND_TRUTH }
    checkPerformanceSpec('performance', spec, 'payload-log')
    const { spec: _spec, ...window } = q
    const rows = await this.labeledWindow({ ...window, columns: [spec.prediction, GROUND_TRUTH] })
    return {
      ...scorePerformance(spec, rows.columns, rows.versions),
      window: { start: q.start, end: q.end },
      rows: rows.rows,
    }
  }

  private windowSource(def: MonitorDefinition): WindowSource {
    const source = def.window.source
    if (source.kind === 'dataset') return new DatasetWindowSource(source, this.deps)
    return this.payloadSource(source)
  }

  private payloadSource(source: Extract<WindowSourceSpec, { kind: 'payload-log' }>): WindowSource {
    const payloads = this.deps.payloads
    return {
      read: async (window): Promise<WindowRows> =>
        new PayloadWindowSource(
          source,
          async (q) => (await payloads()).query(q),
          (ids) => this.labels.labelsOf(ids),
          async (model, version) => {
            const raw = (await this.deps.registry.getVersion(model, version)).onnx?.metadata[FEATURE_NAMES]
            const names: unknown = raw === undefined ? undefined : JSON.parse(raw)
            return Array.isArray(names) && names.every((n) => typeof n === 'string') ? names : undefined
          },
        ).read(window),
    }
  }
}
