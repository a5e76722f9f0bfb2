import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { isStrataError } from '../core/errors.js'
import { sigmoid } from './binary-classifier.js'
import { LogisticRegressionModel, trainLogisticRegression } from './logistic-regression.js'
import { rocAuc } from './metrics.js'
import { createRng } from './random.js'

const TRUE_W = [1.5, -2, 0.5, 0, 1]
const TRUE_B = -0.3

function sample(n: number, seed: number) {
  const rng = createRng(seed)
  const x: number[][] = []
  const y: number[] = []
  const p: number[] = []
  for (let i = 0; i < n; i++) {
    const row = TRUE_W.map(() => rng.normal())
    const prob = sigmoid(TRUE_B + row.reduce((s, v, j) => s + v * (TRUE_W[j] as number), 0))
    x.push(row)
    p.push(prob)
    y.push(rng.next() < prob ? 1 : 0)
  }
  return { x, y, p }
}

async function onnxProbabilities(bytes: Uint8Array, rows: number[][]) {
  const session = await ort.InferenceSession.create(bytes)
  try {
    const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [
      rows.length,
      rows[0]?.length ?? 0,
    ])
    const out = await session.run({ features: input })
    const probs = out.probabilities?.data as Float32Array
    const labels = Array.from(out.label?.data as BigInt64Array, Number)
    return { p1: Array.from({ length: rows.length }, (_, i) => probs[2 * i + 1] as number), labels }
  } finally {
    await session.release()
  }
}

describe('trainLogisticRegression', () => {
  const train = sample(4000, 1)
  const test = sample(4000, 2)

  it('recovers the generating coefficients and reaches the true model’s held-out AUC', () => {
    const losses: number[] = []
    const model = trainLogisticRegression(train.x, train.y, {
      l2: 1e-6,
      onIteration: (it) => {
        losses.push(it.loss)
        return undefined
      },
    })
    TRUE_W.forEach((w, j) => {
      expect(Math.abs((model.coefficients[j] as number) - w)).toBeLessThan(0.2)
    })
    expect(Math.abs(model.intercept - TRUE_B)).toBeLessThan(0.2)
    const bar = rocAuc(test.y, test.p) - 0.005
    expect(rocAuc(test.y, model.predictProba(test.x))).toBeGreaterThan(bar)
    expect(losses.length).toBeGreaterThan(2)
    expect(losses[0]).toBeLessThan(Math.log(2))
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThanOrEqual(losses[i - 1] as number)
  })

  it('folds standardization into the coefficients: rescaled, shifted features give the same predictions', () => {
    const scale = [1000, 0.001, 1, 50, 1]
    const shift = [500, 0, -3, 20, 0]
    const transform = (rows: number[][]) =>
      rows.map((r) => r.map((v, j) => v * (scale[j] as number) + (shift[j] as number)))
    const plain = trainLogisticRegression(train.x, train.y, { l2: 1e-3 })
    const scaled = trainLogisticRegression(transform(train.x), train.y, { l2: 1e-3 })
    const a = plain.predictProba(test.x)
    const b = scaled.predictProba(transform(test.x))
    a.forEach((v, i) => {
      expect(Math.abs(v - (b[i] as number))).toBeLessThan(1e-3)
    })
    expect(scaled.coefficients[0]).toBeCloseTo((plain.coefficients[0] as number) / 1000, 5)
  })

  it('shrinks coefficients as the L2 penalty grows', () => {
    const norm = (m: LogisticRegressionModel) => Math.hypot(...m.coefficients)
    const weak = trainLogisticRegression(train.x, train.y, { l2: 1e-4 })
    const strong = trainLogisticRegression(train.x, train.y, { l2: 1 })
    expect(norm(strong)).toBeLessThan(norm(weak) * 0.6)
  })

  it('exports ONNX whose probabilities and labels match predictProba to 1e-6', async () => {
    const model = trainLogisticRegression(train.x, train.y, { featureNames: ['a', 'b', 'c', 'd', 'e'] })
    const rng = createRng(9)
    const rows = Array.from({ length: 500 }, () => TRUE_W.map(() => Math.fround(rng.normal() * 2)))
    const onnx = await onnxProbabilities(model.toOnnx(), rows)
    const ts = model.predictProba(rows)
    ts.forEach((p, i) => {
      expect(Math.abs(p - (onnx.p1[i] as number))).toBeLessThanOrEqual(1e-6)
    })
    expect(onnx.labels).toEqual(Array.from(model.predict(rows)))
  })

  it('round-trips through JSON', () => {
    const model = trainLogisticRegression(train.x.slice(0, 500), train.y.slice(0, 500))
    const copy = LogisticRegressionModel.fromJSON(JSON.parse(JSON.stringify(model)))
    expect(Array.from(copy.predictProba(test.x.slice(0, 50)))).toEqual(
      Array.from(model.predictProba(test.x.slice(0, 50))),
    )
  })

  it('rejects missing values and non-binary labels with INVALID_ARGUMENT', () => {
    const nan = (() => {
      try {
        trainLogisticRegression(
          [
            [1, Number.NaN],
            [0, 1],
          ],
          [0, 1],
        )
      } catch (e) {
        return e
      }
    })()
    expect(isStrataError(nan, 'INVALID_ARGUMENT')).toBe(true)
    expect((nan as Error).message).toContain('feature 1 of row 0 is NaN')
    expect(() => trainLogisticRegression([[1], [2]], [0, 2])).toThrow(/label 2 at row 1 is invalid/)
  })
})
