/** A tree in bin space: a split sends rows with `bin ∈ 1…bin` left, bin 0 (missing) by `missingLeft`. */
export type BinTreeNode =
  | { value: number }
  | {
      feature: number
      bin: number
      missingLeft: boolean
      gain: number
      left: BinTreeNode
      right: BinTreeNode
    }

/** Growth limits and regularization of one tree. */
export interface TreeGrowthParams {
  maxDepth: number
  minSamplesLeaf: number
  /** Minimum hessian sum in a child. */
  minChildWeight: number
  /** L2 penalty λ on leaf values. */
  l2: number
  /** Minimum gain for a split. */
  minGain: number
  /** Shrinkage applied to leaf values. */
  learningRate: number
}

/** The binned training data a tree is grown on. */
export interface BinnedData {
  /** Column-major bins (`bins[f * rows + i]`). */
  bins: Uint8Array
  rows: number
  features: number
  /** Value bins of each feature (edges + 1); bin 0, missing, comes on top. */
  valueBins: number[]
}

interface Split {
  feature: number
  bin: number
  missingLeft: boolean
  gain: number
}

const STRIDE = 3 // gradient, hessian, count

/**
 * Grows one depth-limited regression tree on gradients and hessians (second-order boosting, as
 * in XGBoost/LightGBM) from per-feature histograms. A child's histogram is built for the smaller
 * side only; the larger one is the parent's minus it.
 */
export function growHistogramTree(
  data: BinnedData,
  grad: Float64Array,
  hess: Float64Array,
  rowIndex: Uint32Array,
  params: TreeGrowthParams,
  /** When given, receives each grown row's leaf value (`out[i] += value`), saving a traversal. */
  addTo?: Float64Array,
): BinTreeNode {
  const offsets: number[] = []
  let total = 0
  for (let f = 0; f < data.features; f++) {
    offsets.push(total)
    total += (data.valueBins[f] as number) + 1
  }
  const rows = Uint32Array.from(rowIndex)
  const score = (g: number, h: number) => (g * g) / (h + params.l2)
  const leaf = (g: number, h: number): { value: number } => ({
    value: Math.fround((-g / (h + params.l2)) * params.learningRate),
  })

  // Gradients of a node's rows, gathered contiguously once instead of once per feature.
  const gNode = new Float64Array(rows.length)
  const hNode = new Float64Array(rows.length)
  const bins = data.bins
  const scratch = new Uint32Array(rows.length)
  const buildHistogram = (start: number, end: number): Float64Array => {
    const hist = new Float64Array(total * STRIDE)
    const len = end - start
    for (let k = 0; k < len; k++) {
      const i = rows[start + k] as number
      gNode[k] = grad[i] as number
      hNode[k] = hess[i] as number
    }
    for (let f = 0; f < data.features; f++) {
      const base = f * data.rows
      const off = offsets[f] as number
      for (let k = 0; k < len; k++) {
        const at = (off + (bins[base + (rows[start + k] as number)] as number)) * STRIDE
        hist[at] = (hist[at] as number) + (gNode[k] as number)
        hist[at + 1] = (hist[at + 1] as number) + (hNode[k] as number)
        hist[at + 2] = (hist[at + 2] as number) + 1
      }
    }
    return hist
  }

  const bestSplit = (hist: Float64Array, G: number, H: number, C: number): Split | undefined => {
    let best: Split | undefined
    const parent = score(G, H)
    const consider = (
      f: number,
      b: number,
      gl: number,
      hl: number,
      cl: number,
      missingLeft: boolean,
      mc: number,
    ) => {
      const cr = C - cl
      if (cl < params.minSamplesLeaf || cr < params.minSamplesLeaf) return
      const hr = H - hl
      if (hl < params.minChildWeight || hr < params.minChildWeight) return
      const gain = 0.5 * (score(gl, hl) + score(G - gl, hr) - parent)
      if (gain > params.minGain && (best === undefined || gain > best.gain)) {
        // Without missing values in training, unseen NaNs follow the larger child.
        best = { feature: f, bin: b, missingLeft: mc > 0 ? missingLeft : cl >= cr, gain }
      }
    }
    for (let f = 0; f < data.features; f++) {
      const off = (offsets[f] as number) * STRIDE
      const k = data.valueBins[f] as number
      const mg = hist[off] as number
      const mh = hist[off + 1] as number
      const mc = hist[off + 2] as number
      let lg = 0
      let lh = 0
      let lc = 0
      for (let b = 1; b < k; b++) {
        const at = off + b * STRIDE
        lg += hist[at] as number
        lh += hist[at + 1] as number
        lc += hist[at + 2] as number
        consider(f, b, lg, lh, lc, false, mc)
        if (mc > 0) consider(f, b, lg + mg, lh + mh, lc + mc, true, mc)
      }
    }
    return best
  }

  const grow = (start: number, end: number, hist: Float64Array, depth: number): BinTreeNode => {
    // Totals from feature 0's bins (every row falls in exactly one of them).
    let G = 0
    let H = 0
    let C = 0
    const k0 = (data.valueBins[0] as number) + 1
    for (let b = 0; b < k0; b++) {
      G += hist[b * STRIDE] as number
      H += hist[b * STRIDE + 1] as number
      C += hist[b * STRIDE + 2] as number
    }
    const makeLeaf = () => {
      const node = leaf(G, H)
      if (addTo !== undefined) {
        for (let k = start; k < end; k++) {
          const i = rows[k] as number
          addTo[i] = (addTo[i] as number) + node.value
        }
      }
      return node
    }
    if (depth >= params.maxDepth || C < 2 * params.minSamplesLeaf) return makeLeaf()
    const split = bestSplit(hist, G, H, C)
    if (split === undefined) return makeLeaf()
    // Stable partition of rows[start, end), left rows first: rows stay in ascending order, so
    // histogram passes read the column-major bins front to back (3× faster than shuffled).
    const base = split.feature * data.rows
    let mid = start
    let spilled = 0
    for (let k = start; k < end; k++) {
      const i = rows[k] as number
      const bin = bins[base + i] as number
      if (bin === 0 ? split.missingLeft : bin <= split.bin) rows[mid++] = i
      else scratch[spilled++] = i
    }
    rows.set(scratch.subarray(0, spilled), mid)
    const leftSmaller = mid - start <= end - mid
    const small = leftSmaller ? buildHistogram(start, mid) : buildHistogram(mid, end)
    for (let a = 0; a < hist.length; a++) hist[a] = (hist[a] as number) - (small[a] as number)
    const [leftHist, rightHist] = leftSmaller ? [small, hist] : [hist, small]
    const left = grow(start, mid, leftHist, depth + 1)
    const right = grow(mid, end, rightHist, depth + 1)
    return { ...split, left, right }
  }

  return grow(0, rows.length, buildHistogram(0, rows.length), 0)
}

