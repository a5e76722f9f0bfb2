import type { StoredTensor } from '../payload-log/index.js'
import type { GuardSpec } from './deployment-policy.js'
import type { LabelledStep } from './labelled-step.js'

/** One labelled row of one version's answer. */
export interface LabelledRow {
  key: string
  version: number
  score: number | null
  predicted: string | null
  label: unknown
}

/** A row's score, or an error naming the version that gave none. */
export function score(r: LabelledRow): number {
  if (r.score === null || !Number.isFinite(r.score)) {
    throw new Error(`version ${r.version} gave no numeric score (${r.score}) to compare with the label`)
  }
  return r.score
}

/** A 0/1 label from 0/1, true/false or their strings; anything else is an error naming it. */
export function binary(label: unknown): number {
  const c = classOf(label)
  if (c === '1' || c === '0') return Number(c)
  throw new Error(
    `label ${JSON.stringify(label)} is not binary (0/1 or true/false); AUC, log loss and Brier need binary labels`,
  )
}

/** A class as a comparable string: booleans as 1/0, numbers (and numeric strings) canonical. */
export function classOf(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0'
  if (typeof v === 'number' || typeof v === 'bigint') return String(Number(v))
  if (typeof v === 'string') {
    if (v === 'true') return '1'
    if (v === 'false') return '0'
    return v.trim() !== '' && Number.isFinite(Number(v)) ? String(Number(v)) : v
  }
  return JSON.stringify(v)
}

/** Whether a logged output is a stored tensor (`datatype`, `shape`, `data`). */
function isTensor(v: unknown): v is StoredTensor {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as StoredTensor).data) &&
    Array.isArray((v as StoredTensor).shape)
  )
}

/**
 * The output a guard reads: the one it names, else for accuracy the first output, and for the
 * score metrics the first floating-point output (e.g. `probabilities` before an int `label`).
 */
function pickOutput(outputs: Record<string, unknown>, g: GuardSpec): string | null {
  if (g.output !== undefined) return Object.hasOwn(outputs, g.output) ? g.output : null
  const names = Object.keys(outputs)
  if (g.metric === 'accuracy_drop') return names[0] ?? null
  return (
    names.find((n) => {
      const v = outputs[n]
      return isTensor(v) ? v.datatype.startsWith('FP') : typeof v === 'number'
    }) ??
    names[0] ??
    null
  )
}

/** Each row of a record's output: its score (probability of class 1) and its predicted class. */
function rowsOfOutput(v: unknown): { score: number | null; predicted: string | null }[] {
  if (!isTensor(v)) {
    const values = Array.isArray(v) ? v : [v]
    return values.map((x) => ({ score: typeof x === 'number' ? x : null, predicted: classOf(x) }))
  }
  const float = v.datatype.startsWith('FP')
  const [n = 1, k = 1] = v.shape.length === 0 ? [1, 1] : v.shape
  const data = v.data.map((x) => (typeof x === 'string' && float ? Number(x) : x))
  return Array.from({ length: n }, (_, i) => {
    if (k === 1 || v.shape.length < 2) {
      const x = data[i]
      const score = typeof x === 'number' ? x : null
      return { score, predicted: float && score !== null ? (score >= 0.5 ? '1' : '0') : classOf(x) }
    }
    const row = data.slice(i * k, i * k + k).map(Number)
    const best = row.indexOf(Math.max(...row))
    return { score: k === 2 ? (row[1] as number) : null, predicted: float ? String(best) : null }
  })
}

/** The labelled rows of a step: primaries keyed `p:<request>#<row>`, mirrored calls `s:<request>#<row>`. */
export function labelledRows(
  step: LabelledStep,
  g: GuardSpec,
): { rows: LabelledRow[]; output: string | null } {
  const rows: LabelledRow[] = []
  let output: string | null = null
  for (const { record, label } of step.records) {
    const outputs = record.outputs ?? {}
    const name = pickOutput(outputs, g)
    if (name === null) continue
    output ??= name
    const kind = record.deploymentRevision?.endsWith('/shadow') === true ? 's' : 'p'
    const request = record.requestId ?? record.id
    const values = rowsOfOutput(outputs[name])
    const labels =
      label === null
        ? []
        : Array.isArray(label)
          ? values.length === 1 && label.length !== 1
            ? [label]
            : label
          : [label]
    values.forEach((v, i) => {
      rows.push({
        key: `${kind}:${request}#${i}`,
        version: record.modelVersion,
        score: v.score,
        predicted: v.predicted,
        label: labels[i] ?? null,
      })
    })
  }
  return { rows, output }
}
