import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { StrataError } from '../../core/errors.js'
import type { Tracing } from '../../core/tracing.js'
import type { ColumnInfo, TableEngine } from '../../ports/index.js'
import type { FeatureType, RetrievalPlan } from '../definitions/index.js'
import {
  compileOnDemand,
  fromStoredValue,
  ident,
  isInvalid,
  literal,
  showValue,
  timestampExpr,
  toStoredValue,
} from '../definitions/index.js'
import type { PreparedEntityRows } from './entity-rows.js'
import { JsonlTableWriter } from './jsonl-table.js'
import {
  buildPointInTimeSql,
  type PitJoinedSide,
  type PitViewSide,
  ROW_COLUMN,
} from './point-in-time-join.js'
import { describeColumns } from './view-compute.js'

/** A feature view's rows as DuckDB sees them, or a join done by another engine. */
export type ViewTable = ViewRows | ExternalJoin

/** A feature view's rows as DuckDB sees them. */
export interface ViewRows {
  /** A DuckDB relation of the view's rows (join keys, timestamp, features). */
  relation: string
  /** The DuckDB type of the timestamp column. */
  timestampType: string
  /** Set when (entity, timestamp) pairs may repeat: the column whose greatest value wins. */
  dedupeBy?: string
}

/**
 * A view joined outside DuckDB (a Postgres source): given the entity rows (a DuckDB relation of
 * the row column, the join keys and `__strata_ts`, the row's `TIMESTAMP`), resolves a DuckDB relation with
 * `ROW_COLUMN` and one column per requested feature, named as asked, ttl applied.
 */
export interface ExternalJoin {
  join(request: {
    entityRows: string
    features: readonly { column: string; as: string }[]
    tempDir: string
  }): Promise<string>
}

/** Options of {@link runOfflineRetrieval}. */
export interface OfflineRetrievalOptions {
  engine: TableEngine
  plan: RetrievalPlan
  entity: PreparedEntityRows
  /** The rows of every planned view, by view name. */
  tables: ReadonlyMap<string, ViewTable>
  /** Parquet file the result is written to. */
  outPath: string
  tempDir: string
  /** Times the join and the on-demand features (area `features`). */
  tracing: Tracing
}

/** What a retrieval wrote. */
export interface OfflineRetrievalResult {
  path: string
  rows: number
  columns: ColumnInfo[]
}

/** DuckDB column types an `int` join key can be matched against (NULL: a column of only nulls). */
const INT_COLUMN = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|NULL)$/
const STRING_COLUMN = /^(VARCHAR|ENUM.*|NULL)$/

/**
 * Builds a point-in-time correct table: the entity rows (same order, same multiplicity) with
 * each planned feature as of the row's timestamp (see `buildPointInTimeSql`), and on-demand
 * features computed by their TypeScript functions over the joined values, exactly as online.
 */
