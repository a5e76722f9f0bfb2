import { StrataError } from '../../../core/errors.js'

/** Table formats a file-based source can hold. */
export type SourceFormat = 'parquet' | 'csv' | 'json'

/** File names of each format. */
export const FORMAT_EXTENSIONS = { parquet: /\.parquet$/i, csv: /\.csv$/i, json: /\.jsonl?$/i } as const

/** The given format, checked, or the one the path's extension names (default Parquet). */
export function formatOf(path: string | undefined, format: SourceFormat | undefined): SourceFormat {
  if (format !== undefined) {
    if (format !== 'parquet' && format !== 'csv' && format !== 'json') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `source format "${format}" is invalid; use parquet, csv or json`,
      )
    }
    return format
  }
  if (path !== undefined && FORMAT_EXTENSIONS.csv.test(path)) return 'csv'
  if (path !== undefined && FORMAT_EXTENSIONS.json.test(path)) return 'json'
  return 'parquet'
}
