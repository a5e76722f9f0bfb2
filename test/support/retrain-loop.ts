import { MemoryBlobStore } from '../../src/backends/memory/index.js'
import type { ServiceContext } from '../../src/data/index.js'
import { type MetadataDatabase, runMigrations } from '../../src/db/index.js'
import {
  LoopEngine,
  LoopStore,
  monitor,
  type RetrainAction,
  type RetrainLoop,
} from '../../src/monitoring/index.js'
import { NonRetryableError, type PipelineEngine, pipeline, step } from '../../src/pipelines/index.js'
import { ALL_MIGRATIONS } from '../../src/platform/migrations.js'
import { ModelRegistry } from '../../src/registry/index.js'
import { DeliveryService } from '../../src/serving/index.js'
import { CHALLENGERS } from './delivery-models.js'
import { openTestPipelineEngine } from './pipeline-engine.js'
import { testServiceContext } from './service-context.js'
import { linearOnnx, linearSignature } from './serving-models.js'

/** What the test training pipeline does on its next runs. */
export interface TrainBehaviour {
  /** The evaluation metrics the next registered version gets. */
  metrics: Record<string, number>
  /** Fail the train step. */
  fail: boolean
  /** Called inside the train step before it registers (the kill tests stop the process there). */
  beforeRegister?: () => Promise<void>
}

/** A loop fixture: registry with champion `linear` v1 served by deployment `linear`, a `train` pipeline, the loop engine. */
export interface LoopFixture {
  ctx: ServiceContext
  registry: ModelRegistry
  delivery: DeliveryService
  engine: PipelineEngine
  loops: LoopEngine
  store: LoopStore
  clock: { t: number }
  behaviour: TrainBehaviour
  /** Versions the train step registered, in order. */
  registered: number[]
  /** Starts the loop of incident `incident` with `action` (defaults merged). */
  start(incident: string, action?: Partial<RetrainAction>): Promise<{ loop: RetrainLoop; created: boolean }>
}

/** The retrain action the fixture's loops use by default. */
export const TEST_RETRAIN: RetrainAction = {
  kind: 'retrain',
  pipeline: 'train',
  registerStep: 'register',
  deployment: 'linear',
  params: { until: '{{window.end}}' },
  rollout: { steps: [50, 100], intervalMs: 1000 },
  cooldown: '1h',
  maxPerDay: 3,
}

/**
 * Opens the fixture over a migrated metadata database. `create` false skips creating the
 * deployment and the champion (a second process over the same database).
 */
export async function openLoopFixture(
  md: MetadataDatabase,
  options: { create?: boolean } = {},
): Promise<LoopFixture> {
  await runMigrations(md, ALL_MIGRATIONS)
  const clock = { t: Date.UTC(2024, 3, 1) }
  const blobs = new MemoryBlobStore()
  const ctx = testServiceContext(md, { blobs, now: () => clock.t })
  const registry = new ModelRegistry(ctx)
  const delivery = new DeliveryService(ctx, registry)
  const behaviour: TrainBehaviour = { metrics: { auc: 0.8 }, fail: false }
  const registered: number[] = []
  const signature = await linearSignature()
  const train = step({
    name: 'register',
    cache: false,
    params: ['until'],
    run: async (c) => {
      if (behaviour.fail) throw new NonRetryableError('training data is empty')
      await behaviour.beforeRegister?.()
      const v = await registry.registerVersion('linear', {
        files: [{ path: 'predictor.ts', bytes: new TextEncoder().encode(CHALLENGERS.good) }],
        signature,
        metrics: behaviour.metrics,
        tags: { until: String(c.params.until), 'strata.pipeline.run': c.runId },
      })
      registered.push(v.version)
      return { version: v.version, metrics: { trained_until_ms: Date.parse(String(c.params.until)) } }
    },
  })
  const { engine } = await openTestPipelineEngine(
    md,
    [pipeline({ name: 'train', params: { until: '' }, steps: [train] })],
    { blobs, heartbeatMs: 200 },
  )
  if (options.create !== false) {
    const champion = await registry.registerVersion('linear', { onnx: linearOnnx() })
    await registry.setAlias('linear', 'champion', champion.version)
    await delivery.create('linear', {})
  }
  const store = new LoopStore(ctx)
  const loops = new LoopEngine({
    store,
    registry,
    lineage: ctx.lineage,
    pipelines: async () => engine,
    delivery: async () => delivery,
    actor: 'monitor',
  })
  // Validated as a monitor would validate it.
  monitor({
    name: 'm',
    model: 'linear',
    window: { every: '1h', source: { kind: 'payload-log' } },
    actions: [TEST_RETRAIN],
  })
  return {
    ctx,
    registry,
    delivery,
    engine,
    loops,
    store,
    clock,
    behaviour,
    registered,
    start: (incident, action = {}) =>
      loops.start({
        monitor: 'm',
        incidentId: incident,
        model: 'linear',
        action: { ...TEST_RETRAIN, ...action },
        window: { start: '2024-03-31T23:00:00.000Z', end: new Date(clock.t).toISOString() },
      }),
  }
}
