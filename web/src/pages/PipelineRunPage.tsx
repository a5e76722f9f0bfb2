import { useState } from 'react'
import { StepGraph } from '../components/StepGraph.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatDuration, formatTime, shortId } from '../lib/format.js'
import { lineageLink } from '../lib/links.js'
import { href } from '../lib/router.js'

/**
 * One pipeline run: its DAG coloured by step state, each step's attempt, cache hit, duration
 * and error, the params and resolved dataset commits it ran with, and each step's log.
 */
export default function PipelineRunPage({ runId }: { runId: string }) {
  const watch = { watch: (e: { path: string }) => e.path.includes('pipeline') }
  const details = useApi(
    `pipeline-run:${runId}`,
    (signal) => client.call('pipelines', 'run', { params: { id: runId } }, { signal }),
    watch,
  )
  const pipelines = useApi('pipelines', (signal) => client.call('pipelines', 'list', {}, { signal }))
  const [logStep, setLogStep] = useState<string | null>(null)
  const logs = useApi(`pipeline-logs:${runId}:${logStep ?? ''}`, (signal) =>
    logStep === null
      ? Promise.resolve(null)
      : client.call('pipelines', 'logs', { params: { id: runId }, query: { step: logStep } }, { signal }),
  )
  if (details.status === 'loading') return <Loading what="the run" />
  if (details.status === 'error') {
    if (isNotFound(details.error))
      return (
        <NotFound
          what={`Pipeline run ${runId}`}
          message={details.error.message}
          back={{ href: '#/pipelines', label: 'All pipelines' }}
        />
      )
    return <ErrorView error={details.error} what="the run" />
  }
  const { run, steps } = details.data
  const declared =
    pipelines.status === 'ok' ? pipelines.data.pipelines.find((p) => p.name === run.pipeline) : undefined
  const upstreamOf = (step: string) => declared?.steps.find((s) => s.name === step)?.upstream ?? []
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/pipelines">Pipelines</a> / <a href={href(['pipelines', run.pipeline])}>{run.pipeline}</a> /
      </p>
      <h1 id="page-title">
        {run.name} <span className={`badge status-${run.status}`}>{run.status}</span>
      </h1>
      <dl className="facts">
        <dt>Run id</dt>
        <dd className="id">
          {run.runId} (<a href={lineageLink(`pipeline-run:${run.runId}`)}>lineage</a>)
        </dd>
        <dt>Started</dt>
        <dd>
          {formatTime(run.startedAt ?? run.createdAt)} by {run.userId}
          {run.tags.trigger ? `, triggered by ${run.tags.trigger}` : ''}
        </dd>
        <dt>Duration</dt>
        <dd>{run.startedAt === null ? '—' : formatDuration(run.startedAt, run.endedAt)}</dd>
        <dt>Params</dt>
        <dd className="value">{JSON.stringify(run.params)}</dd>
        {Object.keys(run.resolved).length > 0 ? (
          <>
            <dt>Dataset inputs</dt>
            <dd>
              {Object.entries(run.resolved).map(([input, commit]) => (
                <div key={input}>
                  {input} → <a href={href(['commits', commit])}>{shortId(commit, 12)}</a>
                </div>
              ))}
            </dd>
          </>
        ) : null}
        {run.error ? (
          <>
            <dt>Error</dt>
            <dd className="value error-text">{run.error}</dd>
          </>
        ) : null}
      </dl>
      <StepGraph
        label={`Steps of run ${shortId(run.runId)}: ${steps.map((s) => `${s.step} ${s.status}${s.cached ? ' (cached)' : ''}`).join('; ')}`}
        steps={steps.map((s) => ({
          name: s.step,
          upstream: upstreamOf(s.step),
          status: s.status,
          detail: s.cached ? 'cached' : s.attempt > 1 ? `attempt ${s.attempt}` : '',
        }))}
      />
      <h2>Steps</h2>
      <table className="step-runs">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Status</th>
            <th scope="col">Cached</th>
            <th scope="col">Attempts</th>
            <th scope="col">Duration</th>
            <th scope="col">Error</th>
            <th scope="col">Log</th>
          </tr>
        </thead>
        <tbody>
          {steps.map((s) => (
            <tr key={s.step}>
              <td>{s.step}</td>
              <td>
                <span className={`badge status-${s.status}`}>{s.status}</span>
              </td>
              <td>{s.cached ? 'yes' : 'no'}</td>
              <td>{s.attempt}</td>
              <td>{s.startedAt === null ? '—' : formatDuration(s.startedAt, s.endedAt)}</td>
              <td className="value">{s.error ?? ''}</td>
              <td>
                <button type="button" onClick={() => setLogStep(s.step)} aria-pressed={logStep === s.step}>
                  Log of {s.step}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {logStep === null ? null : (
        <>
          <h3>Log of {logStep}</h3>
          {logs.status === 'loading' ? <Loading what="the log" /> : null}
          {logs.status === 'error' ? <ErrorView error={logs.error} what="the log" /> : null}
          {logs.status === 'ok' && logs.data !== null ? (
            logs.data.logs.length === 0 ? (
              <p className="muted">No log lines.</p>
            ) : (
              logs.data.logs.map((l) => (
                <figure key={l.attempt}>
                  <figcaption className="muted">attempt {l.attempt}</figcaption>
                  <pre className="preview step-log">{l.lines.join('\n')}</pre>
                </figure>
              ))
            )
          ) : null}
        </>
      )}
    </section>
  )
}