export async function runOfflineRetrieval(options: OfflineRetrievalOptions): Promise<OfflineRetrievalResult> {
  const { engine, plan, entity } = options
  const entityNames = new Set(entity.columns.map((c) => c.name))
  for (const { view } of plan.views) {
    const missing = view.joinKeys.filter((k) => !entityNames.has(k))
    if (missing.length > 0) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `entity rows lack join key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')} of feature view "${view.name}"; they have ${[...entityNames].join(', ')}`,
      )
    }
  }
  const entityTypes = new Map(entity.columns.map((c) => [c.name, c.type.toUpperCase()]))
  for (const { view } of plan.views) {
    for (const key of view.joinKeys) {
      const keyType = view.keyTypes[key] ?? 'string'
      const columnType = entityTypes.get(key) ?? ''
      const fits = keyType === 'int' ? INT_COLUMN.test(columnType) : STRING_COLUMN.test(columnType)
      if (!fits) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `entity rows column "${key}" is ${columnType}, but it is join key "${key}" of feature view "${view.name}", declared ${keyType}; give ${keyType === 'int' ? 'integers' : 'strings'}`,
          { details: { column: key, columnType, expected: keyType, view: view.name } },
        )
      }
    }
  }
  for (const out of plan.outputs) {
    if (entityNames.has(out.name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `feature "${out.name}" has the name of an entity-row column; rename the column or request fullFeatureNames`,
      )
    }
  }
  for (const field of Object.keys(plan.requestFields)) {
    if (!entityNames.has(field)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `on-demand features need request field "${field}", which the entity rows lack; add it as a column`,
      )
    }
  }

  // Columns each view feature is joined as: its output name, or a hidden name for inputs only.
  const columnOf = new Map<string, string>()
  for (const out of plan.outputs) {
    if ('view' in out.from) columnOf.set(`${out.from.view}:${out.from.feature}`, out.name)
  }
  const hidden: string[] = []
  const pending = plan.views.map(({ view, features }) => {
    const table = options.tables.get(view.name)
    if (table === undefined)
      throw new StrataError('INTERNAL', `no offline table for feature view "${view.name}"`)
    const wanted = features.map((f) => {
      const ref = `${view.name}:${f}`
      let as = columnOf.get(ref)
      if (as === undefined) {
        as = `__in_${view.name}__${f}`
        columnOf.set(ref, as)
        hidden.push(as)
      }
      return { column: f, as }
    })
    if ('join' in table) {
      const keys = view.joinKeys.map(ident).join(', ')
      const entityRows = `(SELECT ${ident(entity.rowColumn)} AS ${ident(ROW_COLUMN)}, ${keys}, ${entity.timestampExpr} AS "__strata_ts" FROM ${entity.relation})`
      return table
        .join({ entityRows, features: wanted, tempDir: options.tempDir })
        .then((joined): PitJoinedSide => ({ joined, columns: wanted.map((w) => w.as) }))
    }
    const side: PitViewSide = {
      relation: table.relation,
      joinKeys: view.joinKeys,
      keyTypes: view.keyTypes,
      timestamp: view.timestamp,
      timestampExpr: timestampExpr(ident(view.timestamp), table.timestampType),
      ttlMs: view.ttlMs,
      features: wanted,
    }
    if (table.dedupeBy !== undefined) side.dedupeBy = table.dedupeBy
    return Promise.resolve<PitViewSide | PitJoinedSide>(side)
  })
  const sides = await Promise.all(pending)
  const entitySide = {
    relation: entity.relation,
    rowColumn: entity.rowColumn,
    timestamp: entity.timestamp,
    timestampExpr: entity.timestampExpr,
    columns: entity.columns.map((c) => c.name),
    keyTypes: Object.assign({}, ...plan.views.map((v) => v.view.keyTypes)) as Record<
      string,
      'string' | 'int'
    >,
  }

  if (plan.onDemand.length === 0) {
    const { rows } = await engine.writeParquet(buildPointInTimeSql(entitySide, sides), options.outPath)
    return {
      path: options.outPath,
      rows,
      columns: await describeColumns(engine, parquet(options.outPath), 'training set'),
    }
  }

  const joined = join(options.tempDir, `joined-${randomUUID()}.parquet`)
  const computed = new JsonlTableWriter(join(options.tempDir, `on-demand-${randomUUID()}.jsonl`), [
    ...plan.onDemand.map((o) => ({ name: o.name, type: o.type })),
    { name: ROW_COLUMN, type: 'int' as const },
  ])
  try {
    await options.tracing.timed('features', 'join views', () =>
      engine.writeParquet(buildPointInTimeSql(entitySide, sides, { includeRowColumn: true }), joined),
    )
    const inputs: { column: string; name: string; type: FeatureType }[] = []
    for (const { view, features } of plan.views) {
      for (const f of features) {
        inputs.push({
          column: columnOf.get(`${view.name}:${f}`) ?? f,
          name: `${view.name}:${f}`,
          type: view.features[f] ?? 'string',
        })
      }
    }
    for (const [field, type] of Object.entries(plan.requestFields))
      inputs.push({ column: field, name: field, type })
    const select = [ident(ROW_COLUMN), ...inputs.map((i) => ident(i.column))].join(', ')
    const runners = plan.onDemand.map((o) => ({
      name: o.name,
      run: compileOnDemand(o, 'building a training set'),
    }))
    // The joined file is in row order, and DuckDB reads one file in order: no sort needed.
    const inputSql = `SELECT ${select} FROM ${parquet(joined)}`
    const convert = inputs.map((i) => converter(i))
    // One reused object: each compiled function copies its own inputs out of it.
    const values: Record<string, unknown> = {}
    const line: unknown[] = new Array(runners.length + 1)
    await options.tracing.timed('features', 'on-demand features', async () => {
      for await (const batch of engine.streamColumns(inputSql)) {
        const rowIds = batch.values[0] ?? []
        const columns = batch.values.slice(1)
        for (let r = 0; r < batch.rowCount; r++) {
          for (let c = 0; c < inputs.length; c++) {
            values[(inputs[c] as (typeof inputs)[number]).name] = (convert[c] as (v: unknown) => unknown)(
              (columns[c] as unknown[])[r],
            )
          }
          for (let o = 0; o < runners.length; o++)
            line[o] = (runners[o] as (typeof runners)[number]).run(values)
          line[runners.length] = rowIds[r]
          computed.addValues(line)
        }
        await computed.flushIfFull()
      }
      await computed.close()
    })
    const keep = [
      ...entity.columns.map((c) => `j.${ident(c.name)}`),
      ...plan.outputs.map((o) => ('view' in o.from ? `j.${ident(o.name)}` : `o.${ident(o.name)}`)),
    ]
    // Both files are in row order: a positional join, guarded so a misalignment fails loudly.
    const r = ident(ROW_COLUMN)
    const guard = `CASE WHEN j.${r} IS DISTINCT FROM o.${r} THEN error('on-demand rows misaligned') ELSE true END`
    const sql = `SELECT ${keep.join(', ')} FROM ${parquet(joined)} j POSITIONAL JOIN ${computed.relation()} o WHERE ${guard}`
    const { rows } = await options.tracing.timed('features', 'attach on-demand features', () =>
      engine.writeParquet(sql, options.outPath),
    )
    return {
      path: options.outPath,
      rows,
      columns: await describeColumns(engine, parquet(options.outPath), 'training set'),
    }
  } finally {
    await computed.close().catch(() => {})
    await rm(joined, { force: true })
    await rm(computed.path, { force: true })
  }
}

/**
 * A converter from DuckDB values to the form on-demand functions see (the same as online),
 * specialized per type: the common cases (a number, a string, null) cost one `typeof`.
 */
function converter(input: { name: string; type: FeatureType }): (value: unknown) => unknown {
  switch (input.type) {
    case 'float':
      return (v) =>
        typeof v === 'number' && Number.isFinite(v) ? v : v === null ? null : typedValue(input, v)
    case 'int':
      return (v) => (typeof v === 'number' || v === null ? v : typedValue(input, v))
    case 'string':
      return (v) => (typeof v === 'string' || v === null ? v : typedValue(input, v))
    default:
      return (v) => typedValue(input, v)
  }
}

/** A value from DuckDB in the form on-demand functions see (the same as online). */
function typedValue(input: { name: string; type: FeatureType }, value: unknown): unknown {
  const stored = toStoredValue(input.type, value)
  if (isInvalid(stored)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `on-demand input "${input.name}" is ${showValue(value)}, but it is declared ${input.type}; fix the entity-row column`,
    )
  }
  return fromStoredValue(input.type, stored)
}

function parquet(path: string): string {
  return `read_parquet(${literal(path)})`
}
