import { describe, expect, it } from 'vitest'
import { seeded } from '../../../test/support/delivery-models.js'
import type { LabeledRecord, PredictionRecord } from '../payload-log/index.js'
import { parseGuard } from './deployment-policy.js'
import { evaluateLabelGuard } from './label-guards.js'
import { type LabelledStep, rolloutRevisions } from './labelled-step.js'

const CHAMPION = 1
const CANDIDATE = 2
const REVISION = 7

/**
 * A step of `n` primary answers per version on a binary task: the label is 1 with probability
 * `p`, each version's `probability` output is the label blurred by its own `noise` (more noise:
 * lower AUC, higher log loss, lower accuracy). `labelled` is the share of answers whose label
 * arrived.
 */
function step(opts: {
  n: number
  noise: Record<number, number>
  labelled?: number
  seed?: number
}): LabelledStep {
  const rand = seeded(opts.seed ?? 3)
  const records: LabeledRecord[] = []
  let id = 0
  for (const version of [CHAMPION, CANDIDATE]) {
    for (let i = 0; i < opts.n; i++) {
      const y = rand() < 0.4 ? 1 : 0
      const noise = opts.noise[version] as number
      const p = Math.min(0.99, Math.max(0.01, (1 - noise) * y + noise * rand()))
      const record: PredictionRecord = {
        id: `p${id}`,
        at: 1000 + id,
        endpoint: 'delay',
        modelName: 'm',
        modelVersion: version,
        deploymentRevision: String(REVISION),
        requestId: `r${id++}`,
        entityKey: null,
        inputs: {},
        outputs: { probability: { datatype: 'FP32', shape: [1, 1], data: [p] } },
        latencyMs: 1,
        status: 'ok',
        error: null,
        featureViews: null,
        batch: 'b1',
      }
      records.push({ record, label: rand() < (opts.labelled ?? 1) ? y : null })
    }
  }
  return { records, revisions: [REVISION], champion: CHAMPION, candidate: CANDIDATE }
}

describe('label-based guards', () => {
  it('waits for labels while either version has fewer than the minimum, saying how many', () => {
    const s = step({ n: 200, noise: { 1: 0.3, 2: 0.3 }, labelled: 0.25 })
    const r = evaluateLabelGuard(parseGuard('auc_drop<=0.02@100'), s)
    expect(r.outcome).toBe('inconclusive')
    expect(r.samples).toBeLessThan(100)
    expect(r.test.note).toMatch(new RegExp(`^waiting for labels \\(${r.samples}/100\\)`))
    expect(r.test.candidate).toBeNull()
  })

  it('fails a candidate significantly worse by more than the margin, with both values, the interval and n', () => {
    const s = step({ n: 600, noise: { 1: 0.2, 2: 0.9 } })
    for (const guard of ['auc_drop<=0.02@200', 'log_loss_increase<=0.05@200', 'accuracy_drop<=0.02@200']) {
      const r = evaluateLabelGuard(parseGuard(guard), s)
      expect(r.outcome, guard).toBe('fail')
      const t = r.test
      expect(t.paired).toBe(false)
      expect(t.nCandidate).toBe(600)
      expect(t.nChampion).toBe(600)
      expect(t.output).toBe('probability')
      expect(t.pValue as number).toBeLessThan(0.025)
      const [lo, hi] = t.interval as [number, number]
      expect(lo).toBeLessThanOrEqual(t.difference as number)
      expect(hi).toBeGreaterThanOrEqual(t.difference as number)
      expect(r.value as number).toBeGreaterThan(parseGuard(guard).max)
    }
    const auc = evaluateLabelGuard(parseGuard('auc_drop<=0.02@200'), s).test
    expect(auc.test).toBe('delong')
    expect(auc.champion as number).toBeGreaterThan(auc.candidate as number)
  })

  it('passes a candidate significantly not worse by more than the margin', () => {
    const s = step({ n: 1500, noise: { 1: 0.7, 2: 0.7 } })
    const r = evaluateLabelGuard(parseGuard('auc_drop<=0.05@200'), s)
    expect(r.outcome).toBe('pass')
    const [lo] = r.test.interval as [number, number]
    // AUC: higher is better, so the worst plausible degradation is −lo
    expect(-lo).toBeLessThanOrEqual(0.05)
  })

  it('holds when the interval contains the margin, and a lower confidence narrows the interval', () => {
    const s = step({ n: 150, noise: { 1: 0.8, 2: 0.8 } })
    const wide = evaluateLabelGuard(parseGuard('auc_drop<=0.001@100'), s)
    expect(wide.outcome).toBe('inconclusive')
    expect(wide.test.note).toMatch(/contains the margin 0.001; waiting for more labels/)
    const narrow = evaluateLabelGuard(parseGuard('auc_drop<=0.001@100,confidence=0.6'), s)
    const width = (t: typeof wide.test) => {
      const [lo, hi] = t.interval as [number, number]
      return hi - lo
    }
    expect(width(narrow.test)).toBeLessThan(width(wide.test))
    expect(narrow.test.confidence).toBe(0.6)
  })

  it('pairs mirrored calls with the primary answer of the same request', () => {
    const s = step({ n: 300, noise: { 1: 0.2, 2: 0.8 } })
    // mirror every champion answer to the candidate under the same request id
    const mirrored = s.records
      .filter((r) => r.record.modelVersion === CHAMPION)
      .map((r, i) => {
        const twin = s.records.filter((x) => x.record.modelVersion === CANDIDATE)[i] as LabeledRecord
        return {
          record: {
            ...twin.record,
            id: `s${i}`,
            requestId: r.record.requestId,
            deploymentRevision: `${REVISION}/shadow`,
          },
          label: null,
        }
      })
    const paired = {
      ...s,
      records: [...s.records.filter((r) => r.record.modelVersion === CHAMPION), ...mirrored],
    }
    const r = evaluateLabelGuard(parseGuard('auc_drop<=0.02@100'), paired)
    expect(r.test.paired).toBe(true)
    expect(r.test.test).toBe('delong-paired')
    expect(r.test.nCandidate).toBe(r.test.nChampion)
  })

  it('names a label that is not binary', () => {
    const s = step({ n: 150, noise: { 1: 0.3, 2: 0.3 } })
    const bad = { ...s, records: s.records.map((r) => ({ ...r, label: r.label === null ? null : 'maybe' })) }
    const r = evaluateLabelGuard(parseGuard('auc_drop<=0.02@100'), bad)
    expect(r.outcome).toBe('inconclusive')
    expect(r.test.note).toMatch(/label "maybe" is not binary/)
  })
})

describe('the revisions of a rollout', () => {
  const rev = (revision: number, action: string, candidate: number | null, champion = 1) => ({
    revision,
    action,
    policy: { champion, candidate },
  })
  it('walks back through steps and pauses to the revision that started the rollout', () => {
    const history = [
      rev(1, 'create', null),
      rev(2, 'create', 2),
      rev(3, 'rollback', null),
      rev(4, 'create', 3),
      rev(5, 'advance', 3),
      rev(6, 'pause', 3),
      rev(7, 'resume', 3),
    ]
    expect(rolloutRevisions(history, rev(7, 'resume', 3))).toEqual([4, 5, 6, 7])
    expect(rolloutRevisions(history, rev(4, 'create', 3))).toEqual([4])
    expect(rolloutRevisions(history, rev(2, 'create', 2))).toEqual([2])
  })
})
