import { StrataError } from '../core/errors.js'
import { type FilterClause, parseSearch, searchPage, writeTransaction } from '../db/index.js'
import type { KeyValue } from './run-logging.js'
import {
  chunks,
  dbCall,
  groupBy,
  loadedValue,
  requireExperimentRow,
  type TrackingContext,
  type TrackingDb,
} from './tracking-context.js'
import { newLoggedModelId, randomRunName } from './tracking-ids.js'
import { LOGGED_MODEL_SEARCH_SCHEMA } from './tracking-search-schemas.js'
import type { LoggedModel, LoggedModelStatus, Page } from './tracking-types.js'
import { TRACKING_LIMITS, validateKey, validateValue } from './tracking-validation.js'

const STATUSES: readonly LoggedModelStatus[] = [
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
]

/** Options of {@link LoggedModelStore.create} (MLflow 3 `POST logged-models`). */
export interface CreateLoggedModelOptions {
  experimentId: string
  /** Default: a random readable name such as `bold-fox-417`, as MLflow's. */
  name?: string
  modelType?: string
  /**
   * The run that produced the model, stored as given: as MLflow's server, it need not exist here
   * (a model may be logged from a run of another tracking server).
   */
  sourceRunId?: string
  params?: readonly KeyValue[]
  tags?: readonly KeyValue[]
}

/** Options of {@link LoggedModelStore.search}. */
export interface SearchLoggedModelsOptions {
  experimentIds: readonly string[]
  /** e.g. `source_run_id = '…'`, `name = 'model'`, `metrics.acc > 0.9`, `params.x = '1'`. */
  filter?: string
  /** Entries like `creation_timestamp DESC` or `metrics.acc`. */
  orderBy?: readonly string[]
  /** Default and maximum 50, as MLflow. */
  maxResults?: number
  pageToken?: string
  /**
   * MLflow's `datasets`: only models with a metric logged on one of these datasets (by name, and
   * digest when given). Not combinable with a `metrics.` filter (MLflow scopes those to the
   * datasets instead); that is refused.
   */
  datasets?: readonly DatasetScope[]
}

/** A dataset of {@link SearchLoggedModelsOptions.datasets}. */
export interface DatasetScope {
  name: string
  digest?: string
}

function checkDatasetScopes(datasets: readonly DatasetScope[], filter: readonly FilterClause[]): void {
  for (const d of datasets) {
    if (!d.name) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        // MLflow's wording.
        `\`dataset_name\` in the \`datasets\` clause must be specified; got ${JSON.stringify(d)}.`,
      )
    }
  }
  const metric = filter.find((c) => c.type === 'metric')
  if (datasets.length > 0 && metric !== undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `datasets cannot be combined with the metrics filter on "${metric.key}" (dataset-scoped metric filters are not supported); drop one of them`,
    )
  }
}

function checkPairs(kind: string, pairs: readonly KeyValue[]): void {
  for (const { key, value } of pairs) {
    validateKey(kind, key)
    validateValue(kind, key, value, TRACKING_LIMITS.runTagValueLength)
  }
}

/**
 * MLflow 3 logged models: created `LOGGED_MODEL_PENDING` by `log_model`, their files uploaded
 * to `artifactUri`, then finalized `READY` (or `UPLOAD_FAILED`). Ids are `m-<32 hex>`.
 */
export class LoggedModelStore {
  constructor(private readonly ctx: TrackingContext) {}

