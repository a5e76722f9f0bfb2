import { describe, expect, it } from 'vitest'
import { accuracy, binaryClassificationMetrics, logLoss, precisionRecall, rocAuc } from './metrics.js'

describe('classification metrics', () => {
  it('computes AUC as the share of correctly ordered pairs, ties counting one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75)
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5)
    expect(rocAuc([0, 1, 1], [0.2, 0.2, 0.9])).toBe(0.75)
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN()
  })

  it('computes log loss with clipping', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12)
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 6)
  })

  it('computes accuracy, precision, recall and F1 at a threshold', () => {
    const y = [1, 1, 0, 0, 1]
    const p = [0.9, 0.4, 0.6, 0.1, 0.7]
    expect(accuracy(y, p)).toBe(0.6)
    const pr = precisionRecall(y, p)
    expect(pr).toMatchObject({ truePositives: 2, falsePositives: 1, trueNegatives: 1, falseNegatives: 1 })
    expect(pr.precision).toBeCloseTo(2 / 3, 12)
    expect(pr.recall).toBeCloseTo(2 / 3, 12)
    expect(precisionRecall(y, p, 0.95)).toMatchObject({ precision: 0, recall: 0, f1: 0 })
    expect(binaryClassificationMetrics(y, p).positiveRate).toBe(0.6)
  })

  it('rejects mismatched lengths', () => {
    expect(() => rocAuc([1, 0], [0.5])).toThrow(/2 labels but 1 predictions/)
  })
})
