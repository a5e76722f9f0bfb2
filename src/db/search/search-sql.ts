import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely'
import { StrataError } from '../../core/errors.js'
import { ownValue } from '../../core/own-property.js'
import type { MetadataDialect } from '../metadata-database.js'
import type { FilterClause } from './filter-parser.js'
import type { OrderByClause } from './search-parser.js'
import type { AttributeSpec, KeyedValues, SearchSchema } from './search-schema.js'
import { byteOrder, compareSql } from './sql-compare.js'

/** One `order by` term. */
export interface OrderTerm {
  expr: Expression<unknown>
  direction: 'asc' | 'desc'
}

/** The alias of a side table's rows inside the compiled subqueries. */
const SIDE = 'kv'

function own(schema: SearchSchema, column: string): RawBuilder<unknown> {
  return sql.ref(`${schema.alias}.${column}`)
}

function side(column: string): RawBuilder<unknown> {
  return sql.ref(`${SIDE}.${column}`)
}

// Clauses reaching the compiler were checked by parseSearch; these guard hand-made ones.
function attribute(schema: SearchSchema, key: string): AttributeSpec {
  const spec = ownValue(schema.attributes, key)
  if (spec === undefined)
    throw new StrataError('INVALID_ARGUMENT', `unknown attribute "${key}" of ${schema.subject}`)
  return spec
}

function keyed(schema: SearchSchema, type: 'metric' | 'param' | 'tag'): KeyedValues {
  const values = type === 'metric' ? schema.metrics : type === 'param' ? schema.params : schema.tags
  if (values === undefined)
    throw new StrataError('INVALID_ARGUMENT', `${schema.subject} cannot be searched by ${type}s`)
  return values
}

/** `from <table> kv where <link to the searched row> and kv.key = <key>`. */
function sideRows(schema: SearchSchema, values: KeyedValues, key: string): RawBuilder<unknown> {
  const link = Object.entries(values.link).map(([column, ownColumn]) => {
    return sql`${side(column)} = ${own(schema, ownColumn)}`
  })
  return sql`from ${sql.table(values.table)} ${sql.raw(SIDE)} where ${sql.join(link, sql` and `)} and ${side('key')} = ${key}`
}

/**
 * One filter clause as a SQL condition on the searched row: a comparison of an attribute's
 * column, or a correlated `exists` over the side table of params, tags or metrics (`IS NULL`:
 * no row for the key) or over the related rows of `datasets`.
 */
export function filterSql(
  dialect: MetadataDialect,
  schema: SearchSchema,
  c: FilterClause,
): RawBuilder<SqlBool> {
  if (c.type === 'attribute') {
    return compareSql(dialect, own(schema, attribute(schema, c.key).column), c.comparator, c.value)
  }
  if (c.type === 'dataset') {
    const related = schema.datasets
    const field = related === undefined ? undefined : ownValue(related.fields, c.key)
    if (related === undefined || field === undefined)
      throw new StrataError('INVALID_ARGUMENT', `unknown dataset key "${c.key}" of ${schema.subject}`)
    const cond = compareSql(dialect, sql.ref(field), c.comparator, c.value)
    return sql<SqlBool>`exists (select 1 from ${sql.raw(related.from)} where ${sql.raw(related.link)} and ${cond})`
  }
  const rows = sideRows(schema, keyed(schema, c.type), c.key)
  if (c.comparator === 'IS NULL') return sql<SqlBool>`not exists (select 1 ${rows})`
  if (c.comparator === 'IS NOT NULL') return sql<SqlBool>`exists (select 1 ${rows})`
  let cond = compareSql(dialect, side('value'), c.comparator, c.value)
  const nan = c.type === 'metric' ? schema.metrics?.nanColumn : undefined
  if (nan !== undefined) {
    // NaN (stored as 0) is unequal to everything and fails every other comparison.
    cond =
      c.comparator === '!='
        ? sql<SqlBool>`(${side(nan)} = 1 or ${cond})`
        : sql<SqlBool>`(${side(nan)} = 0 and ${cond})`
  }
  return sql<SqlBool>`exists (select 1 ${rows} and ${cond})`
}

/** Sorts rows whose `value` is missing after the others, whatever the direction. */
function missingLast(value: Expression<unknown>): OrderTerm {
  return { expr: sql`case when ${value} is null then 1 else 0 end`, direction: 'asc' }
}

/**
 * The `order by` terms of one entry: strings in byte order (`collate "C"` on Postgres),
 * decimal-text ids by length then bytes, missing values (and NaN metrics) last in both directions.
 */
export function orderTerms(dialect: MetadataDialect, schema: SearchSchema, o: OrderByClause): OrderTerm[] {
  const direction = o.ascending ? 'asc' : 'desc'
  if (o.type === 'attribute') {
    const spec = attribute(schema, o.key)
    const column = own(schema, spec.column)
    const terms = spec.nullable ? [missingLast(column)] : []
    if (spec.type === 'number') terms.push({ expr: column, direction })
    else if (spec.sort === 'decimal')
      terms.push({ expr: sql`length(${column})`, direction }, { expr: byteOrder(dialect, column), direction })
    else terms.push({ expr: byteOrder(dialect, column), direction })
    return terms
  }
  if (o.type === 'dataset')
    throw new StrataError('INVALID_ARGUMENT', `${schema.subject} cannot be ordered by datasets`)
  const rows = sideRows(schema, keyed(schema, o.type), o.key)
  if (o.type === 'metric') {
    const nan = schema.metrics?.nanColumn
    if (nan === undefined) {
      const value = sql`(select max(${side('value')}) ${rows})`
      return [missingLast(value), { expr: value, direction }]
    }
    // Rank 0: a number, 1: only NaN, 2: no value; then the largest number.
    const rank = sql`coalesce((select min(${side(nan)}) ${rows}), 2)`
    const value = sql`(select max(${side('value')}) ${rows} and ${side(nan)} = 0)`
    return [
      { expr: rank, direction: 'asc' },
      { expr: value, direction },
    ]
  }
  const value = sql`(select ${side('value')} ${rows})`
  return [missingLast(value), { expr: byteOrder(dialect, value), direction }]
}
