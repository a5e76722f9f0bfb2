import type { ReactNode } from 'react'
import { formatNumber, formatTime } from '../lib/format.js'
import { lineageLink } from '../lib/links.js'
import type { DeploymentDecision, DeploymentHistory } from '../lib/types.js'

// The API lists decisions and revisions oldest first, in the order they were recorded; two of
// them can share a millisecond, so the order is reversed rather than re-sorted by time.
const latestFirst = <T,>(rows: readonly T[]) => [...rows].reverse()

function Side({ side }: { side: NonNullable<DeploymentDecision['evidence']>['candidate'] }) {
  return (
    <>
      {side.calls} calls, {side.errors} errors, p99{' '}
      {side.p99Ms === null ? '—' : `${formatNumber(side.p99Ms)} ms`}
    </>
  )
}

/** Every delivery decision, newest first, with the evidence the controller decided on. */
export function DeliveryDecisions({
  decisions,
  versionLink,
}: {
  decisions: readonly DeploymentDecision[]
  versionLink: (v: number) => ReactNode
}) {
  if (decisions.length === 0) return <p className="muted">No decisions yet.</p>
  return (
    <table className="decisions">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">Reason</th>
          <th scope="col">Guards</th>
          <th scope="col">Candidate</th>
          <th scope="col">Champion</th>
          <th scope="col">By</th>
        </tr>
      </thead>
      <tbody>
        {latestFirst(decisions).map((d) => (
          <tr key={d.id}>
            <td>{formatTime(d.at)}</td>
            <td>
              <span className={`badge action-${d.action}`}>{d.action}</span>
            </td>
            <td className="value">{d.reason}</td>
            <td>
              {d.evidence === null || d.evidence.guards.length === 0
                ? '—'
                : d.evidence.guards.map((g) => (
                    <div key={g.metric} className={`guard guard-${g.outcome}`}>
                      {g.metric} {g.value === null ? '—' : formatNumber(g.value)} ≤ {formatNumber(g.max)}:{' '}
                      <strong>{g.outcome}</strong> <span className="muted">({g.samples} samples)</span>
                    </div>
                  ))}
            </td>
            <td>
              {d.evidence === null ? (
                '—'
              ) : (
                <>
                  {versionLink(d.evidence.candidate.version)}: <Side side={d.evidence.candidate} />
                </>
              )}
            </td>
            <td>
              {d.evidence === null ? (
                '—'
              ) : (
                <>
                  {versionLink(d.evidence.champion.version)}: <Side side={d.evidence.champion} />
                </>
              )}
            </td>
            <td>{d.actor}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** Every revision of a deployment, newest first: who changed what, when and why. */
export function DeploymentRevisions({
  name,
  revisions,
  versionLink,
}: {
  name: string
  revisions: DeploymentHistory['revisions']
  versionLink: (v: number) => ReactNode
}) {
  return (
    <table className="revisions">
      <thead>
        <tr>
          <th scope="col">Revision</th>
          <th scope="col">Action</th>
          <th scope="col">Strategy</th>
          <th scope="col">Champion</th>
          <th scope="col">Candidate</th>
          <th scope="col">Status</th>
          <th scope="col">By</th>
          <th scope="col">Reason</th>
          <th scope="col">When</th>
        </tr>
      </thead>
      <tbody>
        {latestFirst(revisions).map((r) => (
          <tr key={r.revision}>
            <td>
              <a
                href={lineageLink(`deployment:${name}/${r.revision}`)}
                aria-label={`lineage of revision ${r.revision}`}
              >
                {r.revision}
              </a>
            </td>
            <td>{r.action}</td>
            <td>{r.policy.strategy}</td>
            <td>{versionLink(r.policy.champion)}</td>
            <td>{r.policy.candidate === null ? '—' : versionLink(r.policy.candidate)}</td>
            <td>{r.policy.status}</td>
            <td>{r.actor}</td>
            <td className="value">{r.reason ?? ''}</td>
            <td>{formatTime(r.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
