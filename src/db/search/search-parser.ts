import { StrataError } from '../../core/errors.js'
import { ownValue } from '../../core/own-property.js'
import {
  type Comparator,
  type EntityType,
  type FilterClause,
  parseFilter,
  TokenCursor,
} from './filter-parser.js'
import { isKeyword } from './filter-tokens.js'
import { decodePageToken } from './page-token.js'
import { type SearchSchema, searchableEntities } from './search-schema.js'

/** One parsed `order_by` entry. */
export interface OrderByClause {
  type: EntityType
  key: string
  ascending: boolean
}

/** What a caller asks of a search; every field is optional. */
export interface SearchRequest {
  /** MLflow filter text, or clauses from {@link parseFilterFor} (checked again against the schema). */
  filter?: string | readonly FilterClause[] | undefined
  /** Entries like `metrics.auc DESC`, `name`, `attributes.start_time ASC`. */
  orderBy?: readonly string[] | undefined
  maxResults?: number | undefined
  /** A `nextPageToken` from the previous page, unchanged. */
  pageToken?: string | undefined
}

/** A checked search, ready for {@link searchPage}. */
export interface ParsedSearch {
  schema: SearchSchema
  filter: FilterClause[]
  /** The caller's entries followed by the schema's default order. */
  orderBy: OrderByClause[]
  maxResults: number
  offset: number
}

const NUMBER_OPS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<=']
const STRING_OPS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']
const NULL_OPS: readonly Comparator[] = ['IS NULL', 'IS NOT NULL']

function clauseError(input: string, at: number, message: string): StrataError {
  return new StrataError(
    'INVALID_ARGUMENT',
    `invalid filter ${JSON.stringify(input)}: at position ${at}: ${message}`,
    { details: { filter: input, position: at, token: input.slice(at).split(/\s/)[0] ?? '' } },
  )
}

function checkEntity(schema: SearchSchema, input: string, type: EntityType, key: string, at: number): void {
  const entities = searchableEntities(schema)
  if (!entities.includes(type)) {
    throw clauseError(
      input,
      at,
      `${schema.subject} cannot be searched by ${type}s; use ${entities.map((e) => `${e}s.<name>`).join(', ')}`,
    )
  }
  if (type === 'attribute' && ownValue(schema.attributes, key) === undefined) {
    throw clauseError(
      input,
      at,
      `unknown attribute "${key}" of ${schema.subject}; valid attributes are ${Object.keys(schema.attributes).join(', ')}`,
    )
  }
  const fields = Object.keys(schema.datasets?.fields ?? {})
  if (type === 'dataset' && !fields.includes(key)) {
    throw clauseError(input, at, `unknown dataset key "${key}"; valid keys are ${fields.join(', ')}`)
  }
}

/** Whether a clause compares as a number (metrics, numeric attributes) or a string. */
export function valueType(schema: SearchSchema, type: EntityType, key: string): 'number' | 'string' {
  if (type === 'metric') return 'number'
  if (type === 'attribute') return ownValue(schema.attributes, key)?.type ?? 'string'
  return 'string'
}

/** True when a LIKE pattern ends with an escape character that escapes nothing. */
function endsWithLoneEscape(pattern: string): boolean {
  const trailing = /\\+$/.exec(pattern)?.[0].length ?? 0
  return trailing % 2 === 1
}

function checkClause(schema: SearchSchema, input: string, c: FilterClause): void {
  checkEntity(schema, input, c.type, c.key, c.position)
  const kind = valueType(schema, c.type, c.key)
  const what = c.type === 'attribute' ? `attribute "${c.key}"` : `${c.type} "${c.key}"`
  if (NULL_OPS.includes(c.comparator)) {
    const nullable =
      c.type === 'param' ||
      c.type === 'tag' ||
      c.type === 'metric' ||
      (c.type === 'attribute' && ownValue(schema.attributes, c.key)?.nullable === true)
    if (!nullable)
      throw clauseError(input, c.position, `${what} is never missing, so ${c.comparator} does not apply`)
    return
  }
  const allowed = kind === 'number' ? NUMBER_OPS : STRING_OPS
  if (!allowed.includes(c.comparator)) {
    throw clauseError(
      input,
      c.position,
      `${c.comparator} does not apply to ${what}; use one of ${[...allowed, ...NULL_OPS].join(', ')}`,
    )
  }
  if (kind === 'number' && (!c.numeric || typeof c.value !== 'number')) {
    throw clauseError(input, c.position, `${what} compares with a number, got ${JSON.stringify(c.value)}`)
  }
  if (kind === 'string' && c.numeric) {
    throw clauseError(
      input,
      c.position,
      `${what} compares with a quoted string, got ${String(c.value)}; write '${String(c.value)}'`,
    )
  }
  if ((c.comparator === 'LIKE' || c.comparator === 'ILIKE') && endsWithLoneEscape(String(c.value))) {
    throw clauseError(
      input,
      c.position,
      `the ${c.comparator} pattern ${JSON.stringify(c.value)} ends with the escape character \\; write \\\\ for a literal backslash`,
    )
  }
}

