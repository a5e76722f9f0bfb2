import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { binOf, computeFeatureBinning } from './feature-binning.js'
import { GradientBoostedTreesModel, trainGradientBoostedTrees } from './gradient-boosted-trees.js'
import { trainLogisticRegression } from './logistic-regression.js'
import { rocAuc } from './metrics.js'
import { createRng } from './random.js'

/** XOR of two signs (no linear signal), 10% label noise, 3 noise features, some missing values. */
function xor(n: number, seed: number) {
  const rng = createRng(seed)
  const x: number[][] = []
  const y: number[] = []
  const p: number[] = []
  for (let i = 0; i < n; i++) {
    const a = rng.next() * 2 - 1
    const b = rng.next() * 2 - 1
    const prob = a * b > 0 ? 0.9 : 0.1
    const row = [a, b, rng.normal(), rng.normal(), rng.next()]
    if (rng.next() < 0.05) row[2] = Number.NaN
    x.push(row)
    p.push(prob)
    y.push(rng.next() < prob ? 1 : 0)
  }
  return { x, y, p }
}

/** Missingness carries the signal: rows with feature 0 missing are positive 80% of the time, others 20%. */
function informativeMissing(n: number, seed: number) {
  const rng = createRng(seed)
  const x: number[][] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    const missing = rng.next() < 0.3
    x.push([missing ? Number.NaN : rng.normal(), rng.normal()])
    y.push(rng.next() < (missing ? 0.8 : 0.2) ? 1 : 0)
  }
  return { x, y }
}

async function onnxRun(bytes: Uint8Array, rows: number[][]) {
  const session = await ort.InferenceSession.create(bytes)
  try {
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [
      rows.length,
      rows[0]?.length ?? 0,
    ])
    const out = await session.run({ features: input })
    const probs = out.probabilities?.data as Float32Array
    return {
      p1: Array.from({ length: rows.length }, (_, i) => probs[2 * i + 1] as number),
      labels: Array.from(out.label?.data as BigInt64Array, Number),
    }
  } finally {
    await session.release()
  }
}

describe('feature binning', () => {
  it('gives each distinct value its own bin when there are few, NaN bin 0', () => {
    const m = { rows: 6, cols: 1, data: Float64Array.from([3, 1, 2, 2, Number.NaN, 1]) }
    const { edges } = computeFeatureBinning(m, 16)
    expect(Array.from(edges[0] ?? [])).toEqual([1, 2])
    const e = edges[0] as Float64Array
    expect([Number.NaN, 0.5, 1, 1.5, 2, 3, 99].map((v) => binOf(e, v))).toEqual([0, 1, 1, 2, 2, 3, 3])
  })

  it('uses at most maxBins - 2 ascending quantile edges taken from the data', () => {
    const rng = createRng(3)
    const data = Float64Array.from({ length: 10_000 }, () => rng.normal())
    const { edges } = computeFeatureBinning({ rows: data.length, cols: 1, data }, 34)
    const e = edges[0] as Float64Array
    expect(e.length).toBeLessThanOrEqual(32)
    expect(e.length).toBeGreaterThan(25)
    for (let i = 1; i < e.length; i++) expect(e[i]).toBeGreaterThan(e[i - 1] as number)
    for (const v of e) expect(Math.fround(v)).toBe(v)
  })
})

