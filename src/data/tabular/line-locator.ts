import { createReadStream } from 'node:fs'
import { createGunzip } from 'node:zlib'
import type { TableFormat } from './table-format.js'

const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
const SPACE = 0x20
const TAB = 0x09

/** Options for {@link locateLines}. */
export interface LocateLinesOptions {
  /** The file is gzip-compressed. */
  gzip?: boolean
  /** CSV/TSV: the file has one column, so DuckDB reads a blank line as a row of NULL. */
  singleColumn?: boolean
}

/**
 * Maps 1-based data row numbers, as DuckDB numbers rows when it reads the file (`WITH
 * ORDINALITY`), to the 1-based line of the file where each row starts — the line a person
 * finds in an editor.
 *
 * It follows DuckDB's reading rules: CSV/TSV rows may span lines inside `"` quotes, the header
 * is the first record, and blank lines are skipped (for a one-column CSV a blank line is a row);
 * JSON Lines skips blank lines. It streams the file once, stopping after the last wanted row, so
 * it is only worth calling for the few rows a report names. A lone CR is not a line break.
 */
export async function locateLines(
  path: string,
  format: Extract<TableFormat, 'csv' | 'tsv' | 'jsonl'>,
  rows: readonly number[],
  options: LocateLinesOptions = {},
): Promise<Map<number, number>> {
  const found = new Map<number, number>()
  const wanted = new Set(rows)
  if (wanted.size === 0) return found
  const last = Math.max(...wanted)
  const csv = format !== 'jsonl'
  // The record index of the next record to start: for CSV/TSV the header is record 0.
  let record = csv ? 0 : 1
  let line = 1
  let inRecord = false
  let inQuote = false

  const file = createReadStream(path)
  const stream = options.gzip === true ? file.pipe(createGunzip()) : file
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!
        if (inQuote) {
          if (byte === QUOTE) inQuote = false
          else if (byte === LF) line++
          continue
        }
        if (byte === LF) {
          if (inRecord) {
            record++
            inRecord = false
          } else if (csv && options.singleColumn === true && record > 0) {
            // A blank line in a one-column CSV is a row of NULL.
            if (wanted.has(record)) found.set(record, line)
            record++
          }
          line++
          if (record > last) return found
          continue
        }
        if (byte === CR || (!csv && (byte === SPACE || byte === TAB))) continue
        if (!inRecord) {
          inRecord = true
          if (wanted.has(record)) found.set(record, line)
        }
        if (csv && byte === QUOTE) inQuote = true
      }
    }
    return found
  } finally {
    stream.destroy()
    file.destroy()
  }
}
