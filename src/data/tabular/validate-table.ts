import { StrataError } from '../../core/errors.js'
import type { TableEngine } from '../../ports/index.js'
import { type DeclaredColumn, type DeclaredSchema, parseDeclaredSchema } from './declared-schema.js'
import { locateLines } from './line-locator.js'
import { type RowCheckTarget, type RowFinding, rowChecksQuery } from './row-checks.js'
import { isLineOriented, type TableFormat } from './table-format.js'
import { type OpenedTable, readTable, type SourceColumn } from './table-reader.js'
import { columnCheck } from './type-checks.js'

/**
 * One way a file breaks its dataset's declared schema. Column-level issues (a missing,
 * undeclared or wrongly typed column) have `row: null`; row-level ones name the row.
 */
export interface ValidationIssue {
  /** The file, as passed in `options.file` (default the local path). */
  file: string
  /**
   * Where the offending row is: for CSV, TSV and JSON Lines the 1-based line of the file where
   * the row starts (the header is line 1, so the first data row is usually line 2); for Parquet
   * and JSON arrays the 1-based row index. The message says which (`line 17` / `row 17`).
   */
  row: number | null
  column: string | null
  /** The offending value: the text as in the file for a type mismatch, a number for a range. */
  value: unknown
  /** What would have been valid, e.g. `int`, `a non-null value`, `a value <= 120`. */
  expected: string
  message: string
}

/** Options for {@link validateTable}. */
export interface ValidateTableOptions {
  /** The name to put in issues and errors (e.g. the path in the dataset); default the local path. */
  file?: string
  /** Stop after this many issues (the first ones in file order); default 100. */
  maxIssues?: number
}

/**
 * Checks a local tabular file against a declared schema and returns the issues (an empty array
 * when the file conforms) — it does not throw for bad data. Checked: declared columns that are
 * missing, undeclared columns (unless `allowExtraColumns`), columns whose type cannot hold the
 * declared type, and per row: values that do not parse as the declared type, nulls in
 * non-nullable columns (`nullable` defaults to true), numbers outside `min`/`max` (inclusive),
 * and values not in `enum`. See {@link columnCheck} for what each type accepts per format.
 *
 * All row checks run as one set-based DuckDB query over the file, returning the first
 * `maxIssues` findings in file order; only their line numbers are then located in the file.
 * Rejects with INVALID_ARGUMENT for an invalid declaration or a malformed file (as
 * {@link inferTableSchema} does), NOT_FOUND for a missing file.
 *
 * @example
 * const issues = await validateTable(engine, local, 'csv', schema, { file: 'raw/people.csv' })
 * // [{ file: 'raw/people.csv', row: 4, column: 'age', value: 'abc', expected: 'int',
 * //    message: 'raw/people.csv line 4, column "age": "abc" is not a valid int' }]
 */
export async function validateTable(
  engine: TableEngine,
  localPath: string,
  format: TableFormat,
  schema: DeclaredSchema,
  options: ValidateTableOptions = {},
): Promise<ValidationIssue[]> {
  const declared = parseDeclaredSchema(schema)
  const file = options.file ?? localPath
  const maxIssues = options.maxIssues ?? 100
  if (!Number.isSafeInteger(maxIssues) || maxIssues < 1) {
    throw new StrataError('INVALID_ARGUMENT', `maxIssues is ${maxIssues}; use a positive integer`)
  }
  return readTable(engine, localPath, format, { file, allVarchar: true }, async (table) => {
    const { issues, targets } = columnIssues(file, format, declared, table.columns)
    if (issues.length >= maxIssues) return issues.slice(0, maxIssues)
    const findings = await findRows(engine, table, targets, maxIssues - issues.length)
    const rows = await rowNumbers(localPath, format, table, findings)
    for (const finding of findings) {
      const column = declared.columns[finding.column]!
      issues.push(rowIssue(file, format, column, finding, rows.get(finding.ordinal) ?? finding.ordinal))
    }
    return issues
  })
}

