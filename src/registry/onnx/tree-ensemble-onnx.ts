import { StrataError } from '../../core/errors.js'
import {
  encodeOnnxModel,
  exportFields,
  floatMatrixInput,
  ONNX_DEFAULT_OPSET,
  ONNX_ML_OPSET,
  type OnnxAttribute,
  type OnnxExportOptions,
  onnxAttr,
} from './onnx-graph.js'
import { ONNX_DATA_TYPE } from './onnx-proto.js'
import { flattenTreeEnsemble, type TreeEnsemble, validateTreeEnsemble } from './tree-ensemble.js'

/** How a tree-ensemble classifier turns raw scores into probabilities. */
export interface TreeEnsembleClassifierOptions extends OnnxExportOptions {
  /**
   * Integer labels, one per class (default `0…classes-1`). A one-output ensemble is binary:
   * its single value is the positive-class margin and the probabilities are `[1 - σ(m), σ(m)]`.
   */
  classLabels?: readonly number[]
  /** Multiclass only: `SOFTMAX` (default) or `NONE` (scores as they are). */
  postTransform?: 'SOFTMAX' | 'NONE'
}

function nodeAttributes(ensemble: TreeEnsemble) {
  const flat = flattenTreeEnsemble(ensemble)
  const nodes: OnnxAttribute[] = [
    onnxAttr.ints('nodes_treeids', flat.treeIds),
    onnxAttr.ints('nodes_nodeids', flat.nodeIds),
    onnxAttr.ints('nodes_featureids', flat.featureIds),
    onnxAttr.strings('nodes_modes', flat.modes),
    onnxAttr.floats('nodes_values', flat.values),
    onnxAttr.ints('nodes_truenodeids', flat.trueNodeIds),
    onnxAttr.ints('nodes_falsenodeids', flat.falseNodeIds),
    onnxAttr.ints('nodes_missing_value_tracks_true', flat.missingTracksTrue),
  ]
  return { flat, nodes }
}

/**
 * Exports a tree ensemble as ONNX-ML `TreeEnsembleRegressor` (aggregate `SUM`): input float32
 * `[N, features]`, output `prediction` float32 `[N, outputs]`.
 *
 * @example
 * const bytes = treeEnsembleRegressorToOnnx({ features: 1, outputs: 1, baseValues: [0],
 *   trees: [{ feature: 0, threshold: 0.5, left: { values: [1] }, right: { values: [2] } }] })
 */
export function treeEnsembleRegressorToOnnx(
  ensemble: TreeEnsemble,
  options: OnnxExportOptions = {},
): Uint8Array {
  validateTreeEnsemble(ensemble)
  const { flat, nodes } = nodeAttributes(ensemble)
  const input = options.inputName ?? 'features'
  return encodeOnnxModel({
    graphName: 'strata_tree_ensemble_regressor',
    opsets: { '': ONNX_DEFAULT_OPSET, 'ai.onnx.ml': ONNX_ML_OPSET },
    inputs: [floatMatrixInput(input, ensemble.features)],
    outputs: [{ name: 'prediction', elemType: ONNX_DATA_TYPE.FLOAT, dims: ['N', ensemble.outputs] }],
    nodes: [
      {
        opType: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        name: 'tree_ensemble_regressor',
        inputs: [input],
        outputs: ['prediction'],
        attributes: [
          ...nodes,
          onnxAttr.ints('target_treeids', flat.leafTreeIds),
          onnxAttr.ints('target_nodeids', flat.leafNodeIds),
          onnxAttr.ints('target_ids', flat.leafOutputIds),
          onnxAttr.floats('target_weights', flat.leafWeights),
          onnxAttr.int('n_targets', ensemble.outputs),
          onnxAttr.floats('base_values', ensemble.baseValues),
          onnxAttr.string('aggregate_function', 'SUM'),
          onnxAttr.string('post_transform', 'NONE'),
        ],
      },
    ],
    ...exportFields(options, ensemble.features),
  })
}

