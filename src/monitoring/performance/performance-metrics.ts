import { StrataError } from '../../core/errors.js'

/** How predictions are scored against labels in a window. */
export interface PerformanceSpec {
  /** `classification`: binary, the prediction a probability of the positive class (label 0/1 or true/false); `regression`: numbers. */
  task: 'classification' | 'regression'
  /**
   * The model output compared with the truth: a column of the window — a logged output (or
   * input) of a payload-log window, a table column of a dataset window. `name[k]` takes element
   * k of a vector output, e.g. `probabilities[1]` for a `[n, 2]` probability output.
   */
  prediction: string
  /**
   * The ground truth: `@label` for the labels ingested later (payload-log windows; the label
   * join's own name, never a model output's), or the table column holding it (dataset windows).
   * Null while a label has not arrived.
   */
  label: string
  /**
   * How long labels take to arrive (`7d`, `12h`; default 0): a run scores the window that ended
   * this long before the run's window, so its labels have had time to arrive.
   */
  labelDelay?: string
  /** Classification: probability at or above which the predicted class is positive (default 0.5). */
  cutoff?: number
  /** Alert when a metric falls below its bound (e.g. `{ auc: 0.7, accuracy: 0.8 }`). */
  min?: Partial<Record<'auc' | 'accuracy' | 'precision' | 'recall', number>>
  /** Alert when a metric rises above its bound (e.g. `{ logLoss: 0.6, mae: 5 }`). */
  max?: Partial<Record<'logLoss' | 'mae' | 'rmse', number>>
}

/** A window's performance: metrics over the rows whose label has arrived. */
export interface PerformanceResult {
  task: PerformanceSpec['task']
  /** Rows with both a prediction and a label. */
  labeled: number
  /** Rows still waiting for their label. */
  unlabeled: number
  /** Metric → value (`null` when undefined for the window, e.g. AUC with one class). */
  metrics: Record<string, number | null>
  /** Bounds broken (`auc < 0.7`). */
  violations: string[]
  /** The window scored (with a `labelDelay`, earlier than the drift window). */
  window?: { start: number; end: number }
  /** Per model version (payload-log windows): labeled and unlabeled rows and the same metrics. */
  byVersion?: Record<string, { labeled: number; unlabeled: number; metrics: Record<string, number | null> }>
}

const toLabel = (v: unknown): number | null => {
  if (v === null || v === undefined) return null
  if (typeof v === 'boolean') return v ? 1 : 0
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'bigint'
        ? Number(v)
        : typeof v === 'string' && v.trim() !== ''
          ? Number(v)
          : Number.NaN
  return Number.isFinite(n) ? n : null
}

/** ROC AUC by ranks (ties get their average rank): the Mann–Whitney form. `null` with one class only. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number | null {
  const idx = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  let positives = 0
  let rankSum = 0
  let i = 0
  while (i < idx.length) {
    let j = i
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++
    const avgRank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) {
      if (labels[idx[k] as number] === 1) {
        positives++
        rankSum += avgRank
      }
    }
    i = j + 1
  }
  const negatives = idx.length - positives
  if (positives === 0 || negatives === 0) return null
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/**
 * Scores a window's predictions against the labels that have arrived: AUC, log loss,
 * accuracy, precision and recall for a binary classifier; MAE and RMSE for a regressor. Rows
 * without a label are counted as unlabeled, not scored; a label that is not a number (or 0/1
 * for a classifier) is an error naming it. With `versions` (each row's model version) the
 * metrics are also given per version.
 */
