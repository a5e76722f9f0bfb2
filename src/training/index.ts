export { type DenseMatrix, type MatrixInput, toDenseMatrix } from './dense-matrix.js'
export { binOf, computeFeatureBinning, type FeatureBinning } from './feature-binning.js'
export {
  type BoostingIteration,
  type GradientBoostedTreesJson,
  GradientBoostedTreesModel,
  type GradientBoostingOptions,
  trainGradientBoostedTrees,
} from './gradient-boosted-trees.js'
export {
  type LbfgsIteration,
  type LbfgsOptions,
  type LbfgsResult,
  minimizeLbfgs,
  type Objective,
} from './lbfgs.js'
export {
  type LogisticRegressionJson,
  LogisticRegressionModel,
  type LogisticRegressionOptions,
  sigmoid,
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
export { createRng, type Rng } from './random.js'
