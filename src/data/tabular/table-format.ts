/** A tabular file format Strata recognises. */
export type TableFormat = 'csv' | 'tsv' | 'parquet' | 'json' | 'jsonl'

/** Every {@link TableFormat}, in a stable order. */
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'parquet', 'json', 'jsonl']

const BY_EXTENSION: Readonly<Record<string, TableFormat>> = {
  csv: 'csv',
  tsv: 'tsv',
  parquet: 'parquet',
  pq: 'parquet',
  json: 'json',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
}

/** Compression suffixes DuckDB decompresses itself for text formats (not for Parquet). */
const COMPRESSED_SUFFIX = /\.gz$/i

/**
 * The table format of a file, from its name (case-insensitive): `.csv`, `.tsv`, `.parquet`/`.pq`,
 * `.json`, `.jsonl`/`.ndjson`; the text formats also with a `.gz` suffix (`data.csv.gz`).
 * Returns `undefined` for any other name, so callers treat the file as opaque bytes.
 *
 * @example
 * detectTableFormat('raw/Flights.CSV.gz') // 'csv'
 * detectTableFormat('model.onnx')         // undefined
 */
export function detectTableFormat(path: string): TableFormat | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1)
  const compressed = COMPRESSED_SUFFIX.test(name)
  const base = compressed ? name.replace(COMPRESSED_SUFFIX, '') : name
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return undefined
  const format = BY_EXTENSION[base.slice(dot + 1).toLowerCase()]
  if (format === undefined || (compressed && format === 'parquet')) return undefined
  return format
}

/** Whether rows of this format are counted by line in the file (as opposed to by record index). */
export function isLineOriented(format: TableFormat): boolean {
  return format === 'csv' || format === 'tsv' || format === 'jsonl'
}

/** A human label for messages, e.g. `CSV`, `JSON Lines`. */
export function formatLabel(format: TableFormat): string {
  switch (format) {
    case 'csv':
      return 'CSV'
    case 'tsv':
      return 'TSV'
    case 'parquet':
      return 'Parquet'
    case 'json':
      return 'JSON'
    case 'jsonl':
      return 'JSON Lines'
  }
}