function columnIssues(
  file: string,
  format: TableFormat,
  schema: DeclaredSchema,
  columns: readonly SourceColumn[],
): { issues: ValidationIssue[]; targets: RowCheckTarget[] } {
  const issues: ValidationIssue[] = []
  const targets: RowCheckTarget[] = []
  const position = new Map(columns.map((column, i) => [column.name, i]))
  const available = columns.map((column) => column.name).join(', ') || '(none)'
  schema.columns.forEach((declared, index) => {
    const at = position.get(declared.name)
    if (at === undefined) {
      const twin = columns.find((c) => c.name.toLowerCase() === declared.name.toLowerCase())
      const hint = twin === undefined ? '' : ` (names are case-sensitive: the file has "${twin.name}")`
      issues.push({
        file,
        row: null,
        column: declared.name,
        value: null,
        expected: `a column "${declared.name}"`,
        message: `${file}: column "${declared.name}" is missing${hint}; the file has columns ${available}`,
      })
      return
    }
    const source = columns[at]!
    const check = columnCheck(`c${at}`, declared.type, source.type, format)
    if (check.kind === 'none') {
      issues.push({
        file,
        row: null,
        column: declared.name,
        value: source.type,
        expected: declared.type,
        message: `${file}: column "${declared.name}" has type ${source.type} in the file; expected ${declared.type}`,
      })
      return
    }
    targets.push({ index, declared, check })
  })
  if (schema.allowExtraColumns !== true) {
    const names = new Set(schema.columns.map((column) => column.name))
    for (const column of columns) {
      if (names.has(column.name)) continue
      issues.push({
        file,
        row: null,
        column: column.name,
        value: null,
        expected: 'only declared columns',
        message:
          `${file}: column "${column.name}" is not declared in the schema; ` +
          'declare it or set allowExtraColumns',
      })
    }
  }
  return { issues, targets }
}

async function findRows(
  engine: TableEngine,
  table: OpenedTable,
  targets: readonly RowCheckTarget[],
  limit: number,
): Promise<RowFinding[]> {
  const aliases = table.columns.map((_, i) => `c${i}`)
  const from = `${table.source} WITH ORDINALITY AS t(${[...aliases, '__row'].join(', ')})`
  const query = rowChecksQuery(from, targets, limit)
  if (query === undefined) {
    // Nothing to check row by row; still parse every value, so a malformed file is rejected.
    await engine.query(`SELECT ${['count(*)', ...aliases.map((a) => `count(${a})`)].join(', ')} FROM ${from}`)
    return []
  }
  const { rows } = await engine.query(query.sql, query.params)
  return query.decode(rows)
}

/** Ordinal → line for line-oriented formats; ordinals are row numbers for the others. */
async function rowNumbers(
  localPath: string,
  format: TableFormat,
  table: OpenedTable,
  findings: readonly RowFinding[],
): Promise<Map<number, number>> {
  if (findings.length === 0 || !isLineOriented(format)) return new Map()
  const ordinals = findings.map((finding) => finding.ordinal)
  return locateLines(localPath, format as 'csv' | 'tsv' | 'jsonl', ordinals, {
    gzip: table.compression === 'gzip',
    singleColumn: table.columns.length === 1,
  })
}

function rowIssue(
  file: string,
  format: TableFormat,
  column: DeclaredColumn,
  finding: RowFinding,
  row: number,
): ValidationIssue {
  const where = `${file} ${isLineOriented(format) ? 'line' : 'row'} ${row}, column "${column.name}"`
  const base = { file, row, column: column.name }
  switch (finding.kind) {
    case 'type':
      return {
        ...base,
        value: finding.value,
        expected: column.type,
        message: `${where}: ${JSON.stringify(finding.value)} is not a valid ${column.type}`,
      }
    case 'null':
      return {
        ...base,
        value: null,
        expected: 'a non-null value',
        message: `${where}: the value is null (empty), but the column is not nullable`,
      }
    case 'range': {
      const low = column.min !== undefined && typeof finding.value === 'number' && finding.value < column.min
      const expected = rangeText(column)
      const side = low ? `below the minimum ${column.min}` : `above the maximum ${column.max}`
      return { ...base, value: finding.value, expected, message: `${where}: ${finding.value} is ${side}` }
    }
    case 'enum': {
      const expected = `one of ${(column.enum ?? []).map((v) => JSON.stringify(v)).join(', ')}`
      return {
        ...base,
        value: finding.value,
        expected,
        message: `${where}: ${JSON.stringify(finding.value)} is not ${expected}`,
      }
    }
  }
}

function rangeText(column: DeclaredColumn): string {
  if (column.min !== undefined && column.max !== undefined)
    return `a value from ${column.min} to ${column.max}`
  if (column.min !== undefined) return `a value >= ${column.min}`
  return `a value <= ${column.max}`
}
