import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { StrataError } from '../../core/errors.js'
import type { Tracing } from '../../core/tracing.js'
import type { TableEngine } from '../../ports/index.js'
import {
  type FeatureCatalog,
  type FeatureDataRepository,
  type FeatureRegistry,
  type FeatureService,
  type FeatureView,
  ident,
  planRetrieval,
  type RetrievalPlan,
  type ServiceItem,
} from '../definitions/index.js'
import { type EntityRowsSource, entityRowsFormatOf, prepareEntityRows } from './entity-rows.js'
import { runOfflineRetrieval, type ViewTable } from './offline-retrieval.js'
import type { OfflineView } from './offline-view.js'
import {
  TrainingSet,
  type TrainingSetContext,
  type TrainingSetInput,
  type UsedDefinition,
} from './training-set.js'

/** Entity rows from a dataset: `{ dataset, ref?, path }` or the CLI form `'dataset@ref:path'`. */
export type DatasetRows = { dataset: string; ref?: string; path: string } | `${string}:${string}`

/** Options of `FeatureStore.getTrainingSet`. */
export interface TrainingSetOptions {
  /**
   * Rows with join keys and an event timestamp: objects in memory, `{ path }` of local Parquet,
   * CSV or JSON Lines files, or a dataset file of one of these formats. Omit it and give `start`/`end` to use every event of the views.
   */
  entityRows?: EntityRowsSource | DatasetRows
  features?: readonly (string | ServiceItem)[]
  service?: FeatureService | string
  /** The entity rows' timestamp column (default `event_timestamp`). */
  timestampColumn?: string
  /** Name feature columns `view__feature` instead of `feature`. */
  fullFeatureNames?: boolean
  /** Without entity rows: the event-time range whose view rows become the entity rows. */
  start?: Date | number
  end?: Date | number
}

/** What building a training set needs from the store. */
export interface TrainingSetDeps {
  engine: TableEngine
  catalog: FeatureCatalog
  registry: FeatureRegistry
  /** Reads a view offline, whatever its source. */
  offlineView: (view: FeatureView) => OfflineView
  repository: FeatureDataRepository
  workDir: string
  /** Times preparing entity rows and the join (area `features`). */
  tracing: Tracing
  context: Omit<TrainingSetContext, 'entityCommit' | 'spec' | 'definitions'>
}

/** Builds a point-in-time correct training set (see `FeatureStore.getTrainingSet`). */
export async function buildTrainingSet(
  deps: TrainingSetDeps,
  options: TrainingSetOptions,
): Promise<TrainingSet> {
  const request: { service?: FeatureService | string; features?: readonly (string | ServiceItem)[] } = {}
  if (options.service !== undefined) request.service = options.service
  if (options.features !== undefined) request.features = options.features
  const items = deps.catalog.itemsOf(request)
  const service =
    typeof options.service === 'string' ? deps.catalog.service(options.service) : options.service
  const plan = planRetrieval(items, {
    ...(options.fullFeatureNames === undefined ? {} : { fullFeatureNames: options.fullFeatureNames }),
    ...(service === undefined ? {} : { service }),
  })
  const definitions: UsedDefinition[] = []
  if (service !== undefined) {
    const { version } = await deps.registry.resolve(service)
    definitions.push({ kind: 'feature-service', name: service.name, version })
  }
  for (const odfv of plan.onDemand) {
    const { version } = await deps.registry.resolve(odfv)
    definitions.push({ kind: 'on-demand-feature', name: odfv.name, version })
  }

  const tempDir = join(deps.workDir, 'tmp')
  const tables = new Map<string, ViewTable>()
  const views = new Map<string, OfflineView>()
  const inputs: TrainingSetInput[] = []
  for (const { view } of plan.views) {
    const offline = deps.offlineView(view)
    const { table, input } = await offline.joinTable()
    views.set(view.name, offline)
    tables.set(view.name, table)
    inputs.push(input)
  }

  let timestampColumn = options.timestampColumn ?? 'event_timestamp'
  let rows: EntityRowsSource
  let entityCommit: string | null = null
  if (options.entityRows === undefined) {
    if (options.start === undefined || options.end === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        'give entityRows, or start and end to retrieve every event in a time range',
      )
    }
    rows = { path: await eventRows(deps, plan, views, ms(options.start), ms(options.end), tempDir) }
    timestampColumn = 'event_timestamp'
  } else if (typeof options.entityRows === 'string' || isDatasetRows(options.entityRows)) {
    const ref = parseDatasetRows(options.entityRows)
    const repo = deps.repository
    const commit = await repo.resolve(ref.dataset, ref.ref)
    entityCommit = commit.id
    // The local file is a cache object without the dataset path's extension: the format comes
    // from the dataset path, and messages name the dataset file, not the cache.
    const local = await repo.localFile(ref.dataset, commit.id, ref.path)
    const format = entityRowsFormatOf(ref.path)
    rows = {
      path: local,
      name: `${ref.dataset}@${ref.ref}:${ref.path}`,
      ...(format === undefined ? {} : { format }),
    }
  } else rows = options.entityRows

  const keyTypes = Object.assign({}, ...plan.views.map((v) => v.view.keyTypes))
  const { tracing } = deps
  const entity = await tracing.timed('features', 'entity rows', () =>
    prepareEntityRows(deps.engine, rows, { timestampColumn, tempDir, keyTypes }),
  )
  const outPath = join(deps.workDir, 'training-sets', `${randomUUID()}.parquet`)
  const result = await tracing.timed('features', 'point-in-time join', () =>
    runOfflineRetrieval({ engine: deps.engine, plan, entity, tables, outPath, tempDir, tracing }),
  )
  const spec = {
    features: plan.outputs.map((o) => ('view' in o.from ? `${o.from.view}:${o.from.feature}` : o.name)),
    service: service?.name ?? null,
    timestampColumn,
    fullFeatureNames: options.fullFeatureNames ?? false,
  }
  return new TrainingSet(
    result.path,
    result.rows,
    result.columns,
    plan.outputs.map((o) => o.name),
    inputs,
    {
      ...deps.context,
      entityCommit,
      spec,
      definitions,
    },
  )
}

