/**
 * From what `strata deploy create` takes to a checked {@link DeploymentPolicy}: the input's
 * shape, the strategy's rules (weights, steps, guards, sticky key, webhooks, limits) and the
 * candidate's signature check — every refusal made before anything is written.
 */
import { StrataError } from '../../core/errors.js'
import type { ModelVersion } from '../../registry/index.js'
import { metadataTensor } from '../signature-check.js'
import {
  type DeploymentPolicy,
  type GuardSpec,
  guardSpec,
  parseGuard,
  parseSteps,
  STRATEGIES,
  type Strategy,
  splitWeight,
} from './deployment-policy.js'

const DEFAULT_STEPS = [5, 25, 50, 100]

/** What `strata deploy create` takes: an endpoint's champion and, optionally, a rollout of a candidate. */
export interface CreateDeploymentInput {
  /** The registered model (default: the endpoint's model, or its name for a new endpoint). */
  model?: string
  /** The champion version (default: the endpoint's, else the model's `champion` alias). */
  champion?: number
  /** The version to roll out (omit to serve the champion alone). */
  candidate?: number
  /** Default `canary` with a candidate, `direct` without. */
  strategy?: Strategy
  /** Canary steps in % (default 5, 25, 50, 100). */
  steps?: number[]
  /** A/B split by version (`{ "3": 90, "4": 10 }`), weights summing to 100. */
  split?: Record<string, number>
  /** Share (%) of the champion's traffic mirrored to the candidate (default 100 for shadow, else 0). */
  mirror?: number
  /** Sticky split key: a request header or an input tensor's first row. */
  sticky?: { header: string } | { input: string }
  /** Step length in ms (default 60 000). */
  intervalMs?: number
  /**
   * Guards (`error_rate<=0.02@200`, `auc_drop<=0.02@300,confidence=0.95` or objects); default
   * `error_rate<=0.01@100`.
   */
  guards?: (
    | string
    | { metric: string; max: number; minSamples?: number; confidence?: number; output?: string }
  )[]
  /** Promote when the last step passes (default true, false for `ab` and `shadow`). */
  autoPromote?: boolean
  /** Candidate calls slower than this fall back to the champion (default 2 000 ms). */
  candidateTimeoutMs?: number
  /** Share (0–1) of candidate-served requests also run on the champion to compare (default 1). */
  compareRate?: number
  /** Tolerance of the disagreement guard, relative to max(1, |a|, |b|) (default 1e-4: float32 round-off agrees). */
  tolerance?: number
  /** URLs each decision is POSTed to. */
  webhooks?: string[]
  /** Why (recorded with the revision). */
  reason?: string
}

/** The candidate must accept exactly the inputs the endpoint's callers send the champion. */
export function checkSameInputs(champion: ModelVersion, candidate: ModelVersion): void {
  const describe = (v: ModelVersion) =>
    (v.signature?.inputs ?? [])
      .map(metadataTensor)
      .map((t) => `${t.name}:${t.datatype}[${t.shape.join(',')}]`)
      .sort()
  const a = describe(champion)
  const b = describe(candidate)
  if (a.join(' ') !== b.join(' ')) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `candidate version ${candidate.version} takes inputs ${b.join(', ')} but the champion (version ${champion.version}) takes ${a.join(', ')}; requests the endpoint's callers send would be rejected`,
      { details: { champion: a, candidate: b } },
    )
  }
}

/** The checked policy of a new deployment (see {@link CreateDeploymentInput}). */
export function buildPolicy(
  model: string,
  champion: number,
  candidate: number | null,
  input: CreateDeploymentInput,
  before: DeploymentPolicy | undefined,
): DeploymentPolicy {
  const strategy = input.strategy ?? (candidate === null ? 'direct' : 'canary')
  if (!STRATEGIES.includes(strategy)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `strategy "${strategy}" is invalid; expected one of ${STRATEGIES.join(', ')}`,
    )
  }
  if (strategy === 'direct' && candidate !== null) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `strategy direct serves one version; give a rollout strategy (${STRATEGIES.slice(1).join(', ')}) for candidate ${candidate}`,
    )
  }
  if (strategy !== 'direct' && candidate === null) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `strategy ${strategy} needs a candidate version (--candidate <version>)`,
    )
  }
  if (input.split !== undefined && strategy !== 'ab') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `a split is for strategy ab, not ${strategy}; a canary takes steps`,
    )
  }
  let steps: number[] = []
  if (candidate !== null) {
    if (strategy === 'canary') steps = parseSteps(input.steps ?? DEFAULT_STEPS)
    else if (strategy === 'blue-green') steps = [100]
    else if (strategy === 'shadow') steps = [0]
    else {
      if (input.split === undefined) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `strategy ab needs a split, e.g. ${champion}=90,${candidate}=10`,
        )
      }
      steps = [splitWeight(input.split, champion, candidate)]
      if (input.sticky === undefined) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          'strategy ab needs a sticky key: a header (--sticky-header x-user-id) or an input (--sticky-input user_id)',
        )
      }
    }
    if (input.steps !== undefined && strategy !== 'canary') {
      throw new StrataError('INVALID_ARGUMENT', `steps are for strategy canary, not ${strategy}`)
    }
  }
  const mirror = input.mirror ?? (strategy === 'shadow' ? 100 : 0)
  if (!Number.isFinite(mirror) || mirror < 0 || mirror > 100) {
    throw new StrataError('INVALID_ARGUMENT', `mirror share "${mirror}" is invalid; expected 0 to 100 (%)`)
  }
  const intervalMs = input.intervalMs ?? 60_000
  if (!Number.isFinite(intervalMs) || intervalMs < 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `interval "${intervalMs}" ms is invalid; expected a positive duration`,
    )
  }
  const guards: GuardSpec[] = (input.guards ?? ['error_rate<=0.01@100']).map((g) =>
    typeof g === 'string' ? parseGuard(g) : guardSpec(g),
  )
  const sticky = input.sticky ?? null
  if (sticky !== null) {
    const key = 'header' in sticky ? sticky.header : sticky.input
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `sticky key "${key}" is invalid; expected a header or input name (letters, digits, "_", ".", "-")`,
      )
    }
  }
  for (const url of input.webhooks ?? []) {
    let ok = false
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol)
    } catch {}
    if (!ok) throw new StrataError('INVALID_ARGUMENT', `webhook "${url}" is invalid; expected an http(s) URL`)
  }
  const compareRate = input.compareRate ?? 1
  if (!(compareRate >= 0 && compareRate <= 1)) {
    throw new StrataError('INVALID_ARGUMENT', `compare rate "${compareRate}" is invalid; expected 0 to 1`)
  }
  const candidateTimeoutMs = input.candidateTimeoutMs ?? 2000
  if (!(candidateTimeoutMs > 0)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `candidate timeout "${candidateTimeoutMs}" ms is invalid; expected > 0`,
    )
  }
  return {
    model,
    champion,
    strategy,
    candidate,
    steps,
    step: 0,
    mirror: candidate === null ? 0 : mirror,
    sticky,
    intervalMs,
    guards,
    autoPromote: input.autoPromote ?? !(strategy === 'ab' || strategy === 'shadow'),
    candidateTimeoutMs,
    compareRate,
    tolerance: input.tolerance ?? 1e-4,
    webhooks: input.webhooks ?? [],
    status: candidate === null ? 'serving' : 'progressing',
    // a direct switch keeps the champion it replaced warm for an instant rollback
    previous:
      candidate === null && before !== undefined && before.champion !== champion ? before.champion : null,
  }
}
