import { StrataError } from '../core/errors.js'
import { linearClassifierToOnnx, type OnnxExportOptions } from '../registry/index.js'
import { BinaryClassifier, sigmoid, softplus } from './binary-classifier.js'
import { type MatrixInput, toBinaryLabels, toDenseMatrix, toSampleWeights } from './dense-matrix.js'
import { type LbfgsIteration, minimizeLbfgs } from './lbfgs.js'

/** Options for {@link trainLogisticRegression}. */
export interface LogisticRegressionOptions {
  /**
   * L2 penalty λ on the coefficients of the standardized features: the objective is the mean
   * (weighted) log loss + λ/2·‖w‖². The intercept is not penalized. Default 1e-4.
   */
  l2?: number
  /** Default 200. */
  maxIterations?: number
  /** Stop when the largest gradient component falls below this (default 1e-6). */
  tolerance?: number
  /** Standardize features before fitting (default true); the scaling is folded into the coefficients. */
  standardize?: boolean
  sampleWeights?: ArrayLike<number>
  featureNames?: readonly string[]
  /** Called after every optimizer iteration with the regularized loss; return `false` to stop. */
  onIteration?: (it: LbfgsIteration) => undefined | boolean
}

/** A logistic regression's parameters as JSON. */
export interface LogisticRegressionJson {
  type: 'logistic-regression'
  coefficients: number[]
  intercept: number
  featureNames?: string[]
}

/**
 * A binary logistic regression on raw (unstandardized) features: `P(y=1|x) = σ(b + w·x)`.
 * Parameters are float32 values, exactly as exported to ONNX, and inputs are rounded to float32
 * when predicting, so {@link toOnnx} reproduces these predictions in onnxruntime.
 */
export class LogisticRegressionModel extends BinaryClassifier {
  readonly coefficients: Float64Array
  readonly intercept: number
  override readonly featureNames: readonly string[] | undefined

