import { StrataError } from '../core/errors.js'
import {
  type DecisionTreeNode,
  type OnnxExportOptions,
  scoreTreeEnsemble,
  type TreeEnsemble,
  treeEnsembleClassifierToOnnx,
  validateTreeEnsemble,
} from '../registry/index.js'
import { BinaryClassifier, sigmoid, softplus } from './binary-classifier.js'
import { type MatrixInput, toBinaryLabels, toDenseMatrix, toSampleWeights } from './dense-matrix.js'
import { binMatrix, computeFeatureBinning, type FeatureBinning } from './feature-binning.js'
import { addBinTree, type BinnedData, type BinTreeNode, growHistogramTree } from './histogram-tree.js'
import { createRng } from './random.js'

/** One boosting round, as reported to {@link GradientBoostingOptions.onIteration}. */
export interface BoostingIteration {
  /** 1-based number of trees so far. */
  iteration: number
  /** Mean (weighted) log loss on the training rows. */
  trainLoss: number
  /** Mean log loss on the validation rows, when given. */
  validationLoss?: number
}

/** Options for {@link trainGradientBoostedTrees}. */
export interface GradientBoostingOptions {
  /** Boosting rounds (trees), default 100. */
  iterations?: number
  /** Shrinkage, default 0.1. */
  learningRate?: number
  /** Depth of each tree, default 4. */
  maxDepth?: number
  /** Histogram bins per feature including the missing-value bin, 3…256 (default 64). */
  maxBins?: number
  /** Fewest rows in a leaf, default 20. */
  minSamplesLeaf?: number
  /** Smallest hessian sum in a leaf, default 1e-3. */
  minChildWeight?: number
  /** L2 penalty λ on leaf values, default 1. */
  l2?: number
  /** Smallest loss reduction for a split, default 0. */
  minGain?: number
  /** Share of rows sampled (without replacement) for each tree, default 1. */
  subsample?: number
  seed?: number
  sampleWeights?: ArrayLike<number>
  featureNames?: readonly string[]
  /** Held-out rows scored after every round (e.g. a later time slice). */
  validation?: { x: MatrixInput; y: ArrayLike<number> }
  /** With `validation`: stop after this many rounds without a better validation loss, keeping the best. */
  earlyStoppingRounds?: number
  /** Called after every round; return `false` to stop. */
  onIteration?: (it: BoostingIteration) => undefined | boolean
}

/** A gradient-boosted model as JSON. */
export interface GradientBoostedTreesJson {
  type: 'gradient-boosted-trees'
  ensemble: TreeEnsemble
  featureNames?: string[]
  /** Total split gain per feature. */
  featureImportance: number[]
}

/**
 * A binary classifier: `P(y=1|x) = σ(base + Σ trees)`. Thresholds and leaf values are float32
 * and inputs are compared at float32, exactly like the ONNX model from {@link toOnnx}.
 */
export class GradientBoostedTreesModel extends BinaryClassifier {
  readonly ensemble: TreeEnsemble
  override readonly featureNames: readonly string[] | undefined
  /** Total split gain per feature (larger: more useful). */
  readonly featureImportance: readonly number[]