/**
 * Exports a tree ensemble as ONNX-ML `TreeEnsembleClassifier`: input float32 `[N, features]`,
 * outputs `label` int64 `[N]` and `probabilities` float32 `[N, classes]` (no ZipMap).
 *
 * `label` is the label of the most probable class (ties: the first), computed with `ArgMax` and
 * `Gather` after the ensemble rather than taken from the operator's own label output: for a binary
 * ensemble whose leaf weights are all non-negative, onnxruntime labels rows by `margin > 0.5`,
 * which disagrees with the probabilities it reports.
 */
export function treeEnsembleClassifierToOnnx(
  ensemble: TreeEnsemble,
  options: TreeEnsembleClassifierOptions = {},
): Uint8Array {
  validateTreeEnsemble(ensemble)
  const binary = ensemble.outputs === 1
  if (ensemble.outputs === 2) {
    // onnxruntime's two-class path ignores class 0's base value and tree sums; a margin is exact.
    throw new StrataError(
      'INVALID_ARGUMENT',
      'a two-class tree ensemble must have one output (the positive-class margin), not two',
    )
  }
  const classes = binary ? 2 : ensemble.outputs
  const labels = options.classLabels ?? Array.from({ length: classes }, (_, i) => i)
  if (labels.length !== classes) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `classLabels has ${labels.length} labels; the ensemble scores ${classes} classes`,
    )
  }
  const { flat, nodes } = nodeAttributes(ensemble)
  const input = options.inputName ?? 'features'
  const transform = binary ? 'LOGISTIC' : (options.postTransform ?? 'SOFTMAX')
  return encodeOnnxModel({
    graphName: 'strata_tree_ensemble_classifier',
    opsets: { '': ONNX_DEFAULT_OPSET, 'ai.onnx.ml': ONNX_ML_OPSET },
    inputs: [floatMatrixInput(input, ensemble.features)],
    outputs: [
      { name: 'label', elemType: ONNX_DATA_TYPE.INT64, dims: ['N'] },
      { name: 'probabilities', elemType: ONNX_DATA_TYPE.FLOAT, dims: ['N', classes] },
    ],
    initializers: [
      { name: 'class_labels', dataType: ONNX_DATA_TYPE.INT64, dims: [classes], int64Data: [...labels] },
    ],
    nodes: [
      {
        opType: 'TreeEnsembleClassifier',
        domain: 'ai.onnx.ml',
        name: 'tree_ensemble_classifier',
        inputs: [input],
        outputs: ['tree_label', 'probabilities'],
        attributes: [
          ...nodes,
          onnxAttr.ints('class_treeids', flat.leafTreeIds),
          onnxAttr.ints('class_nodeids', flat.leafNodeIds),
          onnxAttr.ints('class_ids', flat.leafOutputIds),
          onnxAttr.floats('class_weights', flat.leafWeights),
          // Internal label values; the graph's `label` output maps class indices to `labels`.
          onnxAttr.ints(
            'classlabels_int64s',
            Array.from({ length: classes }, (_, i) => i),
          ),
          onnxAttr.floats('base_values', ensemble.baseValues),
          onnxAttr.string('post_transform', transform),
        ],
      },
      {
        opType: 'ArgMax',
        domain: '',
        name: 'argmax',
        inputs: ['probabilities'],
        outputs: ['class_index'],
        attributes: [
          onnxAttr.int('axis', 1),
          onnxAttr.int('keepdims', 0),
          onnxAttr.int('select_last_index', 0),
        ],
      },
      {
        opType: 'Gather',
        domain: '',
        name: 'label_of_class',
        inputs: ['class_labels', 'class_index'],
        outputs: ['label'],
        attributes: [onnxAttr.int('axis', 0)],
      },
    ],
    ...exportFields(options, ensemble.features),
  })
}
