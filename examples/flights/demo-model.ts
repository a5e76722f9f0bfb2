/**
 * The demo's model data: splits a point-in-time training set by departure time into train,
 * validation and test slices of dense feature matrices (null → NaN, a missing value for the
 * trees) with 0/1 labels.
 */
import type { TrainingSet } from 'strata-ml'
import type { DenseMatrix } from 'strata-ml/training'

/** One time slice: features and labels of the departures in `[from, to)`. */
export interface Slice {
  name: string
  x: DenseMatrix
  y: Float64Array
}

/** Time boundaries of the slices, in epoch ms: train < validationFrom ≤ validation < testFrom ≤ test. */
export interface SplitTimes {
  validationFrom: number
  testFrom: number
}

/** A growable float64 buffer (the slice sizes are only known after the scan). */
class Floats {
  data = new Float64Array(1 << 16)
  length = 0
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2)
      next.set(this.data)
      this.data = next
    }
    this.data[this.length++] = v
  }
  done(): Float64Array {
    return this.data.slice(0, this.length)
  }
}

/**
 * Streams the training set once and splits its rows by `timestampColumn` into three slices.
 * `columns` are the model's inputs in order (features and request columns such as the hour);
 * `label` is a boolean or 0/1 column.
 */
export async function splitByTime(
  set: TrainingSet,
  options: {
    columns: readonly string[]
    label: string
    timestampColumn: string
    times: SplitTimes
    onRows?: (rows: number) => void
  },
): Promise<{ train: Slice; validation: Slice; test: Slice }> {
  const names = ['train', 'validation', 'test'] as const
  const xs = names.map(() => new Floats())
  const ys = names.map(() => new Floats())
  let seen = 0
  for await (const batch of set.batches()) {
    for (const row of batch) {
      const at = toMs(row[options.timestampColumn])
      const slot = at < options.times.validationFrom ? 0 : at < options.times.testFrom ? 1 : 2
      const x = xs[slot] as Floats
      for (const c of options.columns) {
        const v = row[c]
        x.push(typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number.NaN)
      }
      const label = row[options.label]
      ;(ys[slot] as Floats).push(label === true || label === 1 ? 1 : 0)
    }
    seen += batch.length
    options.onRows?.(seen)
  }
  const cols = options.columns.length
  const slice = (i: number): Slice => {
    const y = (ys[i] as Floats).done()
    return { name: names[i] as string, x: { rows: y.length, cols, data: (xs[i] as Floats).done() }, y }
  }
  return { train: slice(0), validation: slice(1), test: slice(2) }
}

function toMs(value: unknown): number {
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  if (typeof value === 'string') return Date.parse(value)
  throw new Error(`not a timestamp: ${String(value)}`)
}

/** Share of positive labels (the base rate a model has to beat). */
export function positiveRate(y: Float64Array): number {
  let n = 0
  for (const v of y) n += v
  return y.length === 0 ? 0 : n / y.length
}
