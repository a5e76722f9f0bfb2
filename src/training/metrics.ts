import { StrataError } from '../core/errors.js'

function check(y: ArrayLike<number>, p: ArrayLike<number>, what: string): void {
  if (y.length !== p.length) {
    throw new StrataError('INVALID_ARGUMENT', `${what}: ${y.length} labels but ${p.length} predictions`)
  }
  if (y.length === 0) throw new StrataError('INVALID_ARGUMENT', `${what}: no rows`)
}

/**
 * Mean binary cross-entropy of probabilities `p` for 0/1 labels `y`; probabilities are clipped
 * to `[eps, 1 - eps]` (default 1e-15) so a confident mistake costs a large but finite loss.
 */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>, eps = 1e-15): number {
  check(y, p, 'logLoss')
  let total = 0
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i] as number))
    total -= y[i] === 1 ? Math.log(q) : Math.log(1 - q)
  }
  return total / y.length
}

/** Share of rows whose prediction `p > threshold` equals the 0/1 label. */
export function accuracy(y: ArrayLike<number>, p: ArrayLike<number>, threshold = 0.5): number {
  check(y, p, 'accuracy')
  let right = 0
  for (let i = 0; i < y.length; i++) if (((p[i] as number) > threshold ? 1 : 0) === y[i]) right++
  return right / y.length
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting one half (Mann–Whitney U with average ranks). `NaN` when one class is absent.
 */
export function rocAuc(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  check(y, scores, 'rocAuc')
  const n = y.length
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  )
  let positives = 0
  let rankSum = 0
  for (let start = 0; start < n; ) {
    let end = start
    while (end + 1 < n && scores[order[end + 1] as number] === scores[order[start] as number]) end++
    const averageRank = (start + end) / 2 + 1
    for (let k = start; k <= end; k++) {
      if (y[order[k] as number] === 1) {
        positives++
        rankSum += averageRank
      }
    }
    start = end + 1
  }
  const negatives = n - positives
  if (positives === 0 || negatives === 0) return Number.NaN
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/** Confusion counts and the rates derived from them at one threshold. */
export interface ThresholdMetrics {
  threshold: number
  truePositives: number
  falsePositives: number
  trueNegatives: number
  falseNegatives: number
  /** `tp / (tp + fp)`, or 0 when nothing is predicted positive. */
  precision: number
  /** `tp / (tp + fn)`, or 0 when there are no positives. */
  recall: number
  f1: number
}

/** Precision, recall and F1 of predicting 1 where `p > threshold` (default 0.5). */
export function precisionRecall(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  threshold = 0.5,
): ThresholdMetrics {
  check(y, p, 'precisionRecall')
  let tp = 0
  let fp = 0
  let tn = 0
  let fn = 0
  for (let i = 0; i < y.length; i++) {
    const predicted = (p[i] as number) > threshold
    if (y[i] === 1) predicted ? tp++ : fn++
    else predicted ? fp++ : tn++
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp)
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn)
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
  return {
    threshold,
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    precision,
    recall,
    f1,
  }
}

/** The usual evaluation metrics of a binary classifier, flat for logging as run metrics. */
export interface BinaryClassificationMetrics {
  logLoss: number
  auc: number
  accuracy: number
  precision: number
  recall: number
  f1: number
  positiveRate: number
}

/** Log loss, AUC, accuracy, precision, recall, F1 and the label's positive rate. */
export function binaryClassificationMetrics(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  threshold = 0.5,
): BinaryClassificationMetrics {
  const pr = precisionRecall(y, p, threshold)
  let positives = 0
  for (let i = 0; i < y.length; i++) if (y[i] === 1) positives++
  return {
    logLoss: logLoss(y, p),
    auc: rocAuc(y, p),
    accuracy: accuracy(y, p, threshold),
    precision: pr.precision,
    recall: pr.recall,
    f1: pr.f1,
    positiveRate: positives / y.length,
  }
}