/** Every (join keys, event time) of the planned views within `[start, end]`, as a Parquet file. */
async function eventRows(
  deps: TrainingSetDeps,
  plan: RetrievalPlan,
  views: ReadonlyMap<string, OfflineView>,
  start: number,
  end: number,
  tempDir: string,
): Promise<string> {
  const first = plan.views[0]?.view
  if (first === undefined)
    throw new StrataError('INVALID_ARGUMENT', 'a time-range retrieval needs feature-view features')
  const keys = [...first.joinKeys].sort()
  for (const { view } of plan.views) {
    if ([...view.joinKeys].sort().join(',') !== keys.join(',')) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `a time-range retrieval needs views with the same join keys; "${first.name}" has ${keys.join(', ')} and "${view.name}" has ${view.joinKeys.join(', ')}`,
      )
    }
  }
  const parts: string[] = []
  for (const { view } of plan.views) {
    const offline = views.get(view.name)
    if (offline === undefined) throw new StrataError('INTERNAL', `feature view "${view.name}" was not read`)
    const cols = [...keys.map(ident), `CAST(${ident(view.timestamp)} AS TIMESTAMP) AS event_timestamp`].join(
      ', ',
    )
    parts.push(`SELECT ${cols} FROM ${await offline.events(start, end, tempDir)}`)
  }
  const path = join(tempDir, `event-rows-${randomUUID()}.parquet`)
  const order = ['event_timestamp', ...keys].map(ident).join(', ')
  await deps.engine.writeParquet(
    `SELECT DISTINCT * FROM (${parts.join(' UNION ALL ')}) ORDER BY ${order}`,
    path,
  )
  return path
}

function isDatasetRows(value: unknown): value is { dataset: string; ref?: string; path: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'dataset' in value
}

function parseDatasetRows(value: DatasetRows): { dataset: string; ref: string; path: string } {
  if (typeof value !== 'string') return { dataset: value.dataset, ref: value.ref ?? 'main', path: value.path }
  const m = /^([^@:]+)(?:@([^:]+))?:(.+)$/.exec(value)
  if (!m?.[1] || !m[3]) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `entity rows "${value}" are invalid; expected "dataset@ref:path"`,
    )
  }
  return { dataset: m[1], ref: m[2] ?? 'main', path: m[3] }
}

function ms(value: Date | number): number {
  const n = value instanceof Date ? value.getTime() : value
  if (!Number.isFinite(n)) throw new StrataError('INVALID_ARGUMENT', `time ${String(value)} is invalid`)
  return n
}