  constructor(coefficients: ArrayLike<number>, intercept: number, featureNames?: readonly string[]) {
    super()
    this.coefficients = Float64Array.from(coefficients, Math.fround)
    this.intercept = Math.fround(intercept)
    if (featureNames !== undefined && featureNames.length !== this.coefficients.length) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${featureNames.length} feature names for ${this.coefficients.length} coefficients`,
      )
    }
    this.featureNames = featureNames
  }

  /** The log-odds `b + w·x` of each row. */
  override predictMargin(x: MatrixInput): Float64Array {
    const m = toDenseMatrix(x)
    this.checkColumns(m.cols)
    const out = new Float64Array(m.rows)
    for (let i = 0; i < m.rows; i++) {
      let z = this.intercept
      const base = i * m.cols
      for (let j = 0; j < m.cols; j++)
        z += (this.coefficients[j] as number) * Math.fround(m.data[base + j] as number)
      out[i] = z
    }
    return out
  }

  protected readonly modelKind = 'logistic-regression'

  /** ONNX-ML `LinearClassifier`. */
  protected encodeOnnx(options: OnnxExportOptions): Uint8Array {
    return linearClassifierToOnnx(
      { coefficients: [this.coefficients], intercepts: [this.intercept], classLabels: [0, 1] },
      options,
    )
  }

  toJSON(): LogisticRegressionJson {
    return {
      type: 'logistic-regression',
      coefficients: Array.from(this.coefficients),
      intercept: this.intercept,
      ...(this.featureNames === undefined ? {} : { featureNames: [...this.featureNames] }),
    }
  }

  /** Restores a model saved with {@link toJSON}. */
  static fromJSON(json: LogisticRegressionJson): LogisticRegressionModel {
    if (json.type !== 'logistic-regression') {
      throw new StrataError('INVALID_ARGUMENT', `model type "${json.type}" is not "logistic-regression"`)
    }
    return new LogisticRegressionModel(json.coefficients, json.intercept, json.featureNames)
  }

  private checkColumns(cols: number): void {
    if (cols !== this.coefficients.length) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `the input has ${cols} features; this model takes ${this.coefficients.length}`,
      )
    }
  }
}

/**
 * Fits an L2-regularized binary logistic regression with L-BFGS on standardized features, then
 * folds the standardization into the returned coefficients (so the model takes raw features).
 *
 * @example
 * const model = trainLogisticRegression(rows, labels, { l2: 1e-3, onIteration: (it) => log(it.loss) })
 * const p = model.predictProba(testRows)
 */
export function trainLogisticRegression(
  x: MatrixInput,
  y: ArrayLike<number>,
  options: LogisticRegressionOptions = {},
): LogisticRegressionModel {
  const m = toDenseMatrix(x)
  const { rows, cols } = m
  if (rows === 0 || cols === 0) throw new StrataError('INVALID_ARGUMENT', 'training data is empty')
  const labels = toBinaryLabels(y, rows)
  const weights = toSampleWeights(options.sampleWeights, rows)
  const l2 = options.l2 ?? 1e-4
  if (!(l2 >= 0)) throw new StrataError('INVALID_ARGUMENT', `l2 = ${l2} is invalid; expected a number ≥ 0`)
  for (let k = 0; k < m.data.length; k++) {
    if (!Number.isFinite(m.data[k])) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `feature ${k % cols} of row ${Math.floor(k / cols)} is ${m.data[k]}; logistic regression needs finite values (impute missing ones first)`,
      )
    }
  }
  let totalWeight = 0
  for (let i = 0; i < rows; i++) totalWeight += weights[i] as number
  if (!(totalWeight > 0)) throw new StrataError('INVALID_ARGUMENT', 'sample weights sum to 0')

  // Standardized design z = (x - mean) / scale, with scale 1 for constant columns.
  const mean = new Float64Array(cols)
  const scale = new Float64Array(cols).fill(1)
  if (options.standardize !== false) {
    for (let i = 0; i < rows; i++) {
      const w = weights[i] as number
      for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) + w * (m.data[i * cols + j] as number)
    }
    for (let j = 0; j < cols; j++) mean[j] = (mean[j] as number) / totalWeight
    const variance = new Float64Array(cols)
    for (let i = 0; i < rows; i++) {
      const w = weights[i] as number
      for (let j = 0; j < cols; j++) {
        const d = (m.data[i * cols + j] as number) - (mean[j] as number)
        variance[j] = (variance[j] as number) + w * d * d
      }
    }
    for (let j = 0; j < cols; j++) {
      const sd = Math.sqrt((variance[j] as number) / totalWeight)
      scale[j] = sd > 1e-12 ? sd : 1
    }
  }
  const z = new Float64Array(rows * cols)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      z[i * cols + j] = ((m.data[i * cols + j] as number) - (mean[j] as number)) / (scale[j] as number)
    }
  }

  // θ = [w_0 … w_{cols-1}, b]
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0)
    const b = theta[cols] as number
    let loss = 0
    for (let i = 0; i < rows; i++) {
      const w = weights[i] as number
      if (w === 0) continue
      const base = i * cols
      let margin = b
      for (let j = 0; j < cols; j++) margin += (theta[j] as number) * (z[base + j] as number)
      const yi = labels[i] as number
      loss += w * (softplus(margin) - yi * margin)
      const r = w * (sigmoid(margin) - yi)
      for (let j = 0; j < cols; j++) grad[j] = (grad[j] as number) + r * (z[base + j] as number)
      grad[cols] = (grad[cols] as number) + r
    }
    loss /= totalWeight
    let penalty = 0
    for (let j = 0; j <= cols; j++) grad[j] = (grad[j] as number) / totalWeight
    for (let j = 0; j < cols; j++) {
      const t = theta[j] as number
      penalty += t * t
      grad[j] = (grad[j] as number) + l2 * t
    }
    return loss + 0.5 * l2 * penalty
  }
  const result = minimizeLbfgs(objective, new Float64Array(cols + 1), {
    maxIterations: options.maxIterations ?? 200,
    gradientTolerance: options.tolerance ?? 1e-6,
    ...(options.onIteration === undefined ? {} : { onIteration: options.onIteration }),
  })
  const coefficients = new Float64Array(cols)
  let intercept = result.x[cols] as number
  for (let j = 0; j < cols; j++) {
    coefficients[j] = (result.x[j] as number) / (scale[j] as number)
    intercept -= (coefficients[j] as number) * (mean[j] as number)
  }
  return new LogisticRegressionModel(coefficients, intercept, options.featureNames)
}
