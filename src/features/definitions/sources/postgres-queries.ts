import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { errorMessage, StrataError } from '../core/errors.js'
import type { Row, TableEngine } from '../ports/index.js'
import type { FeatureType } from './feature-types.js'
import { isInvalid, normalizeKey, toStoredValue, typeViolation } from './feature-validation.js'
import type { FeatureView } from './feature-view.js'
import { JsonlTableWriter } from './jsonl-table.js'
import type { ExternalJoin } from './offline-retrieval.js'
import { ROW_COLUMN } from './point-in-time-join.js'
import type { PostgresSource } from './sources.js'
import { ident, withSource } from './sql.js'

/** One Postgres session (a `pg.PoolClient` fits). */
export interface PostgresSession {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>
  release(err?: Error | boolean): void
}

/** A Postgres connection pool for feature sources (a `pg.Pool` fits). */
export interface PostgresSourcePool {
  connect(): Promise<PostgresSession>
  end(): Promise<void>
}

const PG_KEY = { string: 'text', int: 'bigint' } as const
const CHUNK = 10_000

/**
 * The view's rows as a Postgres query: its `sql` over `source`, or the table itself (with the
 * row's physical position, so that among equal timestamps the row stored last wins, as the
 * last row of a file does in DuckDB). With `sql`, rows sharing an entity and timestamp are
 * picked arbitrarily: such a view should produce each (entity, timestamp) once.
 */
function viewQuery(view: FeatureView): { sql: string; tieBreak: string } {
  const source = view.source as PostgresSource
  const table = source.table.split('.').map(ident).join('.')
  if (view.sql !== undefined) {
    return { sql: withSource(table, view.sql), tieBreak: '' }
  }
  return { sql: `SELECT t.*, t.ctid AS "__strata_ctid" FROM ${table} t`, tieBreak: ', "__strata_ctid" DESC' }
}

/** A feature column selected so node-pg returns it losslessly: ints as text, timestamps as epoch ms. */
function featureSelect(alias: string, column: string, type: FeatureType, as: string): string {
  const c = `${alias}.${ident(column)}`
  switch (type) {
    case 'int':
      return `${c}::text AS ${ident(as)}`
    case 'float':
      return `${c}::float8 AS ${ident(as)}`
    case 'timestamp':
      return `(extract(epoch from ${c}::timestamptz) * 1000)::float8 AS ${ident(as)}`
    default:
      return `${c} AS ${ident(as)}`
  }
}

function parseValue(type: FeatureType, value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (type === 'int' && typeof value === 'string') return /^-?\d+$/.test(value) ? BigInt(value) : value
  if (type === 'timestamp' && typeof value === 'number') return new Date(value)
  return value
}

async function withSession<T>(
  pool: PostgresSourcePool,
  view: FeatureView,
  fn: (s: PostgresSession) => Promise<T>,
): Promise<T> {
  let session: PostgresSession
  try {
    session = await pool.connect()
  } catch (err) {
    throw new StrataError(
      'UNAVAILABLE',
      `feature view "${view.name}": cannot connect to Postgres: ${errorMessage(err)}`,
      {
        cause: err,
      },
    )
  }
  try {
    await session.query('BEGIN')
    // Every timestamp is UTC: naive columns are read as UTC wall clock, like DuckDB does.
    await session.query(`SET LOCAL TIME ZONE 'UTC'`)
    const result = await fn(session)
    await session.query('COMMIT')
    session.release()
    return result
  } catch (err) {
    await session.query('ROLLBACK').catch(() => {})
    session.release()
    if ((err as { strata?: boolean }).strata === true) throw err
    const code = (err as { code?: string }).code
    throw new StrataError(
      code === 'ECONNREFUSED' || code === '57P01' ? 'UNAVAILABLE' : 'INVALID_ARGUMENT',
      `feature view "${view.name}" failed in Postgres: ${errorMessage(err)}`,
      { cause: err },
    )
  }
}

