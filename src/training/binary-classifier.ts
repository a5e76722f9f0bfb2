import type { OnnxExportOptions } from '../registry/index.js'
import type { MatrixInput } from './dense-matrix.js'

/** Numerically stable logistic function. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z))
  const e = Math.exp(z)
  return e / (1 + e)
}

/** `log(1 + e^z)` without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))
}

/**
 * A trained binary classifier that scores rows as log-odds: probabilities, 0/1 labels and the
 * ONNX export follow from {@link BinaryClassifier.predictMargin} the same way for every model.
 */
export abstract class BinaryClassifier {
  /** Feature names (one per input column), recorded in the ONNX model when set. */
  abstract readonly featureNames: readonly string[] | undefined

  /** The log-odds of each row. */
  abstract predictMargin(x: MatrixInput): Float64Array

  /** `P(y = 1)` of each row. */
  predictProba(x: MatrixInput): Float64Array {
    return this.predictMargin(x).map(sigmoid)
  }

  /** 0/1 predictions: 1 where `P(y = 1) > threshold` (default 0.5). */
  predict(x: MatrixInput, threshold = 0.5): Uint8Array {
    return Uint8Array.from(this.predictProba(x), (p) => (p > threshold ? 1 : 0))
  }

  /**
   * ONNX-ML bytes: outputs `label` (int64) and `probabilities` `[1 - p, p]`. Feature names
   * default to the model's; metadata gains `strata.model` (the model's kind).
   */
  toOnnx(options: OnnxExportOptions = {}): Uint8Array {
    const names = options.featureNames ?? this.featureNames
    return this.encodeOnnx({
      ...options,
      ...(names === undefined ? {} : { featureNames: names }),
      metadata: { 'strata.model': this.modelKind, ...options.metadata },
    })
  }

  /** The model's kind, as in its JSON `type` and the ONNX `strata.model` metadata. */
  protected abstract readonly modelKind: string

  /** Encodes the model as ONNX with the options already completed by {@link BinaryClassifier.toOnnx}. */
  protected abstract encodeOnnx(options: OnnxExportOptions): Uint8Array
}
