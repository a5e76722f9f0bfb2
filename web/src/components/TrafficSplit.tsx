import type { DeploymentPolicy } from '../lib/types.js'

/**
 * The share of live traffic each version answers now, as a bar with text labels: the
 * champion and the candidate (canary, A/B, blue-green), or the champion with the share of its
 * requests mirrored to a shadow candidate (whose answers are never returned).
 */
export function TrafficSplit({ policy, weight }: { policy: DeploymentPolicy; weight: number }) {
  const shadow = policy.strategy === 'shadow'
  const candidateShare = policy.candidate === null || shadow ? 0 : weight
  const championShare = 100 - candidateShare
  const label =
    policy.candidate === null
      ? `v${policy.champion} answers all traffic`
      : shadow
        ? `v${policy.champion} answers all traffic; ${policy.mirror} % of it is mirrored to v${policy.candidate}`
        : `v${policy.champion} answers ${championShare} %, v${policy.candidate} answers ${candidateShare} %`
  return (
    <figure className="traffic">
      <div className="traffic-bar" role="img" aria-label={label}>
        {championShare > 0 ? (
          <span className="traffic-champion" style={{ width: `${championShare}%` }}>
            v{policy.champion} · {championShare} %
          </span>
        ) : null}
        {candidateShare > 0 ? (
          <span className="traffic-candidate" style={{ width: `${candidateShare}%` }}>
            v{policy.candidate} · {candidateShare} %
          </span>
        ) : null}
      </div>
      <figcaption className="muted">
        {label}
        {policy.sticky === null
          ? ''
          : `; sticky by ${'header' in policy.sticky ? `header ${policy.sticky.header}` : `input ${policy.sticky.input}`}`}
      </figcaption>
    </figure>
  )
}