  constructor(
    ensemble: TreeEnsemble,
    featureNames?: readonly string[],
    featureImportance?: readonly number[],
  ) {
    super()
    validateTreeEnsemble(ensemble)
    if (ensemble.outputs !== 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `a binary boosted model has 1 output; got ${ensemble.outputs}`,
      )
    }
    if (featureNames !== undefined && featureNames.length !== ensemble.features) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${featureNames.length} feature names for ${ensemble.features} features`,
      )
    }
    this.ensemble = ensemble
    this.featureNames = featureNames
    this.featureImportance = featureImportance ?? new Array<number>(ensemble.features).fill(0)
  }

  /** The log-odds of each row. */
  override predictMargin(x: MatrixInput): Float64Array {
    const m = toDenseMatrix(x)
    if (m.cols !== this.ensemble.features) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `the input has ${m.cols} features; this model takes ${this.ensemble.features}`,
      )
    }
    const out = new Float64Array(m.rows)
    const score = new Float64Array(1)
    for (let i = 0; i < m.rows; i++) {
      scoreTreeEnsemble(this.ensemble, m.data.subarray(i * m.cols, (i + 1) * m.cols), score)
      out[i] = score[0] as number
    }
    return out
  }

  protected readonly modelKind = 'gradient-boosted-trees'

  /** ONNX-ML `TreeEnsembleClassifier`. */
  protected encodeOnnx(options: OnnxExportOptions): Uint8Array {
    return treeEnsembleClassifierToOnnx(this.ensemble, options)
  }

  toJSON(): GradientBoostedTreesJson {
    return {
      type: 'gradient-boosted-trees',
      ensemble: this.ensemble,
      featureImportance: [...this.featureImportance],
      ...(this.featureNames === undefined ? {} : { featureNames: [...this.featureNames] }),
    }
  }

  /** Restores a model saved with {@link toJSON}. */
  static fromJSON(json: GradientBoostedTreesJson): GradientBoostedTreesModel {
    if (json.type !== 'gradient-boosted-trees') {
      throw new StrataError('INVALID_ARGUMENT', `model type "${json.type}" is not "gradient-boosted-trees"`)
    }
    return new GradientBoostedTreesModel(json.ensemble, json.featureNames, json.featureImportance)
  }
}

function positiveNumber(name: string, value: number, min: number, max = Number.POSITIVE_INFINITY): number {
  if (!(value >= min && value <= max)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${name} = ${value} is invalid; expected a number in [${min}, ${max}]`,
    )
  }
  return value
}

function meanLogLoss(margins: Float64Array, y: Float64Array, w: Float64Array, totalWeight: number): number {
  let loss = 0
  for (let i = 0; i < margins.length; i++) {
    const z = margins[i] as number
    loss += (w[i] as number) * (softplus(z) - (y[i] as number) * z)
  }
  return loss / totalWeight
}

function toDecisionTree(node: BinTreeNode, binning: FeatureBinning, importance: number[]): DecisionTreeNode {
  if ('value' in node) return { values: [node.value] }
  importance[node.feature] = (importance[node.feature] ?? 0) + node.gain
  return {
    feature: node.feature,
    threshold: (binning.edges[node.feature] as Float64Array)[node.bin - 1] as number,
    missingGoesLeft: node.missingLeft,
    left: toDecisionTree(node.left, binning, importance),
    right: toDecisionTree(node.right, binning, importance),
  }
}

/**
 * Trains gradient-boosted decision trees for binary classification (log loss, second-order
 * updates, histogram splits on pre-binned features, NaN as missing with a learned direction).
 *
 * @example
 * const model = trainGradientBoostedTrees(rows, labels, { iterations: 200, maxDepth: 5,
 *   validation: { x: testRows, y: testLabels }, earlyStoppingRounds: 20,
 *   onIteration: (it) => run.logMetrics({ train_loss: it.trainLoss }, { step: it.iteration }) })
 */
