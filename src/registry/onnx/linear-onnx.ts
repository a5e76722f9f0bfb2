import { StrataError } from '../../core/errors.js'
import {
  encodeOnnxModel,
  exportFields,
  floatMatrixInput,
  ONNX_DEFAULT_OPSET,
  ONNX_ML_OPSET,
  type OnnxExportOptions,
  onnxAttr,
} from './onnx-graph.js'
import { ONNX_DATA_TYPE } from './onnx-proto.js'

/** A linear model `y_k = intercepts[k] + Σ_j coefficients[k][j]·x_j`, one row of coefficients per output. */
export interface LinearModelSpec {
  coefficients: readonly ArrayLike<number>[]
  intercepts: readonly number[]
}

/** Post-transform of a linear classifier's scores. */
export type LinearClassifierTransform = 'LOGISTIC' | 'SOFTMAX' | 'NONE'

/** A linear classifier: binary (one coefficient row, scores `[1-p, p]`) or one row per class. */
export interface LinearClassifierSpec extends LinearModelSpec {
  /** Integer class labels; binary models have two and one coefficient row. */
  classLabels: readonly number[]
  /** Default `LOGISTIC` for binary, `SOFTMAX` for multiclass. */
  postTransform?: LinearClassifierTransform
}

function shape(spec: LinearModelSpec, what: string): { outputs: number; features: number } {
  const outputs = spec.coefficients.length
  const features = spec.coefficients[0]?.length ?? 0
  if (outputs === 0 || features === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what}: coefficients must be a non-empty matrix (outputs × features)`,
    )
  }
  for (const row of spec.coefficients) {
    if (row.length !== features) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${what}: every coefficient row needs ${features} values; got a row of ${row.length}`,
      )
    }
    for (let j = 0; j < row.length; j++) {
      if (!Number.isFinite(row[j]))
        throw new StrataError('INVALID_ARGUMENT', `${what}: coefficient ${row[j]} is not finite`)
    }
  }
  if (spec.intercepts.length !== outputs) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${what}: ${spec.intercepts.length} intercepts for ${outputs} coefficient rows; expected one per row`,
    )
  }
  return { outputs, features }
}

const flatten = (rows: readonly ArrayLike<number>[]) => rows.flatMap((r) => Array.from(r))

/**
 * Exports a linear regressor as ONNX-ML `LinearRegressor`: input float32 `[N, features]`,
 * output `prediction` float32 `[N, targets]`.
 *
 * @example
 * const bytes = linearRegressorToOnnx({ coefficients: [[0.5, -2]], intercepts: [1] })
 */
export function linearRegressorToOnnx(spec: LinearModelSpec, options: OnnxExportOptions = {}): Uint8Array {
  const { outputs, features } = shape(spec, 'LinearRegressor')
  const input = options.inputName ?? 'features'
  return encodeOnnxModel({
    graphName: 'strata_linear_regressor',
    opsets: { '': ONNX_DEFAULT_OPSET, 'ai.onnx.ml': ONNX_ML_OPSET },
    inputs: [floatMatrixInput(input, features)],
    outputs: [{ name: 'prediction', elemType: ONNX_DATA_TYPE.FLOAT, dims: ['N', outputs] }],
    nodes: [
      {
        opType: 'LinearRegressor',
        domain: 'ai.onnx.ml',
        name: 'linear_regressor',
        inputs: [input],
        outputs: ['prediction'],
        attributes: [
          onnxAttr.floats('coefficients', flatten(spec.coefficients)),
          onnxAttr.floats('intercepts', spec.intercepts),
          onnxAttr.int('targets', outputs),
          onnxAttr.string('post_transform', 'NONE'),
        ],
      },
    ],
    ...exportFields(options, features),
  })
}

/**
 * Exports a linear classifier as ONNX-ML `LinearClassifier`: input float32 `[N, features]`,
 * outputs `label` int64 `[N]` and `probabilities` float32 `[N, classes]` (a plain tensor, no
 * ZipMap). A binary model (two labels, one coefficient row) reports `[1 - p, p]`.
 *
 * @example
 * const bytes = linearClassifierToOnnx({ coefficients: [[0.5, -2]], intercepts: [1], classLabels: [0, 1] })
 */
export function linearClassifierToOnnx(
  spec: LinearClassifierSpec,
  options: OnnxExportOptions = {},
): Uint8Array {
  const { outputs, features } = shape(spec, 'LinearClassifier')
  const classes = spec.classLabels.length
  const binary = classes === 2 && outputs === 1
  if (!binary && outputs !== classes) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `LinearClassifier: ${outputs} coefficient rows for ${classes} class labels; expected one row per class, or one row for two classes`,
    )
  }
  if (classes < 2)
    throw new StrataError('INVALID_ARGUMENT', `LinearClassifier needs ≥ 2 class labels; got ${classes}`)
  const transform = spec.postTransform ?? (binary ? 'LOGISTIC' : 'SOFTMAX')
  const input = options.inputName ?? 'features'
  return encodeOnnxModel({
    graphName: 'strata_linear_classifier',
    opsets: { '': ONNX_DEFAULT_OPSET, 'ai.onnx.ml': ONNX_ML_OPSET },
    inputs: [floatMatrixInput(input, features)],
    outputs: [
      { name: 'label', elemType: ONNX_DATA_TYPE.INT64, dims: ['N'] },
      { name: 'probabilities', elemType: ONNX_DATA_TYPE.FLOAT, dims: ['N', classes] },
    ],
    nodes: [
      {
        opType: 'LinearClassifier',
        domain: 'ai.onnx.ml',
        name: 'linear_classifier',
        inputs: [input],
        outputs: ['label', 'probabilities'],
        attributes: [
          onnxAttr.floats('coefficients', flatten(spec.coefficients)),
          onnxAttr.floats('intercepts', spec.intercepts),
          onnxAttr.ints('classlabels_ints', spec.classLabels),
          onnxAttr.int('multi_class', 0),
          onnxAttr.string('post_transform', transform),
        ],
      },
    ],
    ...exportFields(options, features),
  })
}
