import { Artifacts } from '../components/Artifacts.js'
import { KeyValues } from '../components/KeyValues.js'
import { RunCharts } from '../components/RunCharts.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatDuration, formatNumber, formatTime } from '../lib/format.js'
import { lineageLink } from '../lib/links.js'
import { href } from '../lib/router.js'

/**
 * A run (MLflow's `#/experiments/{id}/runs/{run}` and `#/runs/{run}`): status, params, tags,
 * latest metrics, step-metric charts, datasets, artifacts; live while it runs.
 */
export default function RunPage({ runId, experimentId }: { runId: string; experimentId?: string }) {
  const run = useApi(
    `run:${runId}`,
    (signal) => client.call('runs', 'get', { params: { id: runId } }, { signal }),
    {
      watch: (e) => /\/runs\b|\/mlflow\/runs\//.test(e.path),
    },
  )
  if (run.status === 'loading') return <Loading what="the run" />
  if (run.status === 'error') {
    if (isNotFound(run.error)) {
      return (
        <NotFound
          what={`Run ${runId}`}
          message={run.error.message}
          back={
            experimentId
              ? { href: href(['experiments', experimentId]), label: 'Back to the experiment' }
              : { href: '#/experiments', label: 'All experiments' }
          }
        />
      )
    }
    return <ErrorView error={run.error} what="the run" />
  }
  const { info, data, inputs } = run.data
  const metricKeys = Object.keys(data.metrics).sort()
  const metricRows = Object.fromEntries(
    metricKeys.map((k) => [k, `${formatNumber(data.metrics[k]!.value)}  (step ${data.metrics[k]!.step})`]),
  )
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/experiments">Experiments</a> /{' '}
        <a href={href(['experiments', info.experimentId])}>{`experiment ${info.experimentId}`}</a> /
      </p>
      <h1 id="page-title">{info.runName || info.runId}</h1>
      <dl className="facts">
        <dt>Run id</dt>
        <dd className="mono">{info.runId}</dd>
        <dt>Status</dt>
        <dd className={`status-${info.status}`}>
          {info.status}
          {info.status === 'RUNNING' ? ' (updates live)' : ''}
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(info.startTime)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(info.startTime, info.endTime)}</dd>
        <dt>User</dt>
        <dd>{info.userId}</dd>
        <dt>Lineage</dt>
        <dd>
          <a href={lineageLink(`run:${info.runId}`)}>Show this run's lineage</a>
        </dd>
      </dl>
      <h2>Metric charts</h2>
      <RunCharts
        runs={[{ id: info.runId, label: info.runName || info.runId }]}
        keys={metricKeys}
        live={info.status === 'RUNNING'}
      />
      <h2>Metrics</h2>
      <KeyValues caption="Latest value of each metric" entries={metricRows} empty="No metrics logged." />
      <h2>Params</h2>
      <KeyValues caption="Parameters" entries={data.params} empty="No params logged." />
      <h2>Tags</h2>
      <KeyValues caption="Tags" entries={data.tags} empty="No tags." />
      <h2>Datasets</h2>
      {inputs.datasetInputs.length === 0 ? (
        <p className="muted">No dataset inputs logged.</p>
      ) : (
        <ul>
          {inputs.datasetInputs.map((d) => (
            <li key={`${d.dataset.name}:${d.dataset.digest}`}>
              <span className="value">{d.dataset.name}</span>{' '}
              <span className="muted mono">{d.dataset.digest}</span>{' '}
              <span className="muted">
                ({d.dataset.sourceType}: {d.dataset.source})
              </span>
            </li>
          ))}
        </ul>
      )}
      <h2>Artifacts</h2>
      <Artifacts runId={info.runId} />
    </section>
  )
}
