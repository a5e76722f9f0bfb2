import { MetricChart } from '../components/MetricChart.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatNumber, formatTime } from '../lib/format.js'
import { href } from '../lib/router.js'
import type { RetrainLoop } from '../lib/types.js'

/**
 * One monitor: the share of drifted columns window after window (a chart), every window's
 * verdict, the chosen window's per-column drift tests (the latest by default; `?window=` in the
 * URL), and the closed retrain loops its incidents started.
 */
export default function MonitorPage({ name, query }: { name: string; query: URLSearchParams }) {
  const watch = { watch: (e: { path: string }) => e.path.includes('monitor') }
  const windowParam = query.get('window')
  const windowStart = windowParam === null ? undefined : Number(windowParam)
  const history = useApi(
    `monitor-history:${name}`,
    (signal) => client.call('monitoring', 'history', { params: { name }, query: { limit: 500 } }, { signal }),
    watch,
  )
  const report = useApi(
    `monitor-report:${name}:${windowParam ?? ''}`,
    (signal) =>
      client.call(
        'monitoring',
        'report',
        { params: { name }, query: windowStart === undefined ? {} : { windowStart } },
        { signal },
      ),
    watch,
  )
  const loops = useApi(
    `monitor-loops:${name}`,
    (signal) => client.call('monitoring', 'loops', { query: { monitor: name } }, { signal }),
    watch,
  )
  if (history.status === 'loading') return <Loading what="the monitor" />
  if (history.status === 'error') {
    if (isNotFound(history.error))
      return (
        <NotFound
          what={`Monitor ${name}`}
          message={history.error.message}
          back={{ href: '#/monitors', label: 'All monitors' }}
        />
      )
    return <ErrorView error={history.error} what="the monitor" />
  }
  const results = history.data.results
  const oldestFirst = [...results].reverse()
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/monitors">Monitors</a> /
      </p>
      <h1 id="page-title">{name}</h1>
      {results.length === 0 ? (
        <p className="muted">No window has been monitored yet: run `strata monitor run {name}`.</p>
      ) : (
        <MetricChart
          title={`Share of drifted columns per window, oldest first (window 1 starts ${formatTime(oldestFirst[0]?.windowStart)})`}
          series={[
            {
              label: 'drifted share',
              points: oldestFirst.map((r, i) => ({
                step: i + 1,
                value: r.tested === 0 ? 0 : r.drifted / r.tested,
              })),
            },
          ]}
        />
      )}
      <h2>Window report</h2>
      {report.status === 'loading' ? <Loading what="the report" /> : null}
      {report.status === 'error' ? <ErrorView error={report.error} what="the report" /> : null}
      {report.status === 'ok' ? (
        <>
          <p>
            {formatTime(report.data.result.windowStart)} – {formatTime(report.data.result.windowEnd)}:{' '}
            <span className={`badge result-${report.data.result.status}`}>{report.data.result.status}</span>,{' '}
            {report.data.result.rows} rows, reference v{report.data.result.referenceVersion}
          </p>
          {report.data.drift === null ? (
            <p className="muted">No drift check ran on this window.</p>
          ) : (
            <table className="column-drift">
              <caption>
                {report.data.drift.drifted} of {report.data.drift.tested} columns drifted (dataset drift at a
                share of {formatNumber(report.data.drift.driftShare)}:{' '}
                {report.data.drift.datasetDrift ? 'yes' : 'no'})
              </caption>
              <thead>
                <tr>
                  <th scope="col">Column</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Test</th>
                  <th scope="col">Score</th>
                  <th scope="col">Threshold</th>
                  <th scope="col">Drifted</th>
                  <th scope="col">Missing (ref / now)</th>
                  <th scope="col">New categories</th>
                </tr>
              </thead>
              <tbody>
                {report.data.drift.columns.map((c) => (
                  <tr key={c.column} className={c.drifted ? 'drifted' : undefined}>
                    <td>{c.column}</td>
                    <td>{c.kind}</td>
                    <td>
                      {c.test} <span className="muted">({c.scoreKind})</span>
                    </td>
                    <td>{c.score === null ? '—' : formatNumber(c.score)}</td>
                    <td>{formatNumber(c.threshold)}</td>
                    <td>{c.status === 'not-tested' ? 'not tested' : c.drifted ? 'yes' : 'no'}</td>
                    <td>
                      {c.referenceMissing} / {c.currentMissing}
                    </td>
                    <td className="value">{c.newCategories.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
      <h2>Windows</h2>
      <table className="monitor-results">
        <thead>
          <tr>
            <th scope="col">Window start</th>
            <th scope="col">Status</th>
            <th scope="col">Rows</th>
            <th scope="col">Drifted columns</th>
            <th scope="col">Quality failures</th>
            <th scope="col">Incident</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={r.id}>
              <td>
                <a href={href(['monitors', name], { window: String(r.windowStart) })}>
                  {formatTime(r.windowStart)}
                </a>
              </td>
              <td>
                <span className={`badge result-${r.status}`}>{r.status}</span>
              </td>
              <td>{r.rows}</td>
              <td>
                {r.drifted} of {r.tested}
              </td>
              <td>{r.qualityFailed}</td>
              <td className="id">{r.incidentId ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Retrain loops</h2>
      {loops.status === 'ok' ? <Loops loops={loops.data.loops} /> : null}
      {loops.status === 'error' ? <ErrorView error={loops.error} what="the loops" /> : null}
    </section>
  )
}

function Loops({ loops }: { loops: readonly RetrainLoop[] }) {
  if (loops.length === 0) return <p className="muted">No incident of this monitor started a retrain loop.</p>
  return (
    <table className="loops">
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">State</th>
          <th scope="col">Pipeline run</th>
          <th scope="col">Challenger</th>
          <th scope="col">Deployment</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {loops.map((l) => (
          <tr key={l.id}>
            <td>{formatTime(l.createdAt)}</td>
            <td>
              <span className={`badge loop-${l.state}`}>{l.state}</span>
            </td>
            <td>{l.runId === null ? '—' : <a href={href(['pipeline-runs', l.runId])}>{l.pipeline}</a>}</td>
            <td>
              {l.version === null ? (
                '—'
              ) : (
                <a href={href(['models', l.model, 'versions', l.version])}>v{l.version}</a>
              )}
            </td>
            <td>
              <a href={href(['deployments', l.deployment])}>{l.deployment}</a>
              {l.revision === null ? '' : ` (revision ${l.revision})`}
            </td>
            <td className="value">{l.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
