import { StrataError } from '../../core/errors.js'
import {
  GROUND_TRUTH,
  joinLabels,
  type LabelLookup,
  type PredictionPage,
  type PredictionQuery,
  type PredictionRecord,
} from '../../serving/index.js'
import type { WindowSourceSpec } from './monitor-definition.js'
import type { WindowRows, WindowSource } from './window-source.js'

/** What the payload window source reads: the payload log's query (`PayloadStore.query`). */
export type QueryPredictions = (query: PredictionQuery) => Promise<PredictionPage>

const PAGE = 10_000

function isTensor(v: unknown): v is { datatype: string; shape: number[]; data: unknown[] } {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as { data?: unknown }).data) &&
    Array.isArray((v as { shape?: unknown }).shape)
  )
}

/**
 * The column names of a model version's one `[N, k]` matrix input (ONNX metadata
 * `strata.feature_names`), or undefined when it has none.
 */
export type MatrixColumns = (model: string, version: number) => Promise<readonly string[] | undefined>

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
}

/** A float tensor's values as numbers: the payload log stores NaN and ±∞ as the strings "NaN", "Infinity", "-Infinity". */
function tensorData(v: { datatype: string; data: unknown[] }): unknown[] {
  if (!v.datatype.startsWith('FP')) return v.data
  return v.data.map((x) => (typeof x === 'string' && Object.hasOwn(NON_FINITE, x) ? NON_FINITE[x] : x))
}

/**
 * Rows of one logged value: a tensor of shape [n] or [n, 1] gives n rows, one of shape [n, k]
 * n rows of k values each, a list n rows, a scalar one.
 */
function rowsOf(v: unknown): unknown[] {
  if (isTensor(v)) {
    if (v.shape.length <= 2 && (v.shape[1] ?? 1) === 1) return tensorData(v)
    if (v.shape.length === 2) {
      const [n = 0, k = 0] = v.shape
      const data = tensorData(v)
      return Array.from({ length: n }, (_, i) => data.slice(i * k, i * k + k))
    }
    return [v.data]
  }
  if (Array.isArray(v)) return v
  return [v]
}

/** A column reference `name[k]`: element k of each row of a vector value (e.g. `probabilities[1]`). */
const ELEMENT = /^(.+)\[(\d+)\]$/

/** The rows of column `name` among a record's values: by its name, or `name[k]` as element k of a vector value. */
function columnRows(
  values: Record<string, unknown>,
  name: string,
  record: PredictionRecord,
): unknown[] | undefined {
  const element = ELEMENT.exec(name)
  const base = element?.[1]
  if (Object.hasOwn(values, name)) {
    if (base !== undefined && Object.hasOwn(values, base)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `column "${name}" is ambiguous for model ${record.modelName} v${record.modelVersion}: it logged both a value named "${name}" and a value "${base}" whose element ${element?.[2]} it could mean`,
      )
    }
    return rowsOf(values[name])
  }
  if (base === undefined || !Object.hasOwn(values, base)) return undefined
  const k = Number(element?.[2])
  return rowsOf(values[base]).map((row) => (Array.isArray(row) ? (row[k] ?? null) : null))
}

/**
 * Windows of the serving payload log: the successful predictions of the monitor's model (and
 * endpoint, when given) logged in [start, end), read page by page. Each input and output by name
 * is a column (`name[k]` picks element k of a vector value, e.g. `probabilities[1]`); a batched
 * record (tensors of shape [n] or [n, k]) gives n rows. Labels ingested later by prediction id
 * are joined by {@link joinLabels} as the column `@label` ({@link GROUND_TRUTH}; null while a
 * prediction has none) when it is asked for — never under a model input's or output's name.
 */
export class PayloadWindowSource implements WindowSource {
  constructor(
    private readonly spec: Extract<WindowSourceSpec, { kind: 'payload-log' }>,
    private readonly query: QueryPredictions,
    /** Delayed labels by prediction id, joined as the column `@label` (absent: every label null). */
    private readonly labels?: LabelLookup,
    /** Names of a version's matrix input columns: a logged `[n, k]` tensor becomes k named columns. */
    private readonly matrixColumns?: MatrixColumns,
  ) {}

