import type { TableEngine } from '../../ports/index.js'
import {
  type DeclaredSchema,
  detectTableFormat,
  diffTables,
  inferTableSchema,
  type KeyDiff,
  parseDeclaredSchema,
  type TableDiff,
  type TableFormat,
  type TableSchema,
  type ValidationIssue,
  validateTable,
} from '../tabular/index.js'

export type { DeclaredSchema, KeyDiff, TableDiff, TableFormat, TableSchema, ValidationIssue }

/**
 * The tabular operations the repository needs, one call each. The default adapts
 * `src/data/tabular`; tests or embedders may pass their own.
 */
export interface TabularHooks {
  detect(path: string): TableFormat | undefined
  infer(engine: TableEngine, localPath: string, format: TableFormat, file: string): Promise<TableSchema>
  validate(
    engine: TableEngine,
    localPath: string,
    format: TableFormat,
    schema: DeclaredSchema,
    file: string,
    maxIssues: number,
  ): Promise<ValidationIssue[]>
  diff(
    engine: TableEngine,
    a: string,
    b: string,
    format: TableFormat,
    key: string[],
    file: string,
  ): Promise<TableDiff>
  parseSchema(input: unknown): DeclaredSchema
}

/** {@link TabularHooks} over `src/data/tabular`. */
export const defaultTabularHooks: TabularHooks = {
  detect: (path) => detectTableFormat(path),
  infer: (engine, localPath, format, file) => inferTableSchema(engine, localPath, format, { file }),
  validate: (engine, localPath, format, schema, file, maxIssues) =>
    validateTable(engine, localPath, format, schema, { file, maxIssues }),
  diff: (engine, a, b, format, key, file) =>
    diffTables(engine, a, b, format, {
      key,
      files: { before: `${file} (before)`, after: `${file} (after)` },
    }),
  parseSchema: (input) => parseDeclaredSchema(input),
}
