import { StrataError } from '../../core/errors.js'

/** A leaf: one value per ensemble output (target, class, or the single binary margin). */
export interface DecisionTreeLeaf {
  values: number[]
}

/** An internal node: rows with `x[feature] <= threshold` (compared at float32 precision) go left. */
export interface DecisionTreeSplit {
  feature: number
  threshold: number
  /** Where a NaN value goes (default: right, the "false" branch, as in ONNX). */
  missingGoesLeft?: boolean
  left: DecisionTreeNode
  right: DecisionTreeNode
}

/** A node of a decision tree. */
export type DecisionTreeNode = DecisionTreeLeaf | DecisionTreeSplit

/**
 * An additive ensemble of decision trees: the raw score of output `k` is
 * `baseValues[k] + Σ_trees leaf.values[k]`. Regressors report it as is; classifiers apply a
 * logistic (one output: the positive-class margin) or softmax (one output per class).
 */
export interface TreeEnsemble {
  /** Number of input features. */
  features: number
  /** Number of outputs each leaf carries. */
  outputs: number
  trees: DecisionTreeNode[]
  baseValues: number[]
}

/** True for a leaf node. */
export function isLeaf(node: DecisionTreeNode): node is DecisionTreeLeaf {
  return 'values' in node
}

/**
 * Raw scores of one row, with the semantics of ONNX-ML tree ensembles in onnxruntime: inputs and
 * thresholds are float32, `NaN` follows `missingGoesLeft`. Writes `ensemble.outputs` values into `out`.
 */
export function scoreTreeEnsemble(ensemble: TreeEnsemble, row: ArrayLike<number>, out: Float64Array): void {
  for (let k = 0; k < ensemble.outputs; k++) out[k] = Math.fround(ensemble.baseValues[k] ?? 0)
  for (const tree of ensemble.trees) {
    let node = tree
    while (!isLeaf(node)) {
      const v = Math.fround(row[node.feature] ?? Number.NaN)
      const left = Number.isNaN(v) ? node.missingGoesLeft === true : v <= Math.fround(node.threshold)
      node = left ? node.left : node.right
    }
    for (let k = 0; k < ensemble.outputs; k++) out[k] = (out[k] ?? 0) + Math.fround(node.values[k] ?? 0)
  }
}

/** Checks shapes and feature indices; throws `INVALID_ARGUMENT` naming the first problem. */
export function validateTreeEnsemble(ensemble: TreeEnsemble): void {
  const fail = (msg: string) => {
    throw new StrataError('INVALID_ARGUMENT', `invalid tree ensemble: ${msg}`)
  }
  if (!Number.isInteger(ensemble.features) || ensemble.features < 1)
    fail(`features = ${ensemble.features}; expected ≥ 1`)
  if (!Number.isInteger(ensemble.outputs) || ensemble.outputs < 1)
    fail(`outputs = ${ensemble.outputs}; expected ≥ 1`)
  if (ensemble.baseValues.length !== ensemble.outputs) {
    fail(
      `baseValues has ${ensemble.baseValues.length} entries; expected ${ensemble.outputs} (one per output)`,
    )
  }
  if (ensemble.trees.length === 0) fail('it has no trees')
  ensemble.trees.forEach((tree, t) => {
    const stack: DecisionTreeNode[] = [tree]
    while (stack.length > 0) {
      const node = stack.pop() as DecisionTreeNode
      if (isLeaf(node)) {
        if (node.values.length !== ensemble.outputs) {
          fail(`a leaf of tree ${t} has ${node.values.length} values; expected ${ensemble.outputs}`)
        }
        if (node.values.some((v) => !Number.isFinite(v))) fail(`a leaf of tree ${t} has a non-finite value`)
        continue
      }
      if (!Number.isInteger(node.feature) || node.feature < 0 || node.feature >= ensemble.features) {
        fail(`a split of tree ${t} uses feature ${node.feature}; expected 0…${ensemble.features - 1}`)
      }
      if (Number.isNaN(node.threshold)) fail(`a split of tree ${t} has a NaN threshold`)
      stack.push(node.right, node.left)
    }
  })
}

/** The node arrays of ONNX-ML `TreeEnsemble*` attributes, trees numbered in order, nodes depth-first. */
export interface FlatTreeEnsemble {
  treeIds: number[]
  nodeIds: number[]
  featureIds: number[]
  modes: string[]
  values: number[]
  trueNodeIds: number[]
  falseNodeIds: number[]
  missingTracksTrue: number[]
  /** One entry per (leaf, output) pair. */
  leafTreeIds: number[]
  leafNodeIds: number[]
  leafOutputIds: number[]
  leafWeights: number[]
}

/** Flattens an ensemble into ONNX-ML node arrays (every leaf value is written, zeros included). */
export function flattenTreeEnsemble(ensemble: TreeEnsemble): FlatTreeEnsemble {
  const flat: FlatTreeEnsemble = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    modes: [],
    values: [],
    trueNodeIds: [],
    falseNodeIds: [],
    missingTracksTrue: [],
    leafTreeIds: [],
    leafNodeIds: [],
    leafOutputIds: [],
    leafWeights: [],
  }
  ensemble.trees.forEach((tree, treeId) => {
    let next = 0
    const visit = (node: DecisionTreeNode): number => {
      const id = next++
      const at = flat.nodeIds.length
      flat.treeIds.push(treeId)
      flat.nodeIds.push(id)
      if (isLeaf(node)) {
        flat.featureIds.push(0)
        flat.modes.push('LEAF')
        flat.values.push(0)
        flat.trueNodeIds.push(0)
        flat.falseNodeIds.push(0)
        flat.missingTracksTrue.push(0)
        node.values.forEach((w, k) => {
          flat.leafTreeIds.push(treeId)
          flat.leafNodeIds.push(id)
          flat.leafOutputIds.push(k)
          flat.leafWeights.push(w)
        })
        return id
      }
      flat.featureIds.push(node.feature)
      flat.modes.push('BRANCH_LEQ')
      flat.values.push(node.threshold)
      flat.trueNodeIds.push(0)
      flat.falseNodeIds.push(0)
      flat.missingTracksTrue.push(node.missingGoesLeft === true ? 1 : 0)
      flat.trueNodeIds[at] = visit(node.left)
      flat.falseNodeIds[at] = visit(node.right)
      return id
    }
    visit(tree)
  })
  return flat
}
