import { type FileHandle, mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DUCKDB_TYPES, type FeatureType, ident, literal } from '../definitions/index.js'

/** A column of a {@link JsonlTableWriter}: its name and declared type. */
export interface JsonlColumn {
  name: string
  type: FeatureType
}

const FLUSH_BYTES = 1 << 20

/**
 * Writes rows of known column types as JSON Lines that DuckDB reads back with exact types:
 * integers (numbers or bigints) as integer literals, timestamps as epoch milliseconds. The
 * bridge for rows produced in TypeScript (transforms, on-demand features, in-memory entity rows).
 */
export class JsonlTableWriter {
  #handle: FileHandle | undefined
  #buffer: string[] = []
  #bytes = 0
  readonly #keys: string[]
  rows = 0

  constructor(
    readonly path: string,
    readonly columns: readonly JsonlColumn[],
  ) {
    this.#keys = columns.map((c, i) => `${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`)
  }

  /** Appends one row; values must already fit their column types (see `toStoredValue`). */
  async write(row: Readonly<Record<string, unknown>>): Promise<void> {
    this.add(row)
    if (this.#bytes >= FLUSH_BYTES) await this.flush()
  }

  /** Buffers one row without I/O; call {@link flushIfFull} now and then (e.g. once per batch). */
  add(row: Readonly<Record<string, unknown>>): void {
    let line = ''
    for (let i = 0; i < this.columns.length; i++) {
      line += this.#keys[i] + encode(row[(this.columns[i] as JsonlColumn).name])
    }
    line += '}\n'
    this.#buffer.push(line)
    this.#bytes += line.length
    this.rows++
  }

  /** Like {@link add}, with the values in column order. */
  addValues(values: readonly unknown[]): void {
    let line = ''
    for (let i = 0; i < this.columns.length; i++) line += this.#keys[i] + encode(values[i])
    line += '}\n'
    this.#buffer.push(line)
    this.#bytes += line.length
    this.rows++
  }

  /** Writes the buffer out once it holds more than about a megabyte. */
  async flushIfFull(): Promise<void> {
    if (this.#bytes >= FLUSH_BYTES) await this.flush()
  }

  /** Writes buffered rows to the file. */
  async flush(): Promise<void> {
    if (this.#handle === undefined) {
      await mkdir(dirname(this.path), { recursive: true })
      this.#handle = await open(this.path, 'w')
    }
    if (this.#buffer.length === 0) return
    const text = this.#buffer.join('')
    this.#buffer = []
    this.#bytes = 0
    await this.#handle.write(text)
  }

  /** Flushes and closes the file (creating it even when no row was written). */
  async close(): Promise<void> {
    await this.flush()
    await this.#handle?.close()
    this.#handle = undefined
  }

  /** A DuckDB relation over the written file with the declared column types. */
  relation(extra: readonly { name: string; sqlType: string }[] = []): string {
    const decl = [
      ...this.columns.map(
        (c) => `${literal(c.name)}: ${literal(c.type === 'timestamp' ? 'BIGINT' : DUCKDB_TYPES[c.type])}`,
      ),
      ...extra.map((c) => `${literal(c.name)}: ${literal(c.sqlType)}`),
    ]
    const select = [
      ...this.columns.map((c) =>
        c.type === 'timestamp' ? `epoch_ms(${ident(c.name)}) AS ${ident(c.name)}` : ident(c.name),
      ),
      ...extra.map((c) => ident(c.name)),
    ]
    return `(SELECT ${select.join(', ')} FROM read_json(${literal(this.path)}, format = 'newline_delimited', columns = {${decl.join(', ')}}))`
  }
}

function encode(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (value instanceof Date) return String(value.getTime())
  return JSON.stringify(value)
}