export function trainGradientBoostedTrees(
  x: MatrixInput,
  y: ArrayLike<number>,
  options: GradientBoostingOptions = {},
): GradientBoostedTreesModel {
  const m = toDenseMatrix(x)
  if (m.rows === 0 || m.cols === 0) throw new StrataError('INVALID_ARGUMENT', 'training data is empty')
  const labels = toBinaryLabels(y, m.rows)
  const weights = toSampleWeights(options.sampleWeights, m.rows)
  const iterations = positiveNumber('iterations', options.iterations ?? 100, 1)
  const subsample = positiveNumber('subsample', options.subsample ?? 1, Number.MIN_VALUE, 1)
  const params = {
    maxDepth: positiveNumber('maxDepth', options.maxDepth ?? 4, 1, 32),
    minSamplesLeaf: positiveNumber('minSamplesLeaf', options.minSamplesLeaf ?? 20, 1),
    minChildWeight: positiveNumber('minChildWeight', options.minChildWeight ?? 1e-3, 0),
    l2: positiveNumber('l2', options.l2 ?? 1, 0),
    minGain: positiveNumber('minGain', options.minGain ?? 0, 0),
    learningRate: positiveNumber('learningRate', options.learningRate ?? 0.1, Number.MIN_VALUE, 1),
  }
  const binning = computeFeatureBinning(m, options.maxBins ?? 64)
  const valueBins = binning.edges.map((e) => e.length + 1)
  const train: BinnedData = { bins: binMatrix(m, binning), rows: m.rows, features: m.cols, valueBins }

  let totalWeight = 0
  let positiveWeight = 0
  for (let i = 0; i < m.rows; i++) {
    totalWeight += weights[i] as number
    positiveWeight += (weights[i] as number) * (labels[i] as number)
  }
  if (!(totalWeight > 0)) throw new StrataError('INVALID_ARGUMENT', 'sample weights sum to 0')
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, positiveWeight / totalWeight))
  const base = Math.fround(Math.log(prior / (1 - prior)))

  let valid: { data: BinnedData; y: Float64Array; w: Float64Array; margins: Float64Array } | undefined
  if (options.validation !== undefined) {
    const vm = toDenseMatrix(options.validation.x)
    if (vm.cols !== m.cols) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `validation rows have ${vm.cols} features; training rows have ${m.cols}`,
      )
    }
    valid = {
      data: { bins: binMatrix(vm, binning), rows: vm.rows, features: vm.cols, valueBins },
      y: toBinaryLabels(options.validation.y, vm.rows),
      w: new Float64Array(vm.rows).fill(1),
      margins: new Float64Array(vm.rows).fill(base),
    }
  }

  const margins = new Float64Array(m.rows).fill(base)
  const grad = new Float64Array(m.rows)
  const hess = new Float64Array(m.rows)
  const rng = createRng(options.seed ?? 1)
  const all = Uint32Array.from({ length: m.rows }, (_, i) => i)
  const trees: BinTreeNode[] = []
  let best = { loss: Number.POSITIVE_INFINITY, trees: 0 }
  for (let it = 1; it <= iterations; it++) {
    for (let i = 0; i < m.rows; i++) {
      const p = sigmoid(margins[i] as number)
      const w = weights[i] as number
      grad[i] = w * (p - (labels[i] as number))
      hess[i] = w * Math.max(p * (1 - p), 1e-16)
    }
    const rows = subsample < 1 ? all.filter(() => rng.next() < subsample) : all
    const grown = rows.length === m.rows ? all : rows.length > 0 ? rows : all
    // With every row grown, each lands in a leaf during growth; otherwise traverse for the rest.
    const tree = growHistogramTree(train, grad, hess, grown, params, grown === all ? margins : undefined)
    trees.push(tree)
    if (grown !== all) addBinTree(tree, train, margins)
    const report: BoostingIteration = {
      iteration: it,
      trainLoss: meanLogLoss(margins, labels, weights, totalWeight),
    }
    if (valid !== undefined) {
      addBinTree(tree, valid.data, valid.margins)
      report.validationLoss = meanLogLoss(valid.margins, valid.y, valid.w, valid.data.rows)
      if (report.validationLoss < best.loss) best = { loss: report.validationLoss, trees: it }
    }
    if (options.onIteration?.(report) === false) break
    if (
      valid !== undefined &&
      options.earlyStoppingRounds !== undefined &&
      it - best.trees >= options.earlyStoppingRounds
    ) {
      trees.length = best.trees
      break
    }
  }
  const importance = new Array<number>(m.cols).fill(0)
  const ensemble: TreeEnsemble = {
    features: m.cols,
    outputs: 1,
    baseValues: [base],
    trees: (trees.length > 0 ? trees : [{ value: 0 }]).map((t) => toDecisionTree(t, binning, importance)),
  }
  return new GradientBoostedTreesModel(ensemble, options.featureNames, importance)
}