export function scorePerformance(
  spec: PerformanceSpec,
  columns: Record<string, readonly unknown[]>,
  versions?: readonly number[],
): PerformanceResult {
  for (const c of [spec.prediction, spec.label]) {
    if (columns[c] === undefined)
      throw new StrataError(
        'INVALID_ARGUMENT',
        `performance column "${c}" is not in the window; its columns are ${Object.keys(columns).join(', ')}`,
      )
  }
  const preds = columns[spec.prediction] as readonly unknown[]
  const labs = columns[spec.label] as readonly unknown[]
  const p: number[] = []
  const y: number[] = []
  const v: number[] = []
  let unlabeled = 0
  const unlabeledBy = new Map<number, number>()
  for (let i = 0; i < labs.length; i++) {
    const label = toLabel(labs[i])
    const pred = toLabel(preds[i])
    if (label === null || pred === null) {
      unlabeled++
      if (versions !== undefined) {
        const ver = versions[i] as number
        unlabeledBy.set(ver, (unlabeledBy.get(ver) ?? 0) + 1)
      }
      continue
    }
    if (spec.task === 'classification' && label !== 0 && label !== 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `label ${JSON.stringify(labs[i])} in column "${spec.label}" is not a binary class; use 0/1 or true/false`,
      )
    }
    p.push(pred)
    y.push(label)
    if (versions !== undefined) v.push(versions[i] as number)
  }
  const metrics = metricsOf(spec, p, y)
  const violations: string[] = []
  for (const [name, bound] of Object.entries(spec.min ?? {})) {
    const value = metrics[name]
    if (value !== undefined && value !== null && bound !== undefined && value < bound)
      violations.push(`${name} ${value.toFixed(4)} < ${bound}`)
  }
  for (const [name, bound] of Object.entries(spec.max ?? {})) {
    const value = metrics[name]
    if (value !== undefined && value !== null && bound !== undefined && value > bound)
      violations.push(`${name} ${value.toFixed(4)} > ${bound}`)
  }
  const result: PerformanceResult = { task: spec.task, labeled: p.length, unlabeled, metrics, violations }
  if (versions !== undefined) {
    const byVersion: NonNullable<PerformanceResult['byVersion']> = {}
    for (const ver of [...new Set([...v, ...unlabeledBy.keys()])].sort((a, b) => a - b)) {
      const idx = v.flatMap((x, i) => (x === ver ? [i] : []))
      byVersion[String(ver)] = {
        labeled: idx.length,
        unlabeled: unlabeledBy.get(ver) ?? 0,
        metrics: metricsOf(
          spec,
          idx.map((i) => p[i] as number),
          idx.map((i) => y[i] as number),
        ),
      }
    }
    result.byVersion = byVersion
  }
  return result
}

/** The task's metrics over scored pairs (`null` where undefined, e.g. no rows). */
function metricsOf(
  spec: PerformanceSpec,
  p: readonly number[],
  y: readonly number[],
): Record<string, number | null> {
  const n = p.length
  const metrics: Record<string, number | null> = {}
  if (spec.task === 'classification') {
    const cutoff = spec.cutoff ?? 0.5
    let tp = 0
    let fp = 0
    let fn = 0
    let correct = 0
    let loss = 0
    for (let i = 0; i < n; i++) {
      const prob = Math.min(Math.max(p[i] as number, 1e-15), 1 - 1e-15)
      const cls = (p[i] as number) >= cutoff ? 1 : 0
      const label = y[i] as number
      if (cls === label) correct++
      if (cls === 1 && label === 1) tp++
      if (cls === 1 && label === 0) fp++
      if (cls === 0 && label === 1) fn++
      loss -= label === 1 ? Math.log(prob) : Math.log(1 - prob)
    }
    metrics.auc = n === 0 ? null : rocAuc(p, y)
    metrics.logLoss = n === 0 ? null : loss / n
    metrics.accuracy = n === 0 ? null : correct / n
    metrics.precision = tp + fp === 0 ? null : tp / (tp + fp)
    metrics.recall = tp + fn === 0 ? null : tp / (tp + fn)
  } else {
    let abs = 0
    let sq = 0
    for (let i = 0; i < n; i++) {
      const d = (p[i] as number) - (y[i] as number)
      abs += Math.abs(d)
      sq += d * d
    }
    metrics.mae = n === 0 ? null : abs / n
    metrics.rmse = n === 0 ? null : Math.sqrt(sq / n)
  }
  return metrics
}
