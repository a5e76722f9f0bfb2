/**
 * Label-based guards: the candidate against the champion on the step's predictions whose
 * delayed labels joined the payload log. With mirrored (shadow) calls both versions scored the
 * same requests, so the comparison is paired by request id and row (DeLong paired, paired
 * t-test, McNemar pairs); otherwise the two versions answered different requests and the arms
 * are independent (DeLong, Welch's t-test, two-proportion z-test).
 *
 * The decision reads the two-sided `confidence` interval of candidate − champion: the guard
 * fails when the whole interval is worse than the champion by more than the margin (`max`), and
 * passes when the whole interval is within the margin (the candidate is significantly not worse
 * by more than it); otherwise, and while either version has fewer than `minSamples` labelled
 * predictions, it waits for labels (inconclusive: the step holds).
 */
import {
  joinLabels,
  type LabeledRecord,
  type LabelLookup,
  type PayloadStore,
  type PredictionRecord,
  type StoredTensor,
} from '../payload-log/index.js'
import type { GuardSpec, LabelGuardMetric } from './deployment-policy.js'
import {
  brier,
  type DifferenceEstimate,
  delongIndependent,
  delongPaired,
  logLoss,
  pairedProportions,
  pairedT,
  twoProportions,
  welch,
  worseByMoreThan,
} from './label-statistics.js'

/** The statistical test behind a label-based guard, as recorded in the decision's evidence. */
export interface LabelTestEvidence {
  /** `delong`, `delong-paired`, `welch-t`, `paired-t`, `two-proportion-z` or `mcnemar-z`. */
  test: string
  paired: boolean
  /** The model output the scores or classes were read from. */
  output: string | null
  /** The metric on each version's labelled predictions (AUC, mean log loss, mean Brier, accuracy). */
  candidate: number | null
  champion: number | null
  /** Labelled predictions (rows) behind each value; with `paired`, the pairs. */
  nCandidate: number
  nChampion: number
  /** candidate − champion. */
  difference: number | null
  /** Two-sided confidence interval of the difference at level `confidence`. */
  interval: [number, number] | null
  confidence: number
  /** One-sided p-value of "the candidate is worse than the champion by more than the margin". */
  pValue: number | null
  /** One-sided p-value of "the candidate is not worse by more than the margin" (non-inferiority). */
  pNotWorse: number | null
  /** Why the guard could not decide, when it could not. */
  note?: string
}

/** A label-based guard's verdict: the degradation (the guarded value), its sample size and test. */
export interface LabelGuardOutcome {
  value: number | null
  samples: number
  outcome: 'pass' | 'fail' | 'inconclusive'
  test: LabelTestEvidence
}

/** One labelled row of one version's answer. */
interface Row {
  key: string
  version: number
  score: number | null
  predicted: string | null
  label: unknown
}

/** What a label-based guard reads: the step's logged predictions with their labels. */
export interface LabelledStep {
  /** Records of the rollout's primary answers (`<revision>`) and mirrored calls (`<revision>/shadow`). */
  records: readonly LabeledRecord[]
  /** The rollout's revisions the records come from. */
  revisions: readonly number[]
  champion: number
  candidate: number
}

/**
 * The revisions of the rollout running in revision `current`: walking back from it while the
 * champion and candidate stay the same, up to the revision that started it (`create`). Pauses,
 * resumes and steps are revisions of the same rollout.
 */
export function rolloutRevisions(
  history: readonly {
    revision: number
    action: string
    policy: { champion: number; candidate: number | null }
  }[],
  current: { revision: number; policy: { champion: number; candidate: number | null } },
): number[] {
  const out = [current.revision]
  const older = history.filter((r) => r.revision < current.revision).sort((a, b) => b.revision - a.revision)
  const start = history.find((r) => r.revision === current.revision)
  if (start?.action === 'create') return out
  for (const r of older) {
    if (r.policy.champion !== current.policy.champion || r.policy.candidate !== current.policy.candidate)
      break
    out.push(r.revision)
    if (r.action === 'create') break
  }
  return out.sort((a, b) => a - b)
}

/**
 * Reads what label-based guards judge: the logged primary answers (`<revision>`) and mirrored
 * calls (`<revision>/shadow`) of every revision of the running rollout (all its steps so far,
 * so the champion's arm of earlier steps still counts at a 100 % step), with their delayed
 * labels through the payload log's label join. Undefined when no rollout runs.
 */