/** Clauses written back as filter text, for messages about clauses that were not parsed from text. */
function asFilterText(clauses: readonly FilterClause[]): string {
  const literal = (v: FilterClause['value']) =>
    Array.isArray(v) ? `(${v.map((s) => `'${s}'`).join(', ')})` : typeof v === 'string' ? `'${v}'` : v
  return clauses
    .map((c) => `${c.type}s.${c.key} ${c.comparator}${c.value === null ? '' : ` ${literal(c.value)}`}`)
    .join(' and ')
}

/**
 * Parses a filter and checks every clause against `schema`: known identifiers, operators that
 * fit the value's type (numbers for metrics and times, quoted strings for params, tags and text
 * attributes), `IS [NOT] NULL` only where a value can be missing, and LIKE patterns that do not
 * end in a lone escape. Clauses given already parsed are checked the same way.
 */
export function parseFilterFor(
  schema: SearchSchema,
  filter: string | readonly FilterClause[] | undefined,
): FilterClause[] {
  const clauses = typeof filter === 'object' ? [...filter] : parseFilter(filter)
  const input = typeof filter === 'object' ? asFilterText(filter) : (filter ?? '')
  for (const c of clauses) checkClause(schema, input, c)
  return clauses
}

/**
 * Parses an order-by entry such as `metrics.auc DESC`, `attributes.start_time` or `name ASC`
 * (ascending unless `DESC`), checking the identifier against `schema`.
 */
export function parseOrderByFor(schema: SearchSchema, entry: string): OrderByClause {
  const cur = new TokenCursor('order_by', entry)
  const id = cur.identifier()
  let ascending = true
  const dir = cur.peek()
  if (isKeyword(dir, 'ASC') || isKeyword(dir, 'DESC')) {
    ascending = isKeyword(dir, 'ASC')
    cur.next()
  }
  if (cur.peek().type !== 'end') cur.fail('ASC, DESC or the end of the order_by entry')
  const entities: EntityType[] = searchableEntities(schema).filter((e) => e !== 'dataset')
  if (!entities.includes(id.type)) {
    cur.fail(
      `an orderable identifier of ${schema.subject}: ${entities.map((e) => `${e}s.<name>`).join(', ')}`,
      cur.tokens[0],
    )
  }
  if (id.type === 'attribute' && ownValue(schema.attributes, id.key) === undefined) {
    cur.fail(`an attribute of ${schema.subject}: ${Object.keys(schema.attributes).join(', ')}`, cur.tokens[0])
  }
  return { type: id.type, key: id.key, ascending }
}

/** Checks a whole-number page size between 1 and `max`, defaulting when `undefined`. */
export function resolvePageSize(value: number | undefined, size: { default: number; max: number }): number {
  if (value === undefined) return size.default
  if (!Number.isSafeInteger(value) || value < 1 || value > size.max) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `Invalid value ${value} for parameter 'max_results' supplied. It must be a whole number from 1 to ${size.max}`,
      { details: { maxResults: value } },
    )
  }
  return value
}

/** What an order-by entry sorts on: an attribute's column, or a keyed value. */
function sortIdentity(schema: SearchSchema, o: OrderByClause): string {
  return o.type === 'attribute'
    ? `column:${ownValue(schema.attributes, o.key)?.column}`
    : `${o.type}:${o.key}`
}

/**
 * Checks a whole search request against `schema` — filter, order, page size and page token — so
 * bad input fails with `INVALID_ARGUMENT` before any query runs. The order is the caller's
 * entries followed by the schema's default order (minus entries on columns already sorted by).
 */
export function parseSearch(schema: SearchSchema, request: SearchRequest): ParsedSearch {
  const filter = parseFilterFor(schema, request.filter)
  const orderBy = (request.orderBy ?? []).map((o) => parseOrderByFor(schema, o))
  const sorted = new Set(orderBy.map((o) => sortIdentity(schema, o)))
  for (const entry of schema.defaultOrder) {
    const o = parseOrderByFor(schema, entry)
    const identity = sortIdentity(schema, o)
    if (sorted.has(identity)) continue
    sorted.add(identity)
    orderBy.push(o)
  }
  const maxResults = resolvePageSize(request.maxResults, schema.pageSize)
  return { schema, filter, orderBy, maxResults, offset: decodePageToken(request.pageToken) }
}