  private readonly names = new Map<string, Promise<readonly string[] | undefined>>()

  private namesOf(record: PredictionRecord): Promise<readonly string[] | undefined> {
    if (this.matrixColumns === undefined) return Promise.resolve(undefined)
    const key = `${record.modelName}/${record.modelVersion}`
    let names = this.names.get(key)
    if (names === undefined) {
      names = this.matrixColumns(record.modelName, record.modelVersion).catch(() => undefined)
      this.names.set(key, names)
    }
    return names
  }

  async read(window: {
    start: number
    end: number
    model: string
    columns: readonly string[]
    /** Only the predictions of this model version. */
    modelVersion?: number
  }): Promise<WindowRows> {
    const columns: Record<string, unknown[]> = Object.fromEntries(window.columns.map((c) => [c, []]))
    const versions: number[] = []
    const wantsTruth = window.columns.includes(GROUND_TRUTH)
    const lookup: LabelLookup = this.labels ?? (async () => new Map())
    let rows = 0
    let records = 0
    let pageToken: string | undefined
    do {
      const page = await this.query({
        from: window.start,
        to: window.end,
        modelName: window.model,
        status: 'ok',
        limit: PAGE,
        ...(window.modelVersion === undefined ? {} : { modelVersion: window.modelVersion }),
        ...(this.spec.endpoint === undefined ? {} : { endpoint: this.spec.endpoint }),
        ...(pageToken === undefined ? {} : { pageToken }),
      })
      const joined = wantsTruth
        ? await joinLabels(page.records, lookup)
        : page.records.map((record) => ({ record, label: null }))
      for (const { record, label } of joined) {
        records++
        const n = this.append(record, columns, window.columns, label, await this.namesOf(record))
        for (let i = 0; i < n; i++) versions.push(record.modelVersion)
        rows += n
      }
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
    return {
      rows,
      columns,
      versions,
      source: {
        kind: 'payload-log',
        model: window.model,
        records,
        ...(this.spec.endpoint === undefined ? {} : { endpoint: this.spec.endpoint }),
      },
    }
  }

  private append(
    record: PredictionRecord,
    columns: Record<string, unknown[]>,
    names: readonly string[],
    label: unknown,
    matrixNames: readonly string[] | undefined,
  ): number {
    const values: Record<string, unknown> = { ...record.inputs, ...(record.outputs ?? {}) }
    if (matrixNames !== undefined) Object.assign(values, splitMatrix(record.inputs, matrixNames, values))
    const perColumn = names.map((n) => (n === GROUND_TRUTH ? undefined : columnRows(values, n, record)))
    const n = Math.max(1, ...perColumn.map((v) => v?.length ?? 0))
    // a batched prediction's label is the list of its rows' labels
    const truth = Array.isArray(label) ? label : [label]
    names.forEach((name, k) => {
      const v = name === GROUND_TRUTH ? truth : perColumn[k]
      const target = columns[name] as unknown[]
      for (let i = 0; i < n; i++) target.push(v === undefined ? null : (v[i] ?? null))
    })
    return n
  }
}

/**
 * The columns of a logged `[n, k]` input tensor whose k columns the model names (a client that
 * sends the model's feature matrix, as OIP callers do): each name → its n values, unless a
 * value of that name was logged already.
 */
function splitMatrix(
  inputs: Record<string, unknown>,
  names: readonly string[],
  present: Record<string, unknown>,
): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const v of Object.values(inputs)) {
    if (!isTensor(v) || v.shape.length !== 2 || v.shape[1] !== names.length || names.length < 2) continue
    const [n = 0, k] = v.shape
    const data = tensorData(v)
    names.forEach((name, j) => {
      if (Object.hasOwn(present, name)) return
      out[name] = Array.from({ length: n }, (_, i) => data[i * k + j] ?? null)
    })
  }
  return out
}
