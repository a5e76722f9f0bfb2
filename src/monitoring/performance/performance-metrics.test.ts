import { expect, it } from 'vitest'
import { strataThrow } from '../../../test/support/strata-error.js'
import { rocAuc, scorePerformance } from './performance-metrics.js'

it('AUC by ranks handles ties and a single class', () => {
  expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12)
  expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBeCloseTo(0.5, 12)
  expect(rocAuc([0.2, 0.3], [1, 1])).toBeNull()
})

it('scores a classifier window on the labels that have arrived and flags broken bounds', () => {
  const r = scorePerformance(
    { task: 'classification', prediction: 'p', label: 'y', min: { accuracy: 0.9 }, max: { logLoss: 10 } },
    { p: [0.9, 0.2, 0.7, 0.4, 0.6], y: [1, 0, 0, true, null] },
  )
  expect(r).toMatchObject({ labeled: 4, unlabeled: 1, violations: ['accuracy 0.5000 < 0.9'] })
  expect(r.metrics).toMatchObject({ accuracy: 0.5, precision: 0.5, recall: 0.5 })
  expect(r.metrics.logLoss).toBeCloseTo(
    -(Math.log(0.9) + Math.log(0.8) + Math.log(0.3) + Math.log(0.4)) / 4,
    12,
  )
  // Positives 0.9, 0.4 against negatives 0.2, 0.7: 3 of 4 pairs ordered.
  expect(r.metrics.auc).toBeCloseTo(0.75, 12)
})

it('scores a regressor and rejects a non-binary label and a missing column', () => {
  const r = scorePerformance(
    { task: 'regression', prediction: 'p', label: 'y', max: { mae: 0.5 } },
    { p: [1, 2, 3], y: [1, 4, '3'] },
  )
  expect(r.metrics.mae).toBeCloseTo(2 / 3, 12)
  expect(r.metrics.rmse).toBeCloseTo(Math.sqrt(4 / 3), 12)
  expect(r.violations).toEqual(['mae 0.6667 > 0.5'])
  expect(
    strataThrow(() =>
      scorePerformance({ task: 'classification', prediction: 'p', label: 'y' }, { p: [0.5], y: [2] }),
    ).message,
  ).toMatch(/label 2 .* not a binary class/)
  expect(
    strataThrow(() =>
      scorePerformance({ task: 'regression', prediction: 'q', label: 'y' }, { p: [1], y: [1] }),
    ).message,
  ).toMatch(/"q" is not in the window; its columns are p, y/)
})
