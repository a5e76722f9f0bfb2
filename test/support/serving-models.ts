import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspectOnnxModel, linearRegressorToOnnx, type ModelSignature } from '../../src/registry/index.js'

/** The linear model every serving test uses: prediction = 0.5 + x0 + 2·x1 + 3·x2. */
export const LINEAR = { coefficients: [[1, 2, 3]], intercepts: [0.5] }

/** The expected prediction of {@link LINEAR} for one row. */
export function linearPrediction(row: readonly number[]): number {
  return Math.fround(
    0.5 + Math.fround(row[0] ?? 0) + 2 * Math.fround(row[1] ?? 0) + 3 * Math.fround(row[2] ?? 0),
  )
}

/** The ONNX bytes of {@link LINEAR} (input `features` float32 [N,3], output `prediction` float32 [N,1]). */
export function linearOnnx(): Uint8Array {
  return linearRegressorToOnnx(LINEAR)
}

/** The signature of {@link linearOnnx}, as the registry records it. */
export async function linearSignature(): Promise<ModelSignature> {
  return (await inspectOnnxModel(linearOnnx())).signature
}

/**
 * A TypeScript predictor computing {@link LINEAR}; with `features` row [-1, -1, -1] it throws,
 * with [-2, -2, -2] it kills its worker thread (for the fault tests).
 */
export const LINEAR_PREDICTOR_TS = `
interface Tensor { type: string; dims: number[]; data: Float32Array }
const w: number[] = [1, 2, 3]
export function predict(inputs: Record<string, Tensor>): Record<string, { dims: number[]; data: Float32Array }> {
  const x = inputs.features
  const n = x.dims[0]
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    if (x.data[i * 3] === -1 && x.data[i * 3 + 1] === -1 && x.data[i * 3 + 2] === -1) throw new Error('row ' + i + ' is invalid')
    if (x.data[i * 3] === -2 && x.data[i * 3 + 1] === -2 && x.data[i * 3 + 2] === -2) process.exit(3)
    let s = 0.5
    for (let j = 0; j < 3; j++) s += w[j] * x.data[i * 3 + j]
    out[i] = s
  }
  return { prediction: { dims: [n, 1], data: out } }
}
`

/** Writes `linearOnnx()` and the predictor module into a fresh directory and returns their paths. */
export function writeLinearModels(): { dir: string; onnx: string; predictor: string } {
  const dir = mkdtempSync(join(tmpdir(), 'strata-serving-'))
  const onnx = join(dir, 'model.onnx')
  const predictor = join(dir, 'predictor.ts')
  writeFileSync(onnx, linearOnnx())
  writeFileSync(predictor, LINEAR_PREDICTOR_TS)
  return { dir, onnx, predictor }
}

/**
 * A TypeScript predictor over 64-bit integers: input `ids` int64 [N,2], outputs `sum` int64
 * [N,1] (exact, also beyond 2^53) and `half` float64 [N,1] (the sum / 2).
 */
export const INT64_PREDICTOR_TS = `
interface Tensor { type: string; dims: number[]; data: BigInt64Array }
export function predict(inputs: Record<string, Tensor>) {
  const x = inputs.ids
  const n = x.dims[0]
  const sum = new BigInt64Array(n)
  const half = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    sum[i] = x.data[i * 2] + x.data[i * 2 + 1]
    half[i] = Number(sum[i]) / 2
  }
  return { sum: { dims: [n, 1], data: sum }, half: { dims: [n, 1], data: half } }
}
`

/** The signature of {@link INT64_PREDICTOR_TS}. */
export const INT64_SIGNATURE: ModelSignature = {
  inputs: [{ name: 'ids', type: 'int64', shape: ['N', 2] }],
  outputs: [
    { name: 'sum', type: 'int64', shape: ['N', 1] },
    { name: 'half', type: 'float64', shape: ['N', 1] },
  ],
}

/**
 * A TypeScript predictor over strings (OIP `BYTES`): input `text` string [N,1], outputs `upper`
 * string [N,1] (upper-cased) and `length` int64 [N,1] (UTF-8 byte length).
 */
export const BYTES_PREDICTOR_TS = `
interface Tensor { type: string; dims: number[]; data: string[] }
export function predict(inputs: Record<string, Tensor>) {
  const x = inputs.text
  const n = x.dims[0]
  const upper: string[] = []
  const length = new BigInt64Array(n)
  for (let i = 0; i < n; i++) {
    upper.push(x.data[i].toUpperCase())
    length[i] = BigInt(new TextEncoder().encode(x.data[i]).length)
  }
  return { upper: { dims: [n, 1], data: upper }, length: { dims: [n, 1], data: length } }
}
`

/** The signature of {@link BYTES_PREDICTOR_TS}. */
export const BYTES_SIGNATURE: ModelSignature = {
  inputs: [{ name: 'text', type: 'string', shape: ['N', 1] }],
  outputs: [
    { name: 'upper', type: 'string', shape: ['N', 1] },
    { name: 'length', type: 'int64', shape: ['N', 1] },
  ],
}
