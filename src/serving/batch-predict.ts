import { randomBytes } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { StrataError } from '../core/errors.js'
import type { LineageGraphStore } from '../data/index.js'
import type { TableEngine } from '../ports/index.js'
import { assembleInputs, inputLayout } from './enrichment/index.js'
import type { ModelServer } from './model-server.js'
import { rowValue } from './row-slice.js'

/** Options of {@link batchPredict}. */
export interface BatchPredictOptions {
  server: ModelServer
  engine: TableEngine
  lineage: LineageGraphStore
  /** The deployment in `server` to predict with. */
  deployment: string
  /**
   * A local Parquet or CSV file, or several of one format (read in order, columns matched by
   * name); a dataset file is materialized locally first ({@link resolveBatchInput}).
   */
  input: string | readonly string[]
  /** The input's format (default from its extension: `.parquet`, `.csv`, `.tsv`). */
  format?: 'parquet' | 'csv'
  /** The Parquet file to write: the input's columns plus one column per model output. */
  output: string
  /** Lineage nodes the input is (e.g. `dataset-commit:<id>`, `training-set:<id>`). */
  inputNodes?: readonly string[]
  /** Rows per model call (default 4096). */
  chunkRows?: number
  /** Model calls in flight at once, spread over the deployment's worker threads (default 1). */
  parallel?: number
  /** Called after each chunk with the rows done and the total. */
  onProgress?: (done: number, total: number) => void
}

