import { randomUUID } from 'node:crypto'
import { StrataError } from '../../core/errors.js'
import type {
  InferRequest,
  InferResult,
  RequestContext,
  RoutedEndpoint,
  WarmVersion,
} from '../model-server-types.js'
import type { ServedModel } from '../served-model.js'
import type { InferTensor } from '../tensor.js'
import { candidateWeight, type DeploymentPolicy, isActive, versionsOf } from './deployment-policy.js'
import { RouterStats, type StatsRow } from './router-stats.js'
import { SPLIT_BUCKETS, splitBucket, stickyKey, toCandidate } from './sticky-hash.js'
import { recordLatency, recordOutputs } from './version-stats.js'

/** One prediction a router made or mirrored, for a payload log (all of one request share `requestId`). */
export interface RoutedPrediction {
  requestId: string
  endpoint: string
  revision: number
  version: number
  /** `primary` answered the client; `shadow` was mirrored; `compare` re-ran the champion to compare. */
  role: 'primary' | 'shadow' | 'compare'
  ok: boolean
  ms: number
  outputs?: InferTensor[]
}

/** Options of {@link EndpointRouter}. */
export interface EndpointRouterOptions {
  /** Loads and warms one version (the model server's `warm`). */
  warm: (model: string, version: number) => Promise<WarmVersion>
  /** Receives every prediction (primary, shadow, compare) with the request id. */
  onPrediction?: (p: RoutedPrediction) => void
  /** Most mirrored or comparison calls running at once; more are dropped, never queued (default 64). */
  maxBackground?: number
  /** Chooses keyless requests' buckets (default random). */
  random?: () => number
}

interface RouterState {
  revision: number
  policy: DeploymentPolicy
  versions: Map<number, WarmVersion>
  /** Versions of the policy that failed to load (the candidate's traffic goes to the champion). */
  failed: Map<number, string>
}

/**
 * Serves one endpoint by its deployment policy: every version the policy names is loaded and
 * warmed before a new revision takes effect, then the revision switches in one assignment (no
 * request sees half of it), and versions no revision needs are closed after their requests
 * finish. Per request: a sticky key (header or first row of an input) or a random draw picks
 * the candidate or the champion by weight; a candidate that fails or times out is answered by
 * the champion; shadow copies and comparison calls run off the request path and never change
 * the answer. Counts per revision, version and role feed the guards.
 */
export class EndpointRouter implements RoutedEndpoint {
  private state: RouterState | undefined
  private readonly stats = new RouterStats()
  private background = 0
  private readonly pending = new Set<Promise<unknown>>()
  private applying: Promise<void> = Promise.resolve()
  private closed = false

  constructor(
    readonly name: string,
    private readonly options: EndpointRouterOptions,
  ) {}

  /** The revision in force (undefined before the first is applied). */
  get revision(): number | undefined {
    return this.state?.revision
  }

  /** Why the policy's candidate failed to load in the revision in force (undefined: it loaded). */
  get candidateFailure(): string | undefined {
    const s = this.state
    return s === undefined || s.policy.candidate === null ? undefined : s.failed.get(s.policy.candidate)
  }

  /** The policy in force. */
  get policy(): DeploymentPolicy | undefined {
    return this.state?.policy
  }

  /**
   * Puts `policy` (revision `revision`) in force: loads the versions it needs first, switches,
   * then closes versions no longer needed. Applications run one at a time, in call order; an
   * older revision than the one in force is ignored.
   */
  apply(revision: number, policy: DeploymentPolicy): Promise<void> {
    const next = this.applying.then(() => this.applyNow(revision, policy))
    this.applying = next.catch(() => undefined)
    return next
  }

  private async applyNow(revision: number, policy: DeploymentPolicy): Promise<void> {
    if (this.closed) return
    const current = this.state
    if (current !== undefined && current.revision >= revision) return
    const want = versionsOf(policy)
    const versions = new Map<number, WarmVersion>()
    const failed = new Map<number, string>()
    const loaded: WarmVersion[] = []
    try {
      for (const v of want) {
        const have = current?.versions.get(v)
        if (have !== undefined) {
          versions.set(v, have)
          continue
        }
        try {
          const warm = await this.options.warm(policy.model, v)
          loaded.push(warm)
          versions.set(v, warm)
        } catch (err) {
          // only the champion is indispensable: a candidate (or a kept-warm previous champion)
          // that cannot load leaves its traffic on the champion, and the engine rolls back
          if (v === policy.champion) throw err
          failed.set(v, (err as Error).message)
        }
      }
    } catch (err) {
      await Promise.allSettled(loaded.map((w) => w.close()))
      throw err
    }
    this.state = { revision, policy, versions, failed }
    const stale = [...(current?.versions.entries() ?? [])].filter(([v]) => !versions.has(v))
    await Promise.allSettled(stale.map(([, w]) => w.close()))
  }

