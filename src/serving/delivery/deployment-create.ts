import { StrataError } from '../../core/errors.js'
import type { ModelRegistry } from '../../registry/index.js'
import { buildPolicy, type CreateDeploymentInput, checkSameInputs } from './deployment-input.js'
import { type DeploymentPolicy, isActive, isLabelMetric } from './deployment-policy.js'
import type { Deployment } from './deployment-store.js'
import { championVersion, servableVersion } from './deployment-versions.js'

const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Throws `INVALID_ARGUMENT` unless `name` is a valid endpoint name (checked before anything is read). */
export function checkEndpointName(name: string): void {
  if (!ENDPOINT_NAME.test(name)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `deployment name "${name}" is invalid; expected letters, digits, ".", "_" or "-" (at most 128, not starting with a symbol)`,
    )
  }
}

/** The first revision of a `create`: its policy and the reason recorded when none was given. */
export interface CreatePlan {
  policy: DeploymentPolicy
  /** `serve version N`, or `<strategy> rollout of version N` with a candidate. */
  defaultReason: string
}

/**
 * Checks a `create` of endpoint `name` (now at `current`, undefined when new) and builds its
 * policy, before anything is written (the name checked by {@link checkEndpointName}): no rollout already running, the same
 * model as before, servable champion and candidate versions with the same inputs, and a payload
 * log when a guard judges labels (`payloadLog` false when it is off).
 */
export async function planCreate(
  registry: ModelRegistry,
  name: string,
  current: Deployment | undefined,
  input: CreateDeploymentInput,
  payloadLog: boolean,
): Promise<CreatePlan> {
  if (current !== undefined && isActive(current.policy)) {
    const p = current.policy
    throw new StrataError(
      'CONFLICT',
      `deployment "${name}" already has a rollout ${p.status} (revision ${current.revision}: version ${p.candidate} against champion ${p.champion}); promote, roll back or abort it first`,
      { details: { deployment: name, revision: current.revision, status: p.status } },
    )
  }
  const model = input.model ?? current?.policy.model ?? name
  if (current !== undefined && current.policy.model !== model) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `deployment "${name}" serves model "${current.policy.model}", not "${model}"`,
    )
  }
  const champion = await championVersion(registry, model, input.champion ?? current?.policy.champion)
  const candidate =
    input.candidate === undefined
      ? undefined
      : await servableVersion(registry, model, input.candidate, 'candidate')
  if (candidate !== undefined) {
    if (candidate.version === champion.version) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `candidate version ${candidate.version} is the champion; roll out another version`,
      )
    }
    checkSameInputs(champion, candidate)
  }
  const policy = buildPolicy(model, champion.version, candidate?.version ?? null, input, current?.policy)
  const labelGuard = policy.guards.find((g) => isLabelMetric(g.metric))
  if (labelGuard !== undefined && !payloadLog) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `guard ${labelGuard.metric} judges logged predictions, but the payload log is off (payloadLog.enabled: false or sampleRate: 0 in strata.config.ts); turn it on or use serving guards only`,
      { details: { guard: labelGuard.metric } },
    )
  }
  return {
    policy,
    defaultReason:
      candidate === undefined
        ? `serve version ${policy.champion}`
        : `${policy.strategy} rollout of version ${policy.candidate}`,
  }
}
