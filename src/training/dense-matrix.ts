import { StrataError } from '../core/errors.js'

/** A row-major matrix of float64 values: row `i`, column `j` is `data[i * cols + j]`. */
export interface DenseMatrix {
  rows: number
  cols: number
  data: Float64Array
}

/** What trainers and models accept as features: a dense matrix or an array of rows. */
export type MatrixInput = DenseMatrix | readonly ArrayLike<number>[]

function isDenseMatrix(x: MatrixInput): x is DenseMatrix {
  return !Array.isArray(x) && (x as DenseMatrix).data instanceof Float64Array
}

/**
 * Normalizes features to a {@link DenseMatrix} (a matrix is returned as is, rows are copied).
 * Every row must have the same length; `INVALID_ARGUMENT` names the first ragged row.
 *
 * @example
 * const m = toDenseMatrix([[1, 2], [3, 4]]) // { rows: 2, cols: 2, data: Float64Array [1, 2, 3, 4] }
 */
export function toDenseMatrix(x: MatrixInput): DenseMatrix {
  if (isDenseMatrix(x)) {
    if (x.data.length !== x.rows * x.cols) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `matrix data has ${x.data.length} values; expected rows × cols = ${x.rows} × ${x.cols}`,
      )
    }
    return x
  }
  const rows = x.length
  const cols = x[0]?.length ?? 0
  const data = new Float64Array(rows * cols)
  for (let i = 0; i < rows; i++) {
    const row = x[i] as ArrayLike<number>
    if (row.length !== cols) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `row ${i} has ${row.length} values; expected ${cols} like row 0`,
      )
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = row[j] as number
  }
  return { rows, cols, data }
}

/** Checks that labels are 0/1 and match the row count; returns them as a Float64Array. */
export function toBinaryLabels(y: ArrayLike<number>, rows: number): Float64Array {
  if (y.length !== rows) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${y.length} labels for ${rows} rows; expected one label per row`,
    )
  }
  const out = new Float64Array(y.length)
  for (let i = 0; i < y.length; i++) {
    const v = Number(y[i])
    if (v !== 0 && v !== 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `label ${String(y[i])} at row ${i} is invalid; expected 0 or 1`,
      )
    }
    out[i] = v
  }
  return out
}

/** Checks per-row weights (finite, ≥ 0, one per row); all ones when omitted. */
export function toSampleWeights(w: ArrayLike<number> | undefined, rows: number): Float64Array {
  const out = new Float64Array(rows).fill(1)
  if (w === undefined) return out
  if (w.length !== rows) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${w.length} sample weights for ${rows} rows; expected one per row`,
    )
  }
  for (let i = 0; i < rows; i++) {
    const v = w[i] as number
    if (!Number.isFinite(v) || v < 0) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `sample weight ${v} at row ${i} is invalid; expected a finite value ≥ 0`,
      )
    }
    out[i] = v
  }
  return out
}
