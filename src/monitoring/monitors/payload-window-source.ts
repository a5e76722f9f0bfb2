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

/** Rows of one logged value: a tensor of shape [n] or [n, 1] gives n rows, a list n rows, a scalar one. */
function rowsOf(v: unknown): unknown[] {
  if (isTensor(v)) return v.shape.length <= 2 && (v.shape[1] ?? 1) === 1 ? v.data : [v.data]
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
  ) {}

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
        rows += this.append(record, columns, window.columns, labels)
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
  ): number {
    const values: Record<string, unknown> = { ...record.inputs, ...(record.outputs ?? {}) }
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