/**
 * The point-in-time join of one Postgres-sourced view, computed in Postgres: the entity rows
 * are copied into a temporary table and each picks, with `LEFT JOIN LATERAL … ORDER BY ts
 * DESC LIMIT 1`, its latest row at or before its timestamp; the ttl is applied on the way
 * back. Results come back into DuckDB as a relation keyed by the row column.
 */
export function postgresExternalJoin(
  pool: PostgresSourcePool,
  view: FeatureView,
  engine: TableEngine,
): ExternalJoin {
  return {
    join: async ({ entityRows, features, tempDir }) => {
      const keys = view.joinKeys
      const entities: { row: number; keys: unknown[]; ts: number | null }[] = []
      const select = [ident(ROW_COLUMN), ...keys.map(ident), 'epoch_ms("__strata_ts") AS "__ts"']
      for await (const batch of engine.streamRows(`SELECT ${select.join(', ')} FROM ${entityRows}`)) {
        for (const r of batch) {
          entities.push({
            row: Number(r[ROW_COLUMN]),
            keys: keys.map((k) => normalizeKey(view.keyTypes[k] ?? 'string', r[k]) ?? null),
            ts: r.__ts === null || r.__ts === undefined ? null : Number(r.__ts),
          })
        }
      }
      const found = await withSession(pool, view, async (session) => {
        const cols = [
          `r bigint`,
          ...keys.map((k, i) => `k${i} ${PG_KEY[view.keyTypes[k] ?? 'string']}`),
          't timestamptz',
        ]
        await session.query(`CREATE TEMP TABLE "__strata_entities" (${cols.join(', ')}) ON COMMIT DROP`)
        for (let i = 0; i < entities.length; i += CHUNK) {
          const part = entities.slice(i, i + CHUNK)
          const arrays: unknown[] = [
            part.map((e) => e.row),
            ...keys.map((_, j) => part.map((e) => e.keys[j])),
            part.map((e) => e.ts),
          ]
          const types = ['bigint', ...keys.map((k) => PG_KEY[view.keyTypes[k] ?? 'string']), 'float8']
          const unnest = types.map((t, j) => `$${j + 1}::${t}[]`).join(', ')
          const names = ['r', ...keys.map((_, j) => `k${j}`), 'ms']
          await session.query(
            `INSERT INTO "__strata_entities" SELECT ${names.slice(0, -1).join(', ')}, to_timestamp(ms / 1000.0) FROM unnest(${unnest}) AS u(${names.join(', ')})`,
            arrays,
          )
        }
        const { sql: body, tieBreak } = viewQuery(view)
        const ts = ident(view.timestamp)
        const match = keys.map((k, j) => `v.${ident(k)} = e.k${j}`)
        const lateral = [
          `SELECT v.${ts} AS "__t", ${features.map((f, j) => `v.${ident(f.column)} AS "f${j}"`).join(', ')}`,
          `FROM "__strata_view" v WHERE ${[...match, `v.${ts} <= e.t`].join(' AND ')}`,
          `ORDER BY v.${ts} DESC${tieBreak.replace('"__strata_ctid"', 'v."__strata_ctid"')} LIMIT 1`,
        ].join(' ')
        const outer = [
          'e.r::text AS r',
          `(extract(epoch from f."__t"::timestamptz) * 1000)::float8 AS "__t"`,
          ...features.map((f, j) =>
            featureSelect('f', `f${j}`, view.features[f.column] ?? 'string', `f${j}`),
          ),
        ]
        const query = `WITH "__strata_view" AS (${body}) SELECT ${outer.join(', ')} FROM "__strata_entities" e LEFT JOIN LATERAL (${lateral}) f ON true`
        return (await session.query(query)).rows
      })
      const byRow = new Map(entities.map((e) => [e.row, e]))
      const writer = new JsonlTableWriter(join(tempDir, `pg-${view.name}-${randomUUID()}.jsonl`), [
        { name: ROW_COLUMN, type: 'int' },
        ...features.map((f) => ({ name: f.as, type: view.features[f.column] ?? ('string' as FeatureType) })),
      ])
      try {
        for (const r of found) {
          const row = Number(r.r)
          const entity = byRow.get(row)
          const t = r.__t === null ? null : Number(r.__t)
          const fresh =
            t !== null && entity?.ts != null && (view.ttlMs === null || t >= entity.ts - view.ttlMs)
          const out: Record<string, unknown> = { [ROW_COLUMN]: row }
          features.forEach((f, j) => {
            const type = view.features[f.column] ?? 'string'
            out[f.as] = fresh
              ? checked(view, f.column, type, parseValue(type, r[`f${j}`]), entity?.keys ?? [])
              : null
          })
          await writer.write(out)
        }
      } finally {
        await writer.close()
      }
      return writer.relation()
    },
  }
}

