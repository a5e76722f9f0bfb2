import type { PredictionPage, PredictionQuery, PredictionRecord } from '../../serving/index.js'
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

/** Rows of one logged value: a tensor of shape [n] or [n, 1] gives n rows, a list n rows, a scalar one. */
function rowsOf(v: unknown): unknown[] {
  if (isTensor(v)) return v.shape.length <= 2 && (v.shape[1] ?? 1) === 1 ? tensorData(v) : [v.data]
  if (Array.isArray(v)) return v
  return [v]
}

/**
 * Windows of the serving payload log: the successful predictions of the monitor's model (and
 * endpoint, when given) logged in [start, end), read page by page. Each input and output by name
 * is a column; a batched record (tensors of shape [n] or [n, 1]) gives n rows. Labels ingested
 * later by prediction id are the column `label` (null while a prediction has none).
 */
export class PayloadWindowSource implements WindowSource {
  constructor(
    private readonly spec: Extract<WindowSourceSpec, { kind: 'payload-log' }>,
    private readonly query: QueryPredictions,
    /** Delayed labels by prediction id, exposed as the column `label` (absent: no label column). */
    private readonly labels?: (ids: readonly string[]) => Promise<Map<string, unknown>>,
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
  }): Promise<WindowRows> {
    const columns: Record<string, unknown[]> = Object.fromEntries(window.columns.map((c) => [c, []]))
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
        ...(this.spec.endpoint === undefined ? {} : { endpoint: this.spec.endpoint }),
        ...(pageToken === undefined ? {} : { pageToken }),
      })
      const labels = this.labels === undefined ? undefined : await this.labels(page.records.map((r) => r.id))
      for (const record of page.records) {
        records++
        rows += this.append(record, columns, window.columns, labels, await this.namesOf(record))
      }
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
    return {
      rows,
      columns,
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
    labels: Map<string, unknown> | undefined,
    matrixNames: readonly string[] | undefined,
  ): number {
    const values: Record<string, unknown> = { ...record.inputs, ...(record.outputs ?? {}) }
    if (matrixNames !== undefined) Object.assign(values, splitMatrix(record.inputs, matrixNames, values))
    if (labels !== undefined && !Object.hasOwn(values, 'label')) values.label = labels.get(record.id) ?? null
    const perColumn = names.map((n) => (Object.hasOwn(values, n) ? rowsOf(values[n]) : undefined))
    const n = Math.max(1, ...perColumn.map((v) => v?.length ?? 0))
    names.forEach((name, k) => {
      const v = perColumn[k]
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