  /** Creates a pending logged model in an active experiment. */
  async create(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    checkPairs('logged model param', options.params ?? [])
    checkPairs('logged model tag', options.tags ?? [])
    const modelId = newLoggedModelId()
    await dbCall(`logged model "${modelId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        const exp = await requireExperimentRow(trx, options.experimentId)
        if (exp.lifecycle_stage !== 'active') {
          throw new StrataError(
            'FAILED_PRECONDITION',
            `The experiment ${options.experimentId} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`,
          )
        }
        const now = this.ctx.now()
        await trx
          .insertInto('tracking_logged_models')
          .values({
            model_id: modelId,
            experiment_id: options.experimentId,
            // As MLflow: an unnamed model gets a random readable name, such as `bold-fox-417`.
            name: options.name || randomRunName(),
            model_type: options.modelType ?? null,
            source_run_id: options.sourceRunId ?? null,
            status: 'LOGGED_MODEL_PENDING',
            status_message: null,
            artifact_uri: `${exp.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
            creation_time: now,
            last_updated_time: now,
            lifecycle_stage: 'active',
          })
          .execute()
        await this.upsert(trx, 'tracking_logged_model_params', modelId, options.params ?? [])
        await this.upsert(trx, 'tracking_logged_model_tags', modelId, options.tags ?? [])
      }),
    )
    return this.get(modelId)
  }

  private async upsert(
    trx: TrackingDb,
    table: 'tracking_logged_model_params' | 'tracking_logged_model_tags',
    modelId: string,
    pairs: readonly KeyValue[],
  ): Promise<void> {
    const unique = new Map(pairs.map((p) => [p.key, p.value]))
    if (unique.size === 0) return
    await trx
      .insertInto(table)
      .values([...unique].map(([key, value]) => ({ model_id: modelId, key, value })))
      .onConflict((oc) =>
        oc.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
      )
      .execute()
  }

  private async touch(trx: TrackingDb, modelId: string): Promise<void> {
    const res = await trx
      .updateTable('tracking_logged_models')
      .set({ last_updated_time: this.ctx.now() })
      .where('model_id', '=', modelId)
      .where('lifecycle_stage', '=', 'active')
      .executeTakeFirst()
    if (Number(res.numUpdatedRows) === 0) {
      throw new StrataError('NOT_FOUND', `logged model "${modelId}" does not exist`, {
        details: { entity: 'loggedModel', modelId },
      })
    }
  }

  /** One logged model, or `NOT_FOUND` (also once deleted). */
  async get(modelId: string): Promise<LoggedModel> {
    const [model] = await this.loadMany([modelId])
    if (!model)
      throw new StrataError('NOT_FOUND', `logged model "${modelId}" does not exist`, {
        details: { entity: 'loggedModel', modelId },
      })
    return model
  }

  /** Sets the final status: `LOGGED_MODEL_READY` or `LOGGED_MODEL_UPLOAD_FAILED`. */
  async finalize(modelId: string, status: LoggedModelStatus, message?: string): Promise<LoggedModel> {
    if (!STATUSES.includes(status)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `logged model status ${JSON.stringify(status)} is invalid; expected one of ${STATUSES.join(', ')}`,
      )
    }
    await dbCall(`logged model "${modelId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        await this.touch(trx, modelId)
        await trx
          .updateTable('tracking_logged_models')
          .set({ status, status_message: message ?? null })
          .where('model_id', '=', modelId)
          .execute()
      }),
    )
    return this.get(modelId)
  }

  /** Adds params (MLflow sends them in batches of 100). */
  async logParams(modelId: string, params: readonly KeyValue[]): Promise<void> {
    checkPairs('logged model param', params)
    await dbCall(`logged model "${modelId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        await this.touch(trx, modelId)
        await this.upsert(trx, 'tracking_logged_model_params', modelId, params)
      }),
    )
  }

  /** Sets (or overwrites) tags. */
  async setTags(modelId: string, tags: readonly KeyValue[]): Promise<void> {
    checkPairs('logged model tag', tags)
    await dbCall(`logged model "${modelId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        await this.touch(trx, modelId)
        await this.upsert(trx, 'tracking_logged_model_tags', modelId, tags)
      }),
    )
  }

  /** Deletes a tag; `NOT_FOUND` when not set. */
  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.get(modelId)
    const res = await this.ctx.db
      .deleteFrom('tracking_logged_model_tags')
      .where('model_id', '=', modelId)
      .where('key', '=', key)
      .executeTakeFirst()
    if (Number(res.numDeletedRows) === 0) {
      throw new StrataError('NOT_FOUND', `logged model "${modelId}" has no tag "${key}"`, {
        details: { entity: 'loggedModelTag', modelId, key },
      })
    }
  }

  /** Soft-deletes a logged model; it then reads as `NOT_FOUND`. */
  async delete(modelId: string): Promise<void> {
    await dbCall(`logged model "${modelId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        await this.touch(trx, modelId)
        await trx
          .updateTable('tracking_logged_models')
          .set({ lifecycle_stage: 'deleted' })
          .where('model_id', '=', modelId)
          .execute()
      }),
    )
  }

  /** Searches logged models of some experiments ({@link LOGGED_MODEL_SEARCH_SCHEMA}); newest first unless ordered otherwise. */
  async search(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const search = parseSearch(LOGGED_MODEL_SEARCH_SCHEMA, options)
    const datasets = options.datasets ?? []
    checkDatasetScopes(datasets, search.filter)
    if (options.experimentIds.length === 0) return { items: [] }
    let q = this.ctx.db
      .selectFrom('tracking_logged_models as lm')
      .select('lm.model_id')
      .where('lm.experiment_id', 'in', [...options.experimentIds])
      .where('lm.lifecycle_stage', '=', 'active')
    if (datasets.length > 0) {
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('tracking_logged_model_metrics as dm')
            .select('dm.model_id')
            .whereRef('dm.model_id', '=', 'lm.model_id')
            .where((m) =>
              m.or(
                datasets.map((d) =>
                  d.digest === undefined
                    ? m('dm.dataset_name', '=', d.name)
                    : m.and([m('dm.dataset_name', '=', d.name), m('dm.dataset_digest', '=', d.digest)]),
                ),
              ),
            ),
        ),
      )
    }
    const page = await searchPage(this.ctx.dialect, search, q)
    const items = await this.loadMany(page.items.map((r) => r.model_id))
    return page.nextPageToken === undefined ? { items } : { items, nextPageToken: page.nextPageToken }
  }

  private async loadMany(ids: string[]): Promise<LoggedModel[]> {
    const db = this.ctx.db
    const rows = []
    const params = []
    const tags = []
    const metrics = []
    for (const part of chunks(ids)) {
      rows.push(
        ...(await db
          .selectFrom('tracking_logged_models')
          .selectAll()
          .where('model_id', 'in', part)
          .where('lifecycle_stage', '=', 'active')
          .execute()),
      )
      params.push(
        ...(await db
          .selectFrom('tracking_logged_model_params')
          .selectAll()
          .where('model_id', 'in', part)
          .execute()),
      )
      tags.push(
        ...(await db
          .selectFrom('tracking_logged_model_tags')
          .selectAll()
          .where('model_id', 'in', part)
          .execute()),
      )
      metrics.push(
        ...(await db
          .selectFrom('tracking_logged_model_metrics')
          .selectAll()
          .where('model_id', 'in', part)
          .orderBy('key')
          .orderBy('step')
          .orderBy('ts')
          .execute()),
      )
    }
    const byId = new Map(rows.map((r) => [r.model_id, r]))
    const paramsBy = groupBy(params, (p) => p.model_id)
    const tagsBy = groupBy(tags, (t) => t.model_id)
    const metricsBy = groupBy(metrics, (m) => m.model_id)
    return ids.flatMap((id): LoggedModel[] => {
      const r = byId.get(id)
      if (!r) return []
      return [
        {
          modelId: r.model_id,
          experimentId: r.experiment_id,
          name: r.name,
          modelType: r.model_type,
          sourceRunId: r.source_run_id,
          status: r.status as LoggedModelStatus,
          statusMessage: r.status_message,
          artifactUri: r.artifact_uri,
          creationTime: Number(r.creation_time),
          lastUpdatedTime: Number(r.last_updated_time),
          params: Object.fromEntries((paramsBy.get(id) ?? []).map((p) => [p.key, p.value])),
          tags: Object.fromEntries((tagsBy.get(id) ?? []).map((t) => [t.key, t.value])),
          metrics: (metricsBy.get(id) ?? []).map((m) => ({
            key: m.key,
            value: loadedValue(m),
            timestamp: Number(m.ts),
            step: Number(m.step),
            runId: m.run_id,
            datasetName: m.dataset_name,
            datasetDigest: m.dataset_digest,
          })),
        },
      ]
    })
  }
}
