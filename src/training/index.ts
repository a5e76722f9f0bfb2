/**
 * Model training in TypeScript (`strata/training`): binary classifiers on dense numeric
 * matrices (gradient-boosted trees, logistic regression), their evaluation metrics, and the
 * ONNX writer they export with, for models to register and serve like any other.
 *
 * @example
 * import { binaryClassificationMetrics, trainGradientBoostedTrees } from 'strata-ml/training'
 * const model = trainGradientBoostedTrees(rows, labels, { iterations: 100, maxDepth: 4 })
 * const metrics = binaryClassificationMetrics(labels, model.predictProba(rows))
 * const onnx = model.toOnnx({ featureNames })
 *
 * @packageDocumentation
 */
export {
  type DecisionTreeLeaf,
  type DecisionTreeNode,
  type DecisionTreeSplit,
  encodeOnnxModel,
  type LinearClassifierSpec,
  type LinearClassifierTransform,
  type LinearModelSpec,
  linearClassifierToOnnx,
  linearRegressorToOnnx,
  type OnnxAttribute,
  type OnnxExportOptions,
  type OnnxModelSpec,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  onnxAttr,
  type TreeEnsemble,
  type TreeEnsembleClassifierOptions,
  treeEnsembleClassifierToOnnx,
  treeEnsembleRegressorToOnnx,
} from '../registry/index.js'
export { BinaryClassifier } from './binary-classifier.js'
export { type DenseMatrix, type MatrixInput, toDenseMatrix } from './dense-matrix.js'
export {
  type BoostingIteration,
  type GradientBoostedTreesJson,
  GradientBoostedTreesModel,
  type GradientBoostingOptions,
  trainGradientBoostedTrees,
} from './gradient-boosted-trees.js'
export type { LbfgsIteration } from './lbfgs.js'
export {
  type LogisticRegressionJson,
  LogisticRegressionModel,
  type LogisticRegressionOptions,
  trainLogisticRegression,
} from './logistic-regression.js'
export {
  accuracy,
  type BinaryClassificationMetrics,
  binaryClassificationMetrics,
  logLoss,
  precisionRecall,
  rocAuc,
  type ThresholdMetrics,
} from './metrics.js'