  /** Every version loaded for the revision in force, the champion first. */
  versions(): ServedModel[] {
    const s = this.live()
    const champion = this.warmOf(s, s.policy.champion)
    return [champion, ...[...s.versions.values()].filter((w) => w !== champion)].map((w) => w.served)
  }

  model(version?: string): ServedModel {
    const s = this.live()
    if (version === undefined) return this.warmOf(s, s.policy.champion).served
    const found = s.versions.get(Number(version))
    if (found === undefined || String(Number(version)) !== version) {
      throw new StrataError(
        'NOT_FOUND',
        `model "${this.name}" version "${version}" is not served; the served versions are ${[...s.versions.keys()].join(', ')}`,
        { details: { model: this.name, version, served: [...s.versions.keys()] } },
      )
    }
    return found.served
  }

  async infer(
    version: string | undefined,
    request: InferRequest,
    context: RequestContext,
  ): Promise<InferResult> {
    const s = this.live()
    const { policy } = s
    if (version !== undefined) {
      this.model(version)
      return this.warmOf(s, Number(version)).infer(request, String(s.revision))
    }
    const champion = this.warmOf(s, policy.champion)
    const candidate = policy.candidate === null ? undefined : s.versions.get(policy.candidate)
    const requestId = request.requestId ?? request.id ?? randomUUID()
    request = { ...request, requestId }
    const revision = String(s.revision)
    const weight = candidateWeight(policy)
    const bucket = this.bucketOf(policy, request, context)
    if (candidate !== undefined && weight > 0 && toCandidate(bucket, weight)) {
      const start = performance.now()
      try {
        const result = await withTimeout(
          candidate.infer(request, revision),
          policy.candidateTimeoutMs,
          () =>
            new StrataError(
              'UNAVAILABLE',
              `candidate version ${candidate.served.version} took longer than ${policy.candidateTimeoutMs} ms`,
            ),
        )
        const ms = performance.now() - start
        this.record(s, candidate.served.version, 'candidate', 'primary', requestId, ms, result.outputs)
        if (policy.compareRate > 0 && (this.options.random ?? Math.random)() < policy.compareRate) {
          this.offPath(() =>
            this.compare(s, champion, request, requestId, result.outputs, candidate.served.version),
          )
        }
        return this.answer(result, s.revision, 'candidate', false)
      } catch (err) {
        const ms = performance.now() - start
        if (isClientError(err)) throw err
        this.record(s, candidate.served.version, 'candidate', 'primary', requestId, ms)
        return this.answer(
          await this.runChampion(s, champion, request, requestId),
          s.revision,
          'champion',
          true,
        )
      }
    }
    const result = await this.runChampion(s, champion, request, requestId)
    if (candidate !== undefined && isActive(policy) && policy.mirror > 0 && bucket % 100 < policy.mirror) {
      this.offPath(() => this.shadow(s, candidate, request, requestId, result.outputs))
    }
    return this.answer(result, s.revision, 'champion', false)
  }

  private async runChampion(
    s: RouterState,
    champion: WarmVersion,
    request: InferRequest,
    requestId: string,
  ): Promise<InferResult> {
    const start = performance.now()
    try {
      const result = await champion.infer(request, String(s.revision))
      const ms = performance.now() - start
      this.record(s, champion.served.version, 'champion', 'primary', requestId, ms, result.outputs)
      return result
    } catch (err) {
      const ms = performance.now() - start
      if (!isClientError(err)) {
        this.record(s, champion.served.version, 'champion', 'primary', requestId, ms)
      }
      throw err
    }
  }