function checked(
  view: FeatureView,
  feature: string,
  type: FeatureType,
  value: unknown,
  keys: unknown[],
): unknown {
  const stored = toStoredValue(type, value)
  if (isInvalid(stored)) {
    throw typeViolation({
      view: view.name,
      feature,
      type,
      entity: Object.fromEntries(view.joinKeys.map((k, i) => [k, keys[i]])),
      value,
      context: 'point-in-time join in Postgres',
    })
  }
  return stored
}

/**
 * The view's rows with event time in `(after, upTo]` (either bound optional), reduced to the
 * latest per entity when `latest`, read from Postgres in batches: for materialization and
 * time-range retrieval. Values are returned as the engine returns them for DuckDB views
 * (ints as bigint, timestamps as Date).
 */
export async function* postgresViewRows(
  pool: PostgresSourcePool,
  view: FeatureView,
  range: { after?: number | null; from?: number | null; upTo?: number | null; latest: boolean },
): AsyncIterable<Row[]> {
  const { sql: body, tieBreak } = viewQuery(view)
  const ts = ident(view.timestamp)
  const keys = view.joinKeys.map((k) => `v.${ident(k)}`)
  const where: string[] = [...keys.map((k) => `${k} IS NOT NULL`), `v.${ts} IS NOT NULL`]
  const params: unknown[] = []
  if (range.after != null) where.push(`v.${ts} > to_timestamp($${params.push(range.after / 1000)})`)
  if (range.from != null) where.push(`v.${ts} >= to_timestamp($${params.push(range.from / 1000)})`)
  if (range.upTo != null) where.push(`v.${ts} <= to_timestamp($${params.push(range.upTo / 1000)})`)
  const cols = [
    ...view.joinKeys.map((k) =>
      view.keyTypes[k] === 'int' ? `v.${ident(k)}::text AS ${ident(k)}` : `v.${ident(k)}`,
    ),
    `(extract(epoch from v.${ts}::timestamptz) * 1000)::float8 AS ${ts}`,
    ...Object.entries(view.features).map(([f, type]) => featureSelect('v', f, type, f)),
  ]
  const order = range.latest
    ? `ORDER BY ${keys.join(', ')}, v.${ts} DESC${tieBreak.replace('"__strata_ctid"', 'v."__strata_ctid"')}`
    : ''
  const distinct = range.latest ? `DISTINCT ON (${keys.join(', ')})` : ''
  const query = `WITH "__strata_view" AS (${body}) SELECT ${distinct} ${cols.join(', ')} FROM "__strata_view" v WHERE ${where.join(' AND ')} ${order}`
  const rows = await withSession(pool, view, async (session) => (await session.query(query, params)).rows)
  for (let i = 0; i < rows.length; i += CHUNK) {
    yield rows.slice(i, i + CHUNK).map((r) => {
      const out: Row = {}
      for (const k of view.joinKeys)
        out[k] = view.keyTypes[k] === 'int' && typeof r[k] === 'string' ? BigInt(r[k] as string) : r[k]
      out[view.timestamp] = new Date(Number(r[view.timestamp]))
      for (const [f, type] of Object.entries(view.features)) out[f] = parseValue(type, r[f])
      return out
    })
  }
}
