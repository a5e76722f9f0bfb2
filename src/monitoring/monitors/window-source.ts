import { StrataError } from '../../core/errors.js'
import type { DataRepository } from '../../data/index.js'
import { detectCompression, detectTableFormat, tableSource } from '../../data/index.js'
import type { TableEngine } from '../../ports/index.js'
import type { WindowSourceSpec } from './monitor-definition.js'

/** The rows of one window, by column (raw values; kinds come from the reference). */
export interface WindowRows {
  rows: number
  columns: Record<string, unknown[]>
  /** The model version of each row, when the source knows it (the payload log). */
  versions?: number[]
  /** Where the rows came from (for the report). */
  source: Record<string, unknown>
}

/**
 * Reads the rows of a window [start, end) for a monitor. Implementations: a dataset table with
 * a time column ({@link DatasetWindowSource}); the serving payload log plugs in here.
 */
export interface WindowSource {
  read(window: {
    start: number
    end: number
    model: string
    columns: readonly string[]
    /** Only rows of this model version (sources that know versions). */
    modelVersion?: number
  }): Promise<WindowRows>
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * Windows of a table in a dataset commit, selected by its time column (a TIMESTAMP, an ISO
 * string, or epoch milliseconds). The ref is resolved on every read, so a branch that receives
 * new rows feeds the next window.
 */
export class DatasetWindowSource implements WindowSource {
  constructor(
    private readonly spec: Extract<WindowSourceSpec, { kind: 'dataset' }>,
    private readonly deps: { engine: TableEngine; data: () => Promise<DataRepository> },
  ) {}

  async read(window: { start: number; end: number; columns: readonly string[] }): Promise<WindowRows> {
    const repo = await this.deps.data()
    const ref = this.spec.ref ?? 'main'
    const commit = await repo.resolve(this.spec.dataset, ref)
    const format = detectTableFormat(this.spec.path)
    if (format === undefined)
      throw new StrataError(
        'INVALID_ARGUMENT',
        `cannot tell the table format of "${this.spec.path}"; use .parquet, .csv, .tsv, .json or .jsonl`,
      )
    const path = await repo.localFile(this.spec.dataset, commit.id, this.spec.path)
    const relation = tableSource(path, format, { compression: await detectCompression(path) })
    const described = await this.deps.engine.query(`DESCRIBE SELECT * FROM ${relation}`)
    const types = new Map(described.rows.map((r) => [String(r.column_name), String(r.column_type)]))
    const timeType = types.get(this.spec.timeColumn)
    if (timeType === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `time column "${this.spec.timeColumn}" is not in ${this.spec.dataset}:${this.spec.path}; its columns are ${[...types.keys()].join(', ')}`,
      )
    }
    const present = window.columns.filter((c) => types.has(c))
    const time = /INT|DOUBLE|FLOAT|DECIMAL/i.test(timeType)
      ? `CAST(${ident(this.spec.timeColumn)} AS DOUBLE)`
      : `epoch_ms(CAST(${ident(this.spec.timeColumn)} AS TIMESTAMP))`
    const select = present.length === 0 ? '1 AS _none' : present.map(ident).join(', ')
    const columns: Record<string, unknown[]> = Object.fromEntries(present.map((c) => [c, []]))
    let rows = 0
    for await (const batch of this.deps.engine.streamColumns(
      `SELECT ${select} FROM ${relation} WHERE ${time} >= $1 AND ${time} < $2`,
      [window.start, window.end],
    )) {
      rows += batch.rowCount
      present.forEach((c, k) => {
        const target = columns[c] as unknown[]
        for (const v of batch.values[k] as unknown[]) target.push(typeof v === 'bigint' ? Number(v) : v)
      })
    }
    return {
      rows,
      columns,
      source: { kind: 'dataset', dataset: this.spec.dataset, commit: commit.id, path: this.spec.path },
    }
  }
}
