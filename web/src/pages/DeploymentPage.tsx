import type { ReactNode } from 'react'
import { DeliveryDecisions, DeploymentRevisions } from '../components/DeploymentHistory.js'
import { Command, ErrorView, Loading, NotFound } from '../components/states.js'
import { TrafficSplit } from '../components/TrafficSplit.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatDuration, formatNumber, formatTime } from '../lib/format.js'
import { lineageLink } from '../lib/links.js'
import { href } from '../lib/router.js'

const ACTIVE = new Set(['progressing', 'paused'])

/**
 * One deployment: its traffic now, the rollout's steps and guards, every decision with its
 * evidence (guard values, calls, errors and p99 of candidate and champion), and every revision
 * with who, when and why — each revision linked to its lineage node.
 */
export default function DeploymentPage({ name }: { name: string }) {
  const watch = { watch: (e: { path: string }) => e.path.includes('/deployments') }
  const status = useApi(
    `deployment:${name}`,
    (signal) => client.call('deployments', 'get', { params: { name } }, { signal }),
    watch,
  )
  const history = useApi(
    `deployment-history:${name}`,
    (signal) => client.call('deployments', 'history', { params: { name } }, { signal }),
    watch,
  )
  if (status.status === 'loading') return <Loading what="the deployment" />
  if (status.status === 'error') {
    if (isNotFound(status.error))
      return (
        <NotFound
          what={`Deployment ${name}`}
          message={status.error.message}
          back={{ href: '#/deployments', label: 'All deployments' }}
        />
      )
    return <ErrorView error={status.error} what="the deployment" />
  }
  const d = status.data
  const p = d.policy
  const versionLink = (v: number): ReactNode => <a href={href(['models', p.model, 'versions', v])}>v{v}</a>
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/deployments">Deployments</a> /
      </p>
      <h1 id="page-title">{d.name}</h1>
      <dl className="facts">
        <dt>Model</dt>
        <dd>
          <a href={href(['models', p.model])}>{p.model}</a>
        </dd>
        <dt>Strategy</dt>
        <dd>{p.strategy}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge status-${p.status}`}>{p.status}</span>
        </dd>
        <dt>Champion</dt>
        <dd>{versionLink(p.champion)}</dd>
        <dt>Candidate</dt>
        <dd>{p.candidate === null ? '—' : versionLink(p.candidate)}</dd>
        <dt>Revision</dt>
        <dd>
          <a href={lineageLink(`deployment:${d.name}/${d.revision}`)}>{d.revision}</a> — {d.action} by{' '}
          {d.actor}, {formatTime(d.createdAt)}
          {d.reason ? <span className="value"> ({d.reason})</span> : null}
        </dd>
        {d.evaluateAt !== null && ACTIVE.has(p.status) ? (
          <>
            <dt>Next evaluation</dt>
            <dd>{formatTime(d.evaluateAt)}</dd>
          </>
        ) : null}
      </dl>
      <h2>Traffic</h2>
      <TrafficSplit policy={p} weight={d.weight} />
      {p.steps.length > 0 && ACTIVE.has(p.status) ? (
        <>
          <h3>Rollout steps</h3>
          <ol className="steps" aria-label="Rollout steps (candidate share)">
            {p.steps.map((s, i) => (
              <li
                key={s}
                className={i === p.step ? 'current' : i < p.step ? 'done' : undefined}
                aria-current={i === p.step && ACTIVE.has(p.status) ? 'step' : undefined}
              >
                {s} %
              </li>
            ))}
          </ol>
          <p className="muted">
            {formatDuration(0, p.intervalMs)} per step;{' '}
            {p.autoPromote ? 'promoted automatically after the last step' : 'promotion waits for a person'}.
          </p>
        </>
      ) : null}
      <h3>Guards</h3>
      {p.guards.length === 0 ? (
        <p className="muted">No guards: the rollout advances on time alone.</p>
      ) : (
        <ul>
          {p.guards.map((g) => (
            <li key={g.metric}>
              <code>
                {g.metric} ≤ {formatNumber(g.max)}
              </code>{' '}
              <span className="muted">(after {g.minSamples} samples)</span>
            </li>
          ))}
        </ul>
      )}
      {ACTIVE.has(p.status) ? (
        <>
          <p>Act on the rollout from the command line:</p>
          <Command>{`strata deploy promote ${d.name}   # or: rollback, pause, resume, abort`}</Command>
        </>
      ) : null}
      <h2>Decisions</h2>
      {history.status === 'loading' ? <Loading what="the decisions" /> : null}
      {history.status === 'error' ? <ErrorView error={history.error} what="the history" /> : null}
      {history.status === 'ok' ? (
        <DeliveryDecisions decisions={history.data.decisions} versionLink={versionLink} />
      ) : null}
      <h2>Revisions</h2>
      {history.status === 'ok' ? (
        <DeploymentRevisions name={d.name} revisions={history.data.revisions} versionLink={versionLink} />
      ) : null}
    </section>
  )
}
