import { errorMessage, isStrataError, StrataError } from '../../../core/errors.js'
import { ownValue } from '../../../core/own-property.js'
import type { Row } from '../../../ports/index.js'
import type { FeatureType } from '../feature-types.js'
import { ident, withSource } from '../sql.js'
import type { PostgresSource } from './postgres-source.js'
import type { PitEntity, PitMatch, SourceRange, ViewOver } from './source-adapter.js'

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
function viewQuery(view: ViewOver<PostgresSource>): { sql: string; tieBreak: string } {
  const table = view.source.table.split('.').map(ident).join('.')
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
  view: ViewOver<PostgresSource>,
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
    if (isStrataError(err)) throw err
    // A pg driver error: its code is a socket errno or a Postgres SQLSTATE.
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
 * DESC LIMIT 1`, its latest row at or before its time (ties: the row stored last). Returns one
 * match per entity row, values parsed as DuckDB would give them; the ttl is the caller's.
 */
export async function postgresPointInTimeJoin(
  pool: PostgresSourcePool,
  view: ViewOver<PostgresSource>,
  entities: readonly PitEntity[],
  features: readonly string[],
): Promise<PitMatch[]> {
  const keys = view.joinKeys
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
      `SELECT v.${ts} AS "__t", ${features.map((f, j) => `v.${ident(f)} AS "f${j}"`).join(', ')}`,
      `FROM "__strata_view" v WHERE ${[...match, `v.${ts} <= e.t`].join(' AND ')}`,
      `ORDER BY v.${ts} DESC${tieBreak.replace('"__strata_ctid"', 'v."__strata_ctid"')} LIMIT 1`,
    ].join(' ')
    const outer = [
      'e.r::text AS r',
      `(extract(epoch from f."__t"::timestamptz) * 1000)::float8 AS "__t"`,
      ...features.map((f, j) => featureSelect('f', `f${j}`, ownValue(view.features, f) ?? 'string', `f${j}`)),
    ]
    const query = `WITH "__strata_view" AS (${body}) SELECT ${outer.join(', ')} FROM "__strata_entities" e LEFT JOIN LATERAL (${lateral}) f ON true`
    return (await session.query(query)).rows
  })
  return found.map((r) => ({
    row: Number(r.r),
    eventTime: r.__t === null ? null : Number(r.__t),
    values: features.map((f, j) => parseValue(ownValue(view.features, f) ?? 'string', r[`f${j}`])),
  }))
}

/**
 * The view's rows with event time in `(after, upTo]` (either bound optional), reduced to the
 * latest per entity when `latest`, read from Postgres in batches: for materialization and
 * time-range retrieval. Values are returned as the engine returns them for DuckDB views
 * (ints as bigint, timestamps as Date).
 */
export async function* postgresViewRows(
  pool: PostgresSourcePool,
  view: ViewOver<PostgresSource>,
  range: SourceRange,
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