  /** A mirrored call: counted and compared with the champion's answer, never returned. */
  private async shadow(
    s: RouterState,
    candidate: WarmVersion,
    request: InferRequest,
    requestId: string,
    primary: InferTensor[],
  ): Promise<void> {
    const start = performance.now()
    const v = candidate.served.version
    try {
      const result = await withTimeout(
        candidate.infer(request, `${s.revision}/shadow`),
        s.policy.candidateTimeoutMs,
        () => new StrataError('UNAVAILABLE', 'shadow call timed out'),
      )
      const ms = performance.now() - start
      this.record(s, v, 'candidate', 'shadow', requestId, ms, result.outputs)
      this.stats.compareOutputs(s.revision, s.policy.tolerance, v, primary, result.outputs)
    } catch (err) {
      if (isClientError(err)) return
      const ms = performance.now() - start
      this.record(s, v, 'candidate', 'shadow', requestId, ms)
    }
  }

  /** Re-runs a candidate-served request on the champion to measure their disagreement. */
  private async compare(
    s: RouterState,
    champion: WarmVersion,
    request: InferRequest,
    requestId: string,
    answered: InferTensor[],
    candidate: number,
  ): Promise<void> {
    const start = performance.now()
    try {
      const result = await champion.infer(request, `${s.revision}/compare`)
      const ms = performance.now() - start
      this.stats.compareOutputs(s.revision, s.policy.tolerance, candidate, result.outputs, answered)
      // the champion's latency and output distribution, also when it serves no traffic (100 % steps)
      const row = this.stats.row(s.revision, champion.served.version, 'champion')
      recordLatency(row, ms)
      const values = result.outputs[0]?.values as ArrayLike<unknown> | undefined
      if (values !== undefined) recordOutputs(row, values)
      this.emit({
        requestId,
        endpoint: this.name,
        revision: s.revision,
        version: champion.served.version,
        role: 'compare',
        ok: true,
        ms,
        outputs: result.outputs,
      })
    } catch {
      // the champion failing a comparison says nothing about the candidate
    }
  }

  private answer(
    result: InferResult,
    revision: number,
    role: 'champion' | 'candidate',
    fallback: boolean,
  ): InferResult {
    return { ...result, modelName: this.name, deployment: { revision, role, fallback } }
  }

  private bucketOf(policy: DeploymentPolicy, request: InferRequest, context: RequestContext): number {
    const key = stickyKey(policy, request, context)
    if (key !== undefined) return splitBucket(this.name, key)
    return Math.floor((this.options.random ?? Math.random)() * SPLIT_BUCKETS)
  }

  private offPath(work: () => Promise<void>): void {
    if (this.background >= (this.options.maxBackground ?? 64)) return
    this.background++
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch(() => undefined)
      .finally(() => {
        this.background--
        this.pending.delete(p)
      })
    this.pending.add(p)
  }

  /** Resolves when every mirrored and comparison call started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  /**
   * One call routed to `version` (as the endpoint's `as`): counted in the guards' samples and
   * handed to the payload log under `role`; `outputs` present means it succeeded.
   */
  private record(
    s: RouterState,
    version: number,
    as: 'champion' | 'candidate',
    role: RoutedPrediction['role'],
    requestId: string,
    ms: number,
    outputs?: InferTensor[],
  ): void {
    const ok = outputs !== undefined
    this.stats.count(s.revision, version, as, ok, ms, outputs)
    this.emit({
      requestId,
      endpoint: this.name,
      revision: s.revision,
      version,
      role,
      ok,
      ms,
      ...(ok ? { outputs } : {}),
    })
  }

  private emit(p: RoutedPrediction): void {
    this.options.onPrediction?.(p)
  }

  /** The statistics gathered since the last drain (and resets them). */
  drainStats(): StatsRow[] {
    return this.stats.drain()
  }

  private live(): RouterState {
    if (this.state === undefined || this.closed) {
      throw new StrataError('UNAVAILABLE', `deployment "${this.name}" is not loaded yet`)
    }
    return this.state
  }

  private warmOf(s: RouterState, version: number): WarmVersion {
    const w = s.versions.get(version)
    if (w === undefined)
      throw new StrataError('INTERNAL', `deployment "${this.name}" lost version ${version}`)
    return w
  }

  async close(): Promise<void> {
    this.closed = true
    await this.applying
    await this.settled()
    const all = [...(this.state?.versions.values() ?? [])]
    await Promise.allSettled(all.map((w) => w.close()))
  }
}

/** A client's own mistake: the champion would refuse it too, so it is no candidate failure. */
function isClientError(err: unknown): boolean {
  return (err as { code?: string }).code === 'INVALID_ARGUMENT'
}

function withTimeout<T>(p: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
