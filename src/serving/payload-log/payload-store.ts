import { randomBytes } from 'node:crypto'
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely'
import { StrataError } from '../../core/errors.js'
import type { LineageGraph, ServiceContext } from '../../data/index.js'
import { writeTransaction } from '../../db/index.js'
import { graphPredictionLineage, recordUpstream } from './graph-lineage.js'
import { LabelStore } from './label-store.js'
import { canonicalKey, decodeEntryRows, entryRow, type PredictionRow } from './payload-encoding.js'
import type { PayloadTables } from './payload-migrations.js'
import type {
  PredictionEntry,
  PredictionPage,
  PredictionQuery,
  PredictionRecord,
  PredictionStatus,
} from './payload-types.js'
import { isPredictionId } from './prediction-id.js'

type Row = PayloadTables['serving_predictions']

/** Rows per INSERT: 15 columns × 1000 stays under SQLite's and Postgres's parameter limits. */
const INSERT_CHUNK = 1000
const DEFAULT_LIMIT = 1000
const MAX_LIMIT = 10_000

/** Options of {@link PayloadStore.write}. */
export interface WriteOptions {
  /** Input, output and feature names stored as `"[redacted]"`. */
  redact?: ReadonlySet<string>
}

/**
 * The prediction payload log in the metadata database: one row per prediction, indexed by time,
 * endpoint, model version, deployment revision and entity key, so monitoring reads a window,
 * delivery computes guard metrics per revision and delayed labels join on the prediction id (or
 * the entity key and time). Each write is one transaction that also records lineage: a
 * `prediction-batch:<batch>` node produced from each model version in it (activity `predict`).
 *
 * Written through {@link PayloadLog} (buffered, off the request path); read through
 * `strata.payloads()`.
 *
 * @example
 * const payloads = await strata.payloads()
 * const page = await payloads.query({ endpoint: 'delay', from: Date.now() - 3_600_000 })
 */
export class PayloadStore {
  private readonly db: Kysely<PayloadTables>
  private readonly labels: LabelStore

  /** Built by `platform/` only (`strata.payloads()`); tests use `testServiceContext`. */
  constructor(private readonly ctx: ServiceContext) {
    this.db = ctx.metadata.db.withTables<PayloadTables>()
    this.labels = new LabelStore(ctx)
  }

  /** The ground truth ingested for each of `ids` that has one (the label join's lookup). */
  labelsOf(ids: readonly string[]): Promise<Map<string, unknown>> {
    return this.labels.labelsOf(ids)
  }

  /**
   * Deletes, in one transaction, the predictions before `before` (epoch ms) — only those at or
   * before `through` (time, then id) when given — and returns how many. Retention
   * (`prunePayloadLog`) calls it after archiving them.
   */
  async deleteBefore(before: number, through?: { at: number; id: string }): Promise<number> {
    return writeTransaction(this.db, async (trx) => {
      let q = trx.deleteFrom('serving_predictions').where('at', '<', time('before', before) ?? before)
      if (through !== undefined)
        q = q.where((eb) =>
          eb.or([eb('at', '<', through.at), eb.and([eb('at', '=', through.at), eb('id', '<=', through.id)])]),
        )
      const result = await q.executeTakeFirst()
      return Number(result.numDeletedRows)
    })
  }

  /**
   * Writes `entries` as one batch in one transaction (with its lineage) and returns the batch id.
   * Re-writing an id already stored is a no-op for that id (a retried flush).
   */
  async write(entries: readonly PredictionEntry[], options: WriteOptions = {}): Promise<string> {
    const batch = randomBytes(8).toString('hex')
    if (entries.length === 0) return batch
    const redact = options.redact ?? new Set<string>()
    await this.insert(
      entries.map((e) => entryRow(e, batch, redact)),
      batch,
    )
    return batch
  }

  /**
   * Writes one batch of rows encoded when they were queued (`json`: a JSON array of
   * `encodeEntryRow` strings, redaction already applied) and of `entries` not encoded yet,
   * exactly as {@link write} writes entries: one transaction with its lineage. Returns the
   * batch id.
   */
  async writeEncoded(
    json: string,
    entries: readonly PredictionEntry[] = [],
    options: WriteOptions = {},
  ): Promise<string> {
    const batch = randomBytes(8).toString('hex')
    const redact = options.redact ?? new Set<string>()
    const rows = decodeEntryRows(json, batch)
    for (const e of entries) rows.push(entryRow(e, batch, redact))
    if (rows.length > 0) await this.insert(rows, batch)
    return batch
  }

