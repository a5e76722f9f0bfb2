/**
 * The two ONNX models of bench/serving-peers.bench.ts, built in process so every server runs
 * the same bytes:
 *
 * - `gbdt`: the demo's model shape — a gradient-boosted tree classifier of 80 trees of depth 6
 *   over 11 float features (Strata's own trainer and ONNX writer, as the flights training
 *   pipeline uses), trained on a fixed synthetic set; outputs `label` INT64 [N] and
 *   `probabilities` FP32 [N, 2].
 * - `mlp`: a small multi-layer perceptron, 32 → 64 → 64 → 1 (MatMul, Add, Relu, Sigmoid) with
 *   fixed pseudo-random weights; output `probability` FP32 [N, 1].
 */
import { encodeOnnxModel, ONNX_DATA_TYPE, ONNX_DEFAULT_OPSET } from '../src/registry/onnx/index.js'
import { trainGradientBoostedTrees } from '../src/training/index.js'
import { seeded } from '../test/support/delivery-models.js'

/** A model of the bench: its ONNX bytes and the width of its `features` input. */
export interface BenchModel {
  name: 'gbdt' | 'mlp'
  onnx: Uint8Array
  features: number
}

/** The demo-shaped GBDT: 80 trees of depth 6 over 11 features. */
export function gbdtModel(): BenchModel {
  const rand = seeded(7)
  const features = 11
  const x: number[][] = []
  const y: number[] = []
  for (let i = 0; i < 20_000; i++) {
    const row = Array.from({ length: features }, () => rand() * 10)
    const margin = 0.4 * (row[0] ?? 0) - 0.3 * (row[1] ?? 0) + ((row[2] ?? 0) > 5 ? 1 : -1) + rand() * 2 - 1
    x.push(row)
    y.push(margin > 0.5 ? 1 : 0)
  }
  const model = trainGradientBoostedTrees(x, y, {
    iterations: 80,
    maxDepth: 6,
    learningRate: 0.2,
    minSamplesLeaf: 20,
    seed: 1,
  })
  return { name: 'gbdt', onnx: model.toOnnx(), features }
}

/** The MLP: 32 → 64 → 64 → 1 with ReLU and a sigmoid. */
export function mlpModel(): BenchModel {
  const rand = seeded(11)
  const widths = [32, 64, 64, 1]
  const initializers = []
  const nodes = []
  let current = 'features'
  for (let layer = 0; layer < widths.length - 1; layer++) {
    const from = widths[layer] as number
    const to = widths[layer + 1] as number
    const scale = Math.sqrt(2 / from)
    initializers.push(
      {
        name: `w${layer}`,
        dataType: ONNX_DATA_TYPE.FLOAT,
        dims: [from, to],
        floatData: Array.from({ length: from * to }, () => (rand() * 2 - 1) * scale),
      },
      {
        name: `b${layer}`,
        dataType: ONNX_DATA_TYPE.FLOAT,
        dims: [to],
        floatData: Array.from({ length: to }, () => 0.01),
      },
    )
    const last = layer === widths.length - 2
    nodes.push(
      {
        opType: 'MatMul',
        domain: '',
        name: `matmul${layer}`,
        inputs: [current, `w${layer}`],
        outputs: [`mm${layer}`],
        attributes: [],
      },
      {
        opType: 'Add',
        domain: '',
        name: `add${layer}`,
        inputs: [`mm${layer}`, `b${layer}`],
        outputs: [`z${layer}`],
        attributes: [],
      },
      {
        opType: last ? 'Sigmoid' : 'Relu',
        domain: '',
        name: `act${layer}`,
        inputs: [`z${layer}`],
        outputs: [last ? 'probability' : `h${layer}`],
        attributes: [],
      },
    )
    current = `h${layer}`
  }
  const onnx = encodeOnnxModel({
    graphName: 'bench_mlp',
    opsets: { '': ONNX_DEFAULT_OPSET },
    inputs: [{ name: 'features', elemType: ONNX_DATA_TYPE.FLOAT, dims: ['N', 32] }],
    outputs: [{ name: 'probability', elemType: ONNX_DATA_TYPE.FLOAT, dims: ['N', 1] }],
    initializers,
    nodes,
  })
  return { name: 'mlp', onnx, features: 32 }
}

/** `rows` rows of `features` floats in [0, 10), the same for every server. */
export function benchRows(rows: number, features: number, seed = 3): number[] {
  const rand = seeded(seed)
  return Array.from({ length: rows * features }, () => Math.round(rand() * 1000) / 100)
}