describe('trainGradientBoostedTrees', () => {
  const train = xor(6000, 1)
  const test = xor(4000, 2)

  it('learns an interaction that logistic regression cannot, near the true model’s held-out AUC', () => {
    const finite = (rows: number[][]) => rows.map((r) => r.map((v) => (Number.isNaN(v) ? 0 : v)))
    const linear = trainLogisticRegression(finite(train.x), train.y)
    const linearAuc = rocAuc(test.y, linear.predictProba(finite(test.x)))
    const trainLosses: number[] = []
    const model = trainGradientBoostedTrees(train.x, train.y, {
      iterations: 60,
      maxDepth: 3,
      learningRate: 0.2,
      onIteration: (it) => {
        trainLosses.push(it.trainLoss)
        return undefined
      },
    })
    const auc = rocAuc(test.y, model.predictProba(test.x))
    const bar = rocAuc(test.y, test.p) - 0.02
    expect(linearAuc).toBeLessThan(0.6)
    expect(auc).toBeGreaterThan(bar)
    expect(trainLosses).toHaveLength(60)
    for (let i = 1; i < trainLosses.length; i++)
      expect(trainLosses[i]).toBeLessThan(trainLosses[i - 1] as number)
    const [a, b, ...noise] = model.featureImportance
    expect(Math.min(a as number, b as number)).toBeGreaterThan(Math.max(...noise) * 5)
  })

  it('learns which way missing values go', () => {
    const data = informativeMissing(4000, 5)
    const model = trainGradientBoostedTrees(data.x, data.y, { iterations: 20, maxDepth: 2 })
    const [missing, present] = model.predictProba([
      [Number.NaN, 0],
      [0.1, 0],
    ])
    expect(missing).toBeGreaterThan(0.7)
    expect(present).toBeLessThan(0.3)
  })

  it('stops early on a validation set and keeps the best round', () => {
    const validation = xor(2000, 3)
    const reports: { iteration: number; validationLoss?: number }[] = []
    const model = trainGradientBoostedTrees(train.x.slice(0, 1500), train.y.slice(0, 1500), {
      iterations: 400,
      maxDepth: 6,
      minSamplesLeaf: 1,
      learningRate: 0.5,
      validation: { x: validation.x, y: validation.y },
      earlyStoppingRounds: 10,
      onIteration: (it) => {
        reports.push(it)
        return undefined
      },
    })
    expect(reports.length).toBeLessThan(400)
    const best = reports.reduce((a, b) => ((b.validationLoss ?? 0) < (a.validationLoss ?? 0) ? b : a))
    expect(model.ensemble.trees).toHaveLength(best.iteration)
    expect(reports.length).toBe(best.iteration + 10)
  })

  it('exports ONNX whose probabilities and labels match predictProba to 1e-6, NaNs and thresholds included', async () => {
    const model = trainGradientBoostedTrees(train.x, train.y, { iterations: 40, maxDepth: 4, subsample: 0.8 })
    const thresholds: number[] = []
    const walk = (n: (typeof model.ensemble.trees)[number]) => {
      if ('values' in n) return
      thresholds.push(n.threshold)
      walk(n.left)
      walk(n.right)
    }
    model.ensemble.trees.forEach(walk)
    const rng = createRng(11)
    const rows = Array.from({ length: 1000 }, () =>
      Array.from({ length: 5 }, () => {
        const r = rng.next()
        if (r < 0.1) return Number.NaN
        if (r < 0.3) return thresholds[Math.floor(rng.next() * thresholds.length)] as number
        return Math.fround(rng.normal())
      }),
    )
    const onnx = await onnxRun(model.toOnnx(), rows)
    const ts = model.predictProba(rows)
    ts.forEach((p, i) => {
      expect(Math.abs(p - (onnx.p1[i] as number))).toBeLessThanOrEqual(1e-6)
    })
    expect(onnx.labels).toEqual(Array.from(model.predict(rows)))
  })

  it('is deterministic for a seed and round-trips through JSON', () => {
    const opts = { iterations: 5, subsample: 0.5, seed: 7 }
    const a = trainGradientBoostedTrees(train.x.slice(0, 1000), train.y.slice(0, 1000), opts)
    const b = trainGradientBoostedTrees(train.x.slice(0, 1000), train.y.slice(0, 1000), opts)
    expect(JSON.stringify(a)).toBe(JSON.stringify(b))
    const copy = GradientBoostedTreesModel.fromJSON(JSON.parse(JSON.stringify(a)))
    expect(Array.from(copy.predictProba(test.x.slice(0, 100)))).toEqual(
      Array.from(a.predictProba(test.x.slice(0, 100))),
    )
  })
})