  private async insert(rows: readonly PredictionRow[], batch: string): Promise<void> {
    const models = new Map<string, string>()
    for (const r of rows) models.set(`${r.model_name}/${r.model_version}`, r.model_name)
    await writeTransaction(this.db, async (trx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx
          .insertInto('serving_predictions')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute()
      }
      await this.ctx.lineage.record(
        {
          inputs: [...models.keys()].map((m) => `model-version:${m}`),
          output: { id: `prediction-batch:${batch}`, label: `${rows.length} predictions` },
          activity: 'predict',
        },
        trx as unknown as Kysely<object>,
      )
    })
  }

  /** The prediction `id`, or `NOT_FOUND`. */
  async get(id: string): Promise<PredictionRecord> {
    if (!isPredictionId(id)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `prediction id "${id}" is invalid; expected 12 hex digits, "-", 16 hex digits (e.g. 0192f3a1b2c4-9f03a1b2c4d5e6f7)`,
      )
    }
    const row = await this.db
      .selectFrom('serving_predictions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (row === undefined) {
      // an inference graph's prediction is logged as its nodes' (`<id>/<node>`)
      const nodes = id.includes('/') ? [] : await this.graphNodes(id)
      throw new StrataError(
        'NOT_FOUND',
        nodes.length > 0
          ? `prediction "${id}" is an inference graph's: its nodes are logged as ${nodes.map((n) => n.id).join(', ')}`
          : `prediction "${id}" is not in the payload log (it may not be flushed yet, or was sampled out or dropped)`,
      )
    }
    return toRecord(row)
  }

  /** A page of predictions matching `query`, in time order (then id). */
  async query(query: PredictionQuery = {}): Promise<PredictionPage> {
    const limit = query.limit ?? DEFAULT_LIMIT
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `limit ${limit} is invalid; expected a whole number from 1 to ${MAX_LIMIT}`,
      )
    }
    let q = this.db
      .selectFrom('serving_predictions')
      .selectAll()
      .where((eb) => eb.and(conditions(eb, query)))
    if (query.pageToken !== undefined) {
      const [at, id] = decodeToken(query.pageToken)
      q = q.where((eb) => eb.or([eb('at', '>', at), eb.and([eb('at', '=', at), eb('id', '>', id)])]))
    }
    const rows = await q
      .orderBy('at')
      .orderBy('id')
      .limit(limit + 1)
      .execute()
    const records = rows.slice(0, limit).map(toRecord)
    const last = records.at(-1)
    return rows.length > limit && last !== undefined
      ? { records, nextPageToken: encodeToken(last.at, last.id) }
      : { records }
  }

  /** Every prediction matching `query` (its `limit` is the page size), page by page. */
  async *scan(query: Omit<PredictionQuery, 'pageToken'> = {}): AsyncGenerator<PredictionRecord> {
    let pageToken: string | undefined
    do {
      const page = await this.query({ ...query, ...(pageToken === undefined ? {} : { pageToken }) })
      yield* page.records
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
  }

  /** How many predictions match `query` (its paging fields are ignored). */
  async count(query: Omit<PredictionQuery, 'pageToken' | 'limit'> = {}): Promise<number> {
    const row = await this.db
      .selectFrom('serving_predictions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => eb.and(conditions(eb, query)))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /**
   * The provenance of prediction `id`: the node `prediction:<id>`, produced (activity `predict`)
   * by its write batch, and everything upstream of the model version that made it (model version
   * → run → training set → feature views → dataset commits), `depth` steps deep; other versions
   * whose predictions shared the batch are left out.
   */
  async lineage(id: string, depth = 64): Promise<LineageGraph> {
    const nodes = isPredictionId(id) && !id.includes('/') ? await this.graphNodes(id) : []
    if (nodes.length > 0) {
      const ups = await Promise.all(
        nodes.map((n) => this.ctx.lineage.upstream(`prediction-batch:${n.batch}`, Math.max(0, depth - 2))),
      )
      return graphPredictionLineage(id, nodes, ups)
    }
    const record = await this.get(id)
    const batchNode = `prediction-batch:${record.batch}`
    const up = recordUpstream(await this.ctx.lineage.upstream(batchNode, Math.max(0, depth - 1)), record)
    const root = `prediction:${id}`
    return {
      root,
      nodes: [
        {
          id: root,
          kind: 'prediction',
          label: `${record.endpoint} ${record.status}`,
          createdAt: record.at,
          depth: 0,
        },
        ...up.nodes.map((n) => ({ ...n, depth: (n.depth ?? 0) + 1 })),
      ],
      edges: [{ from: batchNode, to: root, activity: 'predict', at: record.at }, ...up.edges],
    }
  }
  /**
   * The node predictions `<id>/<node>` an inference graph logged for its prediction `id` (none
   * for a plain prediction): the ids start with the request's time, so the scan is a time range.
   */
  async graphNodes(id: string): Promise<PredictionRecord[]> {
    const at = Number.parseInt(id.slice(0, 12), 16)
    const rows = await this.db
      .selectFrom('serving_predictions')
      .selectAll()
      .where('at', '>=', at)
      .where('at', '<=', at + GRAPH_REQUEST_SPAN_MS)
      .where('id', 'like', `${id}/%`)
      .orderBy('id')
      .execute()
    return rows.map(toRecord)
  }
}

/** The longest an inference graph's request may run for its nodes' predictions to be found by its id. */
const GRAPH_REQUEST_SPAN_MS = 3_600_000

/** The conditions of a query's filter fields. */
function conditions(eb: ExpressionBuilder<PayloadTables, 'serving_predictions'>, query: PredictionQuery) {
  const where: Expression<SqlBool>[] = []
  const from = time('from', query.from)
  const to = time('to', query.to)
  if (from !== undefined) where.push(eb('at', '>=', from))
  if (to !== undefined) where.push(eb('at', '<', to))
  if (query.endpoint !== undefined) where.push(eb('endpoint', '=', query.endpoint))
  if (query.modelName !== undefined) where.push(eb('model_name', '=', query.modelName))
  if (query.modelVersion !== undefined) where.push(eb('model_version', '=', query.modelVersion))
  if (query.deploymentRevision !== undefined)
    where.push(eb('deployment_revision', '=', query.deploymentRevision))
  if (query.status !== undefined) where.push(eb('status', '=', checkStatus(query.status)))
  if (query.entityKey !== undefined) where.push(eb('entity_key', '=', canonicalKey(query.entityKey)))
  return where
}

function toRecord(r: Row): PredictionRecord {
  return {
    id: r.id,
    at: Number(r.at),
    endpoint: r.endpoint,
    modelName: r.model_name,
    modelVersion: Number(r.model_version),
    deploymentRevision: r.deployment_revision,
    requestId: r.request_id,
    entityKey: r.entity_key === null ? null : (JSON.parse(r.entity_key) as Record<string, unknown>),
    inputs: JSON.parse(r.inputs) as Record<string, unknown>,
    outputs: r.outputs === null ? null : (JSON.parse(r.outputs) as Record<string, unknown>),
    latencyMs: Number(r.latency_ms),
    status: r.status as PredictionStatus,
    error: r.error,
    featureViews:
      r.feature_views === null ? null : (JSON.parse(r.feature_views) as PredictionRecord['featureViews']),
    batch: r.batch,
  }
}

function time(name: string, t: number | Date | undefined): number | undefined {
  if (t === undefined) return undefined
  const ms = t instanceof Date ? t.getTime() : t
  if (!Number.isFinite(ms)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${name} ${String(t)} is not a time; expected epoch milliseconds or a Date`,
    )
  }
  return ms
}

function checkStatus(s: string): PredictionStatus {
  if (s !== 'ok' && s !== 'error') {
    throw new StrataError('INVALID_ARGUMENT', `status "${s}" is invalid; expected ok or error`)
  }
  return s
}

function encodeToken(at: number, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url')
}

function decodeToken(token: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]]
  } catch {}
  throw new StrataError(
    'INVALID_ARGUMENT',
    `page token "${token}" is invalid; pass the nextPageToken of the previous page`,
    {
      details: { pageToken: token },
    },
  )
}
