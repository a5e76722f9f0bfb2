import { type RawBuilder, sql } from 'kysely'
import { StrataError } from '../core/errors.js'
import type { MetadataDialect } from '../db/index.js'
import type { RegistryCondition, RegistryOrder } from './registry-filter.js'

/** Which table a search runs over: models (alias `m`) or versions (alias `v`). */
export type SearchTarget = 'models' | 'versions'

const COLUMNS: Record<SearchTarget, Record<string, string>> = {
  models: { name: 'm.name', created_at: 'm.created_at', updated_at: 'm.updated_at' },
  versions: {
    name: 'v.model',
    version: 'v.version',
    run_id: 'v.run_id',
    source: 'v.source',
    flavor: 'v.flavor',
    status: 'v.status',
    created_at: 'v.created_at',
    updated_at: 'v.updated_at',
  },
}

function column(target: SearchTarget, field: string): RawBuilder<unknown> {
  const col = COLUMNS[target][field]
  if (col === undefined) {
    const valid = [...Object.keys(COLUMNS[target]), 'tags.<key>'].join(', ')
    throw new StrataError('INVALID_ARGUMENT', `cannot filter ${target} on "${field}"; valid fields: ${valid}`)
  }
  return sql.ref(col)
}

/** A SQL LIKE pattern as a SQLite GLOB pattern (GLOB is case-sensitive, like LIKE on Postgres). */
function likeToGlob(pattern: string): string {
  let out = ''
  for (const ch of pattern) {
    if (ch === '%') out += '*'
    else if (ch === '_') out += '?'
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`
    else out += ch
  }
  return out
}

function stringTest(
  dialect: MetadataDialect,
  col: RawBuilder<unknown>,
  op: '=' | '!=' | 'LIKE' | 'ILIKE',
  value: string,
): RawBuilder<boolean> {
  switch (op) {
    case '=':
      return sql<boolean>`${col} = ${value}`
    case '!=':
      return sql<boolean>`${col} <> ${value}`
    case 'LIKE':
      // Same semantics on both dialects: case-sensitive, `%`/`_` wildcards, no escape character.
      return dialect === 'sqlite'
        ? sql<boolean>`${col} glob ${likeToGlob(value)}`
        : sql<boolean>`${col} like ${value} escape ''`
    case 'ILIKE':
      return dialect === 'sqlite'
        ? sql<boolean>`lower(${col}) like lower(${value})`
        : sql<boolean>`lower(${col}) like lower(${value}) escape ''`
  }
}

const NUMBER_OPS = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const

/** The SQL test of one condition against the models (`m`) or versions (`v`) table. */
export function conditionSql(
  target: SearchTarget,
  dialect: MetadataDialect,
  c: RegistryCondition,
): RawBuilder<boolean> {
  if ('values' in c) {
    const col = column(target, c.field)
    if (c.values.length === 0) return c.op === 'IN' ? sql<boolean>`1 = 0` : sql<boolean>`1 = 1`
    const list = sql.join(c.values.map((v) => sql`${v}`))
    return c.op === 'IN' ? sql<boolean>`${col} in (${list})` : sql<boolean>`${col} not in (${list})`
  }
  if (typeof c.value === 'number') {
    const op = NUMBER_OPS[c.op as keyof typeof NUMBER_OPS]
    if (op === undefined)
      throw new StrataError('INVALID_ARGUMENT', `"${c.field}" is numeric; use = != < <= > >=`)
    return sql<boolean>`${column(target, c.field)} ${sql.raw(op)} ${c.value}`
  }
  if (!['=', '!=', 'LIKE', 'ILIKE'].includes(c.op)) {
    throw new StrataError('INVALID_ARGUMENT', `"${c.field}" is text; use = != LIKE ILIKE IN NOT IN`)
  }
  const op = c.op as '=' | '!=' | 'LIKE' | 'ILIKE'
  if (c.field.startsWith('tags.')) {
    const key = c.field.slice('tags.'.length)
    const test = stringTest(dialect, sql.ref('t.value'), op, c.value)
    return target === 'models'
      ? sql<boolean>`exists (select 1 from registry_model_tags t where t.model = m.name and t.key = ${key} and ${test})`
      : sql<boolean>`exists (select 1 from registry_version_tags t where t.model = v.model and t.version = v.version and t.key = ${key} and ${test})`
  }
  return stringTest(dialect, column(target, c.field), op, c.value)
}

/** `order by` terms for a search, ending with deterministic tiebreakers. */
export function orderSql(target: SearchTarget, order: readonly RegistryOrder[]): RawBuilder<unknown> {
  const terms = order.map(
    (o) => sql`${column(target, o.field)} ${sql.raw(o.direction === 'desc' ? 'desc' : 'asc')}`,
  )
  terms.push(sql`${column(target, 'name')} asc`)
  if (target === 'versions') terms.push(sql`v.version desc`)
  return sql.join(terms)
}

/** Encodes a result offset as an opaque page token. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url')
}

/** Decodes a page token from {@link encodePageToken}; `INVALID_ARGUMENT` when it is not one. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown }
    if (typeof parsed.o === 'number' && Number.isSafeInteger(parsed.o) && parsed.o >= 0) return parsed.o
  } catch {
    // fall through
  }
  throw new StrataError(
    'INVALID_ARGUMENT',
    `page token "${token}" is invalid; pass back a nextPageToken from a previous search`,
  )
}
