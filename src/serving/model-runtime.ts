import type { ModelSignature } from '../registry/index.js'
import type { InferTensor } from './tensor.js'

/** What a runtime runs: an ONNX file (onnxruntime-node) or a module exporting `predict`. */
export type RuntimeKind = 'onnx' | 'predictor'

/** What a {@link ModelRuntime} is started from. */
export interface RuntimeSource {
  kind: RuntimeKind
  /** The local file: `model.onnx`, or the predictor module (`.ts`, `.mts`, `.js`, `.mjs`). */
  path: string
  /** The model's signature; outputs a runtime returns are checked against it. */
  signature: ModelSignature
}

/**
 * The port every model runtime implements (ONNX Runtime, TypeScript predictors): run one
 * request's inputs, already checked against the signature, and answer the requested outputs
 * (all of the signature's when `outputs` is omitted), each with the signature's datatype and a
 * shape that matches its values. Model code never runs on the caller's thread.
 */
export interface ModelRuntime {
  readonly kind: RuntimeKind
  /** Runs the model; `USER_CODE`/`INTERNAL` when the model throws or its worker dies. */
  infer(inputs: readonly InferTensor[], outputs?: readonly string[]): Promise<InferTensor[]>
  /** Stops the runtime's workers; later calls fail with `UNAVAILABLE`. */
  close(): Promise<void>
}

/**
 * The contract of a TypeScript predictor module: `export function predict(inputs)` receives each
 * input by name as `{ type, dims, data }` (onnxruntime's type names: `float32`, `int64`, `string`,
 * …; `data` a typed array, or strings) and returns each output by name as `{ dims, data }` (`data`
 * a typed array or a plain array of numbers, booleans or strings). An optional
 * `export async function load({ dir })` runs once per worker before the first call.
 */
export interface PredictorTensor {
  type?: string
  dims: readonly number[]
  data: ArrayLike<number | bigint | boolean | string>
}