/** What {@link batchPredict} did. */
export interface BatchPredictResult {
  /** Lineage node of the run's output: `prediction-batch:<id>`. */
  node: string
  /** The Parquet file written. */
  output: string
  rows: number
  modelName: string
  modelVersion: number
  /** The output columns added to the input's. */
  outputs: string[]
  seconds: number
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`

/**
 * Batch inference: runs a served model over every row of a Parquet or CSV file in chunks (the
 * model's inputs assembled by its feature names from the file's columns; a null is the missing
 * value of a float input, as in training) and writes the input's rows with the predictions
 * to Parquet, in input order. The run is recorded in lineage: `prediction-batch:<id>` produced
 * from the model version and the input's nodes (activity `batch-predict`). Predictions are not
 * written to the payload log, which is for online traffic.
 */
export async function batchPredict(options: BatchPredictOptions): Promise<BatchPredictResult> {
  const started = performance.now()
  const served = options.server.model(options.deployment)
  const layout = inputLayout(served)
  const chunk = options.chunkRows ?? 4096
  if (!Number.isInteger(chunk) || chunk < 1)
    throw new StrataError('INVALID_ARGUMENT', `chunkRows ${chunk} is invalid; expected a whole number ≥ 1`)
  const parallel = options.parallel ?? 1
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new StrataError('INVALID_ARGUMENT', `parallel ${parallel} is invalid; expected a whole number ≥ 1`)
  const { engine } = options
  const work = await mkdtemp(join(tmpdir(), 'strata-predict-'))
  try {
    // one Parquet file with a stable row number: the order of the output is the input's
    const files = typeof options.input === 'string' ? [options.input] : [...options.input]
    const first = files[0]
    if (first === undefined)
      throw new StrataError('INVALID_ARGUMENT', 'batch inference needs at least one input file')
    const label = files.length === 1 ? first : `${first} (+${files.length - 1} files)`
    const ext = options.format === undefined ? extname(first).toLowerCase() : `.${options.format}`
    const list = `[${files.map(sqlString).join(', ')}]`
    let parquet = first
    if (ext === '.csv' || ext === '.tsv') {
      parquet = join(work, 'input.parquet')
      await engine.writeParquet(`SELECT * FROM read_csv(${list}, union_by_name = true)`, parquet)
    } else if (ext !== '.parquet') {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `input "${label}" is not a Parquet or CSV file; expected a .parquet, .csv or .tsv path`,
      )
    } else if (files.length > 1) {
      parquet = join(work, 'input.parquet')
      await engine.writeParquet(`SELECT * FROM read_parquet(${list}, union_by_name = true)`, parquet)
    }
    const source = `read_parquet(${sqlString(parquet)}, file_row_number = true)`
    const countRow = (await engine.query(`SELECT count(*) AS n FROM ${source}`)).rows[0]
    const total = Number(countRow?.n ?? 0)
    const columns = (await engine.query(`SELECT * FROM ${source} LIMIT 0`)).columns.map((c) => c.name)
    const needed = layout.kind === 'matrix' ? layout.columns : layout.inputs.map((i) => i.name)
    const absent = needed.filter((n) => !columns.includes(n))
    if (absent.length > 0) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `input "${label}" has no column ${absent.map((n) => `"${n}"`).join(', ')}; model "${served.name}" version ${served.version} needs ${needed.join(', ')}`,
        { details: { missing: absent } },
      )
    }
    const outFile = join(work, 'predictions.ndjson')
    const out = await open(outFile, 'w')
    const outputNames = new Set<string>()
    let done = 0
    // chunks run `parallel` at a time; lines are keyed by row number, so they may land in any order
    const inFlight = new Set<Promise<void>>()
    let failure: unknown
    let writing = Promise.resolve()
    const runChunk = async (part: readonly Record<string, unknown>[]) => {
      const empty = { features: [], rows: [], statuses: [], eventTimes: [] }
      const inputs = assembleInputs(layout, part, empty, { nullIsMissing: true })
      const result = await options.server.infer(options.deployment, String(served.version), {
        inputs,
        log: false,
      })
      const lines: string[] = []
      for (let r = 0; r < part.length; r++) {
        const line: Record<string, unknown> = { __row: Number(part[r]?.file_row_number) }
        for (const t of result.outputs) {
          outputNames.add(t.name)
          line[t.name] = rowValue(t, r)
        }
        lines.push(JSON.stringify(line))
      }
      writing = writing.then(() => out.write(`${lines.join('\n')}\n`).then(() => undefined))
      await writing
      done += part.length
      options.onProgress?.(done, total)
    }
    try {
      for await (const rows of engine.streamRows(`SELECT * FROM ${source} ORDER BY file_row_number`)) {
        for (let i = 0; i < rows.length; i += chunk) {
          // the first failure stops new chunks and is thrown once the running ones settle
          while (inFlight.size >= parallel) await Promise.race(inFlight)
          if (failure !== undefined) throw failure
          const task: Promise<void> = runChunk(rows.slice(i, i + chunk))
            .catch((err: unknown) => {
              failure ??= err
            })
            .finally(() => inFlight.delete(task))
          inFlight.add(task)
        }
      }
      await Promise.all(inFlight)
      if (failure !== undefined) throw failure
    } finally {
      await Promise.all(inFlight)
      await out.close()
    }
    const outputs = [...outputNames]
    // output names that collide with input columns replace them (the prediction wins)
    const keep = columns.filter((c) => c !== 'file_row_number' && !outputNames.has(c))
    const quote = (c: string) => `"${c.replaceAll('"', '""')}"`
    const select =
      done === 0
        ? `SELECT ${keep.map((c) => `i.${quote(c)}`).join(', ')} FROM ${source} i`
        : `SELECT ${[...keep.map((c) => `i.${quote(c)}`), ...outputs.map((c) => `o.${quote(c)}`)].join(', ')}
           FROM ${source} i JOIN read_json_auto(${sqlString(outFile)}, format = 'newline_delimited') o
             ON i.file_row_number = o.__row
           ORDER BY i.file_row_number`
    await engine.writeParquet(select, options.output)
    const node = `prediction-batch:${randomBytes(8).toString('hex')}`
    await options.lineage.record({
      inputs: [`model-version:${served.name}/${served.version}`, ...(options.inputNodes ?? [])],
      output: { id: node, label: `${done} predictions → ${options.output}` },
      activity: 'batch-predict',
    })
    return {
      node,
      output: options.output,
      rows: done,
      modelName: served.name,
      modelVersion: served.version,
      outputs,
      seconds: (performance.now() - started) / 1000,
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
