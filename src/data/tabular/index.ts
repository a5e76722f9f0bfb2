export {
  DECLARED_TYPES,
  type DeclaredColumn,
  type DeclaredSchema,
  type DeclaredType,
  declaredSchemaSchema,
  parseDeclaredSchema,
} from './declared-schema.js'
export {
  type ChangedRow,
  type DiffTablesOptions,
  diffTables,
  type KeyDiff,
  type SchemaChange,
  type TableDiff,
} from './diff-tables.js'
export {
  type InferTableSchemaOptions,
  inferTableSchema,
  type TableColumn,
  type TableSchema,
} from './infer-table-schema.js'
export { PREVIEW_MAX_ROWS, previewTable, type TablePreview } from './preview-table.js'
export { detectTableFormat, TABLE_FORMATS, type TableFormat } from './table-format.js'
export { detectCompression, type TableSourceOptions, tableSource } from './table-source.js'
export { type ValidateTableOptions, type ValidationIssue, validateTable } from './validate-table.js'
