import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DataRepository } from '../../data/index.js'
import type { TableEngine } from '../../ports/index.js'
import { PAYLOAD_PARQUET_COLUMNS, writePayloadJson, writePayloadParquet } from './payload-parquet.js'
import { PAYLOAD_ARCHIVE } from './payload-retention.js'
import type { PayloadStore } from './payload-store.js'
import type { PredictionQuery, PredictionRecord } from './payload-types.js'

/** Options of {@link exportPayloadLog}. */
export interface ExportOptions {
  store: Pick<PayloadStore, 'scan' | 'labelsOf'>
  engine: TableEngine
  /** Which predictions (time window, endpoint, model version, …; paging fields ignored). */
  query: Omit<PredictionQuery, 'pageToken' | 'limit'>
  /** The Parquet file to write. */
  file: string
  /** Also read the segments pruned into this archive dataset (default {@link PAYLOAD_ARCHIVE}, when it exists); `null`: the live log only. */
  archive?: { repo: DataRepository; dataset?: string } | null
}

/** What {@link exportPayloadLog} wrote. */
export interface ExportResult {
  file: string
  rows: number
  /** Rows read from the live log and from archived segments (a prediction in both counts once, from the live log). */
  live: number
  archived: number
  /** The archive commit read, if any. */
  archiveCommit: string | null
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`
const ms = (t: number | Date | undefined) => (t instanceof Date ? t.getTime() : t)
/** The epoch ms a prediction id starts with (12 hex digits). */
const idTime = (id: string) => Number.parseInt(id.slice(0, 12), 16)

async function* pagesOf(records: AsyncIterable<PredictionRecord>): AsyncGenerator<PredictionRecord[]> {
  let page: PredictionRecord[] = []
  for await (const r of records) {
    page.push(r)
    if (page.length >= 5000) {
      yield page
      page = []
    }
  }
  if (page.length > 0) yield page
}

/**
 * Exports predictions to one Parquet file (one row per prediction: id, time, deployment, model
 * name and version, revision, request id, entity key, inputs — the request with the features
 * read — feature views, outputs, latency, status, error and the label joined so far, JSON values
 * as JSON text), read with DuckDB from the live log and the archived Parquet segments of
 * retention, in time order.
 */
export async function exportPayloadLog(options: ExportOptions): Promise<ExportResult> {
  const work = await mkdtemp(join(tmpdir(), 'strata-payload-export-'))
  try {
    const live = await writePayloadJson(
      pagesOf(options.store.scan({ ...options.query, limit: 5000 })),
      join(work, 'live.ndjson'),
      (ids) => options.store.labelsOf(ids),
    )
    let relation = live.relation
    let archived = 0
    let archiveCommit: string | null = null
    const repo = options.archive?.repo
    const dataset = options.archive?.dataset ?? PAYLOAD_ARCHIVE
    if (repo !== undefined && (await repo.listDatasets()).some((d) => d.name === dataset)) {
      const head = (await repo.log(dataset, { limit: 1 }))[0]
      const from = ms(options.query.from) ?? Number.NEGATIVE_INFINITY
      const to = ms(options.query.to) ?? Number.POSITIVE_INFINITY
      const segments =
        head === undefined
          ? []
          : (await repo.files(dataset, head.id, { prefix: 'segments' })).filter((f) => {
              const m = /([0-9a-f]{12}-[0-9a-f]{16})_([0-9a-f]{12}-[0-9a-f]{16})\.parquet$/.exec(f.path)
              return m?.[1] !== undefined && m[2] !== undefined && idTime(m[2]) >= from && idTime(m[1]) < to
            })
      if (head !== undefined && segments.length > 0) {
        archiveCommit = head.id
        const files: string[] = []
        for (const f of segments) files.push(await repo.localFile(dataset, head.id, f.path))
        const q = options.query
        const where = [
          q.from === undefined ? null : `at_ms >= ${ms(q.from)}`,
          q.to === undefined ? null : `at_ms < ${ms(q.to)}`,
          q.endpoint === undefined ? null : `deployment = ${sqlString(q.endpoint)}`,
          q.modelName === undefined ? null : `model_name = ${sqlString(q.modelName)}`,
          q.modelVersion === undefined ? null : `model_version = ${Number(q.modelVersion)}`,
          q.deploymentRevision === undefined
            ? null
            : `deployment_revision = ${sqlString(q.deploymentRevision)}`,
          q.status === undefined ? null : `status = ${sqlString(q.status)}`,
        ].filter((w) => w !== null)
        const cols = Object.keys(PAYLOAD_PARQUET_COLUMNS).join(', ')
        const old = `(SELECT ${cols} FROM read_parquet([${files.map(sqlString).join(', ')}])${
          where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`
        })`
        const count = await options.engine.query(
          `SELECT count(*) AS n FROM ${old} WHERE prediction_id NOT IN (SELECT prediction_id FROM ${live.relation})`,
        )
        archived = Number(count.rows[0]?.n ?? 0)
        relation = `(SELECT ${cols} FROM ${live.relation} UNION ALL
          SELECT ${cols} FROM ${old} WHERE prediction_id NOT IN (SELECT prediction_id FROM ${live.relation}))`
      }
    }
    const rows = await writePayloadParquet(options.engine, relation, options.file)
    return { file: options.file, rows, live: live.rows, archived, archiveCommit }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