export async function readLabelledStep(
  d: { name: string; policy: { champion: number; candidate: number | null } },
  revisions: readonly number[],
  payloads: Pick<PayloadStore, 'query'>,
  labels: { labelsOf: LabelLookup },
): Promise<LabelledStep | undefined> {
  const { champion, candidate } = d.policy
  if (candidate === null) return undefined
  const records: PredictionRecord[] = []
  for (const revision of revisions.flatMap((r) => [String(r), `${r}/shadow`])) {
    let pageToken: string | undefined
    do {
      const page = await payloads.query({
        endpoint: d.name,
        deploymentRevision: revision,
        status: 'ok',
        limit: 10_000,
        ...(pageToken === undefined ? {} : { pageToken }),
      })
      records.push(...page.records)
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
  }
  return {
    records: await joinLabels(records, (ids) => labels.labelsOf(ids)),
    revisions: [...revisions],
    champion,
    candidate,
  }
}

const HIGHER_IS_BETTER: Record<LabelGuardMetric, boolean> = {
  auc_drop: true,
  accuracy_drop: true,
  log_loss_increase: false,
  brier_increase: false,
}

/** Evaluates a label-based guard on a step (see the module comment). */
export function evaluateLabelGuard(g: GuardSpec, step: LabelledStep): LabelGuardOutcome {
  const metric = g.metric as LabelGuardMetric
  const confidence = g.confidence ?? 0.95
  const { rows, output } = labelledRows(step, g)
  const cand = rows.filter((r) => r.version === step.candidate && r.key.startsWith('s:'))
  const shadowKeys = new Map(cand.map((r) => [r.key.slice(2), r]))
  const paired = shadowKeys.size > 0
  let a: Row[]
  let b: Row[]
  if (paired) {
    const champ = new Map(
      rows
        .filter((r) => r.version === step.champion && r.key.startsWith('p:'))
        .map((r) => [r.key.slice(2), r]),
    )
    a = []
    b = []
    for (const [key, row] of shadowKeys) {
      const other = champ.get(key)
      if (other === undefined || other.label === null) continue
      a.push({ ...row, label: other.label })
      b.push(other)
    }
  } else {
    a = rows.filter((r) => r.version === step.candidate && r.key.startsWith('p:') && r.label !== null)
    b = rows.filter((r) => r.version === step.champion && r.key.startsWith('p:') && r.label !== null)
  }
  const base: LabelTestEvidence = {
    test: testName(metric, paired),
    paired,
    output,
    candidate: null,
    champion: null,
    nCandidate: a.length,
    nChampion: b.length,
    difference: null,
    interval: null,
    confidence,
    pValue: null,
    pNotWorse: null,
  }
  const samples = Math.min(a.length, b.length)
  const hold = (note: string): LabelGuardOutcome => ({
    value: null,
    samples,
    outcome: 'inconclusive',
    test: { ...base, note },
  })
  if (samples < g.minSamples) {
    return hold(
      `waiting for labels (${samples}/${g.minSamples}): ${a.length} labelled candidate and ${b.length} labelled champion ${paired ? 'pairs' : 'predictions'}`,
    )
  }
  let est: DifferenceEstimate | null
  try {
    est = estimate(metric, paired, a, b)
  } catch (err) {
    return hold((err as Error).message)
  }
  if (est === null) return hold('the labelled predictions of a version have only one class; AUC needs both')
  const higherIsBetter = HIGHER_IS_BETTER[metric]
  const t = worseByMoreThan(est, g.max, higherIsBetter, 1 - confidence)
  const [lo, hi] = t.interval
  const [best, worst] = higherIsBetter ? [-hi, -lo] : [lo, hi]
  const test: LabelTestEvidence = {
    ...base,
    candidate: est.candidate,
    champion: est.champion,
    difference: est.difference,
    interval: t.interval,
    pValue: t.pValue,
    pNotWorse: 1 - t.pValue,
  }
  const value = t.degradation
  if (best > g.max) return { value, samples, outcome: 'fail', test }
  if (worst <= g.max) return { value, samples, outcome: 'pass', test }
  return {
    value,
    samples,
    outcome: 'inconclusive',
    test: {
      ...test,
      note: `not significant either way yet: the ${pct(confidence)} % interval of ${metric} (${fmt(best)} to ${fmt(worst)}, n = ${samples}) contains the margin ${g.max}; waiting for more labels`,
    },
  }
}

/** A label-based guard's test in words: both values, the difference with its interval, and n. */
export function describeLabelTest(metric: string, t: LabelTestEvidence): string {
  const what = LABEL_METRIC_NAMES[metric] ?? metric
  const ci =
    t.interval === null ? '' : `, ${pct(t.confidence)} % CI [${fmt(t.interval[0])}, ${fmt(t.interval[1])}]`
  return `candidate ${what} ${fmt(t.candidate)} vs champion ${fmt(t.champion)} (difference ${fmt(t.difference)}${ci}, n = ${t.nCandidate}/${t.nChampion}${t.paired ? ' pairs' : ''})`
}

const LABEL_METRIC_NAMES: Record<string, string> = {
  auc_drop: 'AUC',
  log_loss_increase: 'log loss',
  brier_increase: 'Brier score',
  accuracy_drop: 'accuracy',
}

/** A confidence level as a percentage (0.95 → 95). */
function pct(confidence: number): number {
  return Number((confidence * 100).toPrecision(4))
}

/** `v` with 4 significant digits. */
function fmt(v: number | null): string {
  return v === null ? 'n/a' : Number(v.toPrecision(4)).toString()
}

function testName(metric: LabelGuardMetric, paired: boolean): string {
  if (metric === 'auc_drop') return paired ? 'delong-paired' : 'delong'
  if (metric === 'accuracy_drop') return paired ? 'mcnemar-z' : 'two-proportion-z'
  return paired ? 'paired-t' : 'welch-t'
}

function estimate(metric: LabelGuardMetric, paired: boolean, a: Row[], b: Row[]): DifferenceEstimate | null {
  if (metric === 'accuracy_drop') {
    const right = (r: Row) => {
      if (r.predicted === null)
        throw new Error(`version ${r.version} gave no class to compare with the label`)
      return r.predicted === classOf(r.label)
    }
    if (paired) {
      let both = 0
      let candidateOnly = 0
      let championOnly = 0
      a.forEach((r, i) => {
        const x = right(r)
        const y = right(b[i] as Row)
        if (x && y) both++
        else if (x) candidateOnly++
        else if (y) championOnly++
      })
      return pairedProportions({ n: a.length, both, candidateOnly, championOnly })
    }
    return twoProportions(
      { k: a.filter(right).length, n: a.length },
      { k: b.filter(right).length, n: b.length },
    )
  }
  const ya = a.map((r) => binary(r.label))
  const yb = b.map((r) => binary(r.label))
  const sa = a.map(score)
  const sb = b.map(score)
  if (metric === 'auc_drop') {
    return paired
      ? delongPaired(ya, sa, sb)
      : delongIndependent({ labels: ya, scores: sa }, { labels: yb, scores: sb })
  }
  const loss = metric === 'log_loss_increase' ? logLoss : brier
  for (const s of [...sa, ...sb]) {
    if (!(s >= 0 && s <= 1)) {
      throw new Error(
        `score ${s} is not a probability; ${metric} needs the positive class's probability (output=…)`,
      )
    }
  }
  const la = sa.map((s, i) => loss(ya[i] as number, s))
  const lb = sb.map((s, i) => loss(yb[i] as number, s))
  return paired ? pairedT(la, lb) : welch(la, lb)
}

function score(r: Row): number {
  if (r.score === null || !Number.isFinite(r.score)) {
    throw new Error(`version ${r.version} gave no numeric score (${r.score}) to compare with the label`)
  }
  return r.score
}

/** A 0/1 label from 0/1, true/false or their strings; anything else is an error naming it. */
function binary(label: unknown): number {
  const c = classOf(label)
  if (c === '1' || c === '0') return Number(c)
  throw new Error(
    `label ${JSON.stringify(label)} is not binary (0/1 or true/false); AUC, log loss and Brier need binary labels`,
  )
}

/** A class as a comparable string: booleans as 1/0, numbers (and numeric strings) canonical. */
function classOf(v: unknown): string {
  if (typeof v === 'boolean') return v ? '1' : '0'
  if (typeof v === 'number' || typeof v === 'bigint') return String(Number(v))
  if (typeof v === 'string') {
    if (v === 'true') return '1'
    if (v === 'false') return '0'
    return v.trim() !== '' && Number.isFinite(Number(v)) ? String(Number(v)) : v
  }
  return JSON.stringify(v)
}

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
function labelledRows(step: LabelledStep, g: GuardSpec): { rows: Row[]; output: string | null } {
  const rows: Row[] = []
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