/** Adds the tree's value for each row `i` (all rows of `data`) to `margins[i]`. */
export function addBinTree(tree: BinTreeNode, data: BinnedData, margins: Float64Array): void {
  // Flattened into typed arrays: traversing objects with `in` checks is several times slower.
  const feature: number[] = []
  const bin: number[] = []
  const missingLeft: number[] = []
  const left: number[] = []
  const right: number[] = []
  const value: number[] = []
  const visit = (node: BinTreeNode): number => {
    const id = feature.length
    feature.push(-1)
    bin.push(0)
    missingLeft.push(0)
    left.push(0)
    right.push(0)
    value.push(0)
    if ('value' in node) {
      value[id] = node.value
      return id
    }
    feature[id] = node.feature
    bin[id] = node.bin
    missingLeft[id] = node.missingLeft ? 1 : 0
    left[id] = visit(node.left)
    right[id] = visit(node.right)
    return id
  }
  visit(tree)
  const f = Int32Array.from(feature)
  const b = Int32Array.from(bin)
  const ml = Uint8Array.from(missingLeft)
  const l = Int32Array.from(left)
  const r = Int32Array.from(right)
  const v = Float64Array.from(value)
  const bins = data.bins
  for (let i = 0; i < data.rows; i++) {
    let id = 0
    for (let feat = f[0] as number; feat >= 0; feat = f[id] as number) {
      const x = bins[feat * data.rows + i] as number
      id = (x === 0 ? ml[id] === 1 : x <= (b[id] as number)) ? (l[id] as number) : (r[id] as number)
    }
    margins[i] = (margins[i] as number) + (v[id] as number)
  }
}
