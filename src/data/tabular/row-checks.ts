import type { Row } from '../../ports/index.js'
import type { DeclaredColumn } from './declared-schema.js'
import { SqlParams } from './sql-text.js'
import type { ColumnCheck } from './type-checks.js'

/** What a row-level issue is about, in the order issues of one cell are reported. */
export const ROW_CHECK_KINDS = ['type', 'null', 'range', 'enum'] as const

/** One of {@link ROW_CHECK_KINDS}. */
export type RowCheckKind = (typeof ROW_CHECK_KINDS)[number]

/** Bit of each kind in a cell's finding code. */
const BIT: Record<RowCheckKind, number> = { type: 1, null: 2, range: 4, enum: 8 }

/** A declared column to check row by row: where it is in the file and how to check it. */
export interface RowCheckTarget {
  /** Index in the declared schema (reported back as `column`). */
  index: number
  declared: DeclaredColumn
  /** How the file column is checked (its SQL expressions over the column's alias). */
  check: ColumnCheck
}

/** A row-level finding. */
export interface RowFinding {
  /** 1-based ordinal of the row as DuckDB reads the file. */
  ordinal: number
  /** Index of the declared column. */
  column: number
  kind: RowCheckKind
  /**
   * The offending value: null for a null; a number for a range or a numeric enum finding and
   * for a type finding in a numeric file column; otherwise the text (as written in a CSV).
   */
  value: string | number | null
}

/** The query of {@link rowChecksQuery} and how to read its rows. */
export interface RowChecksQuery {
  sql: string
  params: unknown[]
  /** Turns the result rows into findings in file order, at most `limit` of them. */
  decode(rows: readonly Row[]): RowFinding[]
}

/**
 * Builds the one query that finds the offending cells of a file in a single scan. Each checked
 * column gets a small integer code per row — a bit per failed check, each predicate evaluated
 * once — rows whose codes are all zero are dropped, and the first `limit` offending rows in file
 * order are kept (a top-N, so memory stays small however many rows fail). Only for those rows
 * are the offending values rendered. Returns undefined when nothing needs a row-level check.
 *
 * `from` must expose the file's columns under the aliases the checks use and the 1-based row
 * ordinal as `__row`.
 */
export function rowChecksQuery(
  from: string,
  targets: readonly RowCheckTarget[],
  limit: number,
): RowChecksQuery | undefined {
  const params = new SqlParams()
  const active: { target: RowCheckTarget; code: string }[] = []
  for (const target of targets) {
    const code = cellCode(target, params)
    if (code !== undefined) active.push({ target, code })
  }
  if (active.length === 0) return undefined
  const codes = active.map(({ target, code }) => `${code} AS __k${target.index}`).join(', ')
  const anyFailed = active.map(({ target }) => `__k${target.index} <> 0`).join(' OR ')
  const values = active
    .map(
      ({ target: { index, check } }) =>
        `__k${index}, CAST(${check.text} AS VARCHAR) AS __t${index}, CAST(${check.num} AS DOUBLE) AS __n${index}`,
    )
    .join(', ')
  const rows = Math.floor(limit)
  const sql =
    `SELECT CAST(__row AS BIGINT) AS __row, ${values} FROM (` +
    `SELECT * FROM (SELECT *, ${codes} FROM ${from}) WHERE ${anyFailed} ORDER BY __row LIMIT ${rows})`
  const decode = (result: readonly Row[]): RowFinding[] => {
    const findings: RowFinding[] = []
    for (const row of result) {
      for (const { target } of active) {
        const code = Number(row[`__k${target.index}`] ?? 0)
        for (const kind of ROW_CHECK_KINDS) {
          if ((code & BIT[kind]) === 0) continue
          findings.push({
            ordinal: Number(row.__row),
            column: target.index,
            kind,
            value: findingValue(target, kind, row),
          })
          if (findings.length >= rows) return findings
        }
      }
    }
    return findings
  }
  return { sql, params: params.values, decode }
}

/** The SQL of one cell's finding code, or undefined when the column has nothing to check. */
function cellCode({ declared, check }: RowCheckTarget, params: SqlParams): string | undefined {
  const failures: string[] = []
  const bounds: string[] = []
  if (declared.min !== undefined) bounds.push(`${check.num} < CAST(${params.add(declared.min)} AS DOUBLE)`)
  if (declared.max !== undefined) bounds.push(`${check.num} > CAST(${params.add(declared.max)} AS DOUBLE)`)
  if (bounds.length > 0)
    failures.push(`CASE WHEN coalesce(${bounds.join(' OR ')}, false) THEN ${BIT.range} ELSE 0 END`)
  if (declared.enum !== undefined) {
    const numeric = declared.type !== 'string'
    const allowed = declared.enum.map((value) =>
      numeric ? `CAST(${params.add(value)} AS DOUBLE)` : params.add(value),
    )
    const subject = numeric ? check.num : check.text
    failures.push(
      `CASE WHEN coalesce(${subject} NOT IN (${allowed.join(', ')}), true) THEN ${BIT.enum} ELSE 0 END`,
    )
  }
  const typed = check.kind === 'rows'
  const nullable = declared.nullable !== false
  if (!typed && nullable && failures.length === 0) return undefined
  const whenNull = `WHEN ${check.isNull} THEN ${nullable ? 0 : BIT.null}`
  const whenBadType = typed ? ` WHEN NOT coalesce(${check.ok}, false) THEN ${BIT.type}` : ''
  const otherwise = failures.length > 0 ? failures.join(' + ') : '0'
  return `(CASE ${whenNull}${whenBadType} ELSE ${otherwise} END)`
}

function findingValue(
  { declared, check, index }: RowCheckTarget,
  kind: RowCheckKind,
  row: Row,
): string | number | null {
  if (kind === 'null') return null
  const text = row[`__t${index}`]
  const num = row[`__n${index}`]
  const asNumber =
    kind === 'range' ||
    (kind === 'enum' && declared.type !== 'string') ||
    (kind === 'type' && check.numericValues)
  if (asNumber && typeof num === 'number') return num
  return text === null || text === undefined ? null : String(text)
}
