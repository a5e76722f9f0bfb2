import { describe, expect, it } from 'vitest'
import {
  aucPlacements,
  brier,
  delongIndependent,
  delongPaired,
  logLoss,
  midranks,
  pairedProportions,
  pairedT,
  twoProportions,
  welch,
  worseByMoreThan,
} from './label-statistics.js'

// Reference values: test/compat/python/label_statistics.py (scikit-learn 1.9.1, SciPy 1.16.3, and
// DeLong's variance from the O(m·n) kernel matrix); test/compat/label-statistics.test.ts re-runs
// it on random data where the venv is.
const Y = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1]
const S = [0.9, 0.2, 0.7, 0.7, 0.4, 0.1, 0.35, 0.7, 0.8, 0.3, 0.5, 0.6]
const Y2 = [0, 1, 1, 0, 0, 1, 0, 1, 1, 0]
const S2 = [0.3, 0.6, 0.4, 0.5, 0.2, 0.9, 0.6, 0.55, 0.3, 0.1]
const SP = [0.6, 0.3, 0.65, 0.5, 0.5, 0.2, 0.4, 0.3, 0.7, 0.45, 0.2, 0.5]

describe('label-guard statistics', () => {
  it('midranks share tied ranks', () => {
    expect(midranks([3, 1, 3, 2, 3])).toEqual([4, 1, 4, 2, 4])
  })

  it("AUC and DeLong's test for independent samples", () => {
    expect(aucPlacements(Y, S)?.auc).toBeCloseTo(0.8611111111111112, 12)
    const d = delongIndependent({ labels: Y, scores: S }, { labels: Y2, scores: S2 })
    expect(d?.candidate).toBeCloseTo(0.8611111111111112, 12)
    expect(d?.champion).toBeCloseTo(0.76, 12)
    expect(d?.se).toBeCloseTo(0.19847256239765576, 12)
    expect(aucPlacements([1, 1], [0.2, 0.3])).toBeNull()
  })

  it("DeLong's test for paired scorings", () => {
    const d = delongPaired(Y, S, SP)
    expect(d?.candidate).toBeCloseTo(0.8611111111111112, 12)
    expect(d?.champion).toBeCloseTo(0.9166666666666667, 12)
    expect(d?.se).toBeCloseTo(0.1061387398585711, 12)
  })

  it('log loss and Brier per prediction average to scikit-learn', () => {
    const mean = (f: (y: number, p: number) => number) =>
      Y.reduce((a, y, i) => a + f(y, S[i] as number), 0) / Y.length
    expect(mean(logLoss)).toBeCloseTo(0.47463552688973415, 12)
    expect(mean(brier)).toBeCloseTo(0.154375, 12)
  })

  it("Welch's and the paired t-test give SciPy's one-sided p-values", () => {
    const a = [0.3, 0.5, 0.9, 0.2, 0.4, 0.8, 0.6]
    const w = welch(a, [0.1, 0.3, 0.2, 0.4, 0.25, 0.35, 0.15, 0.3, 0.2])
    expect(w.difference / w.se).toBeCloseTo(2.7277618803081873, 10)
    expect(w.dof).toBeCloseTo(7.3376380656172655, 10)
    expect(worseByMoreThan(w, 0, false, 0.05).pValue).toBeCloseTo(0.014065378760024238, 10)
    const p = pairedT(a, [0.2, 0.55, 0.6, 0.25, 0.3, 0.5, 0.65])
    expect(p.difference / p.se).toBeCloseTo(1.5688100740828028, 10)
    expect(p.dof).toBe(6)
    expect(worseByMoreThan(p, 0, false, 0.05).pValue).toBeCloseTo(0.08387077575034026, 10)
  })

  it('proportions: independent (Wald) and paired (McNemar pairs)', () => {
    const u = twoProportions({ k: 80, n: 100 }, { k: 90, n: 100 })
    expect(u.difference).toBeCloseTo(-0.1, 12)
    expect(u.se).toBeCloseTo(0.05, 12)
    // degradation 0.1 over a margin 0.02: z = 0.08 / 0.05 = 1.6, p = 1 − Φ(1.6)
    const t = worseByMoreThan(u, 0.02, true, 0.05)
    expect(t.degradation).toBeCloseTo(0.1, 12)
    expect(t.pValue).toBeCloseTo(0.054799291699557967, 10)
    expect(t.interval[0]).toBeCloseTo(-0.1 - 1.959963984540054 * 0.05, 10)
    expect(t.interval[1]).toBeCloseTo(-0.1 + 1.959963984540054 * 0.05, 10)
    const p = pairedProportions({ n: 100, both: 70, candidateOnly: 5, championOnly: 15 })
    expect(p.candidate).toBeCloseTo(0.75, 12)
    expect(p.champion).toBeCloseTo(0.85, 12)
    expect(p.se).toBeCloseTo(Math.sqrt(19) / 100, 12)
  })

  it('a zero standard error decides by the point difference', () => {
    const est = { candidate: 1, champion: 0.5, difference: 0.5, se: 0, dof: Number.POSITIVE_INFINITY }
    expect(worseByMoreThan(est, 0.01, true, 0.05).pValue).toBe(1)
    expect(worseByMoreThan(est, 0.01, false, 0.05).pValue).toBe(0)
  })
})
