import { PipelineRunsTable } from '../components/PipelineRunsTable.js'
import { Command, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { formatTime, shortId } from '../lib/format.js'
import { runLink } from '../lib/links.js'
import { href } from '../lib/router.js'

/** Counts up to a listing's first page (`1000+` beyond). */
function count(items: readonly unknown[], more: boolean): string {
  return more ? `${items.length}+` : String(items.length)
}

/**
 * The project at a glance: counts per area (datasets, feature views, experiments, models,
 * pipelines, deployments, monitors with how many alert), the latest runs and pipeline runs; an
 * empty project shows how to start.
 */
export default function Overview() {
  const data = useApi(
    'overview',
    async (signal) => {
      const [
        health,
        experiments,
        models,
        datasets,
        features,
        pipelines,
        pipelineRuns,
        deployments,
        monitors,
      ] = await Promise.all([
        client.call('server', 'health', {}, { signal }),
        client.call('experiments', 'search', { query: { maxResults: 1000 } }, { signal }),
        client.call('models', 'search', { query: { maxResults: 1000 } }, { signal }),
        client.call('data', 'list', {}, { signal }),
        // a project without a features module (or one that fails to load) still has an overview
        client.call('features', 'inventory', {}, { signal }).catch(() => null),
        // the same for a project without pipelines or monitors
        client.call('pipelines', 'list', {}, { signal }).catch(() => null),
        client.call('pipelines', 'runs', { query: { maxResults: 5 } }, { signal }).catch(() => null),
        client.call('deployments', 'list', {}, { signal }),
        client.call('monitoring', 'list', {}, { signal }).catch(() => null),
      ])
      const ids = experiments.items.map((e) => e.experimentId)
      const runs =
        ids.length === 0
          ? { items: [], nextPageToken: null }
          : await client.call(
              'runs',
              'list',
              { query: { experimentId: ids.slice(0, 100), maxResults: 10 } },
              { signal },
            )
      return {
        health,
        experiments,
        models,
        runs,
        datasets,
        features,
        pipelines,
        pipelineRuns,
        deployments,
        monitors,
      }
    },
    { watch: () => true },
  )
  if (data.status === 'loading') return <Loading what="the overview" />
  if (data.status === 'error') return <ErrorView error={data.error} what="the overview" />
  const {
    health,
    experiments,
    models,
    runs,
    datasets,
    features,
    pipelines,
    pipelineRuns,
    deployments,
    monitors,
  } = data.data
  const alerting = monitors?.monitors.filter((m) => m.latest?.status === 'alert').length ?? 0
  const empty = runs.items.length === 0 && models.items.length === 0 && datasets.items.length === 0
  const views = features?.items.filter((i) => i.kind === 'feature-view') ?? null
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{health.project}</h1>
      <p className="muted">Strata {health.version}</p>
      <div className="cards">
        <a className="card" href="#/datasets">
          <span className="count">{datasets.items.length}</span> datasets
        </a>
        <a className="card" href="#/features">
          <span className="count">{views === null ? '—' : views.length}</span> feature views
        </a>
        <a className="card" href="#/experiments">
          <span className="count">{count(experiments.items, Boolean(experiments.nextPageToken))}</span>{' '}
          experiments
        </a>
        <a className="card" href="#/models">
          <span className="count">{count(models.items, Boolean(models.nextPageToken))}</span> registered
          models
        </a>
        <a className="card" href="#/pipelines">
          <span className="count">{pipelines === null ? '—' : pipelines.pipelines.length}</span> pipelines
        </a>
        <a className="card" href="#/deployments">
          <span className="count">{deployments.deployments.length}</span> deployments
        </a>
        <a className="card" href="#/monitors">
          <span className="count">{monitors === null ? '—' : monitors.monitors.length}</span> monitors
          {alerting > 0 ? <span className="badge result-alert">{alerting} alerting</span> : null}
        </a>
        <a className="card" href="#/lineage">
          <span className="count">↔</span> lineage graph
        </a>
      </div>
      {empty ? (
        <div className="callout">
          <strong>This project has no datasets, runs or models yet.</strong>
          <p>To see every page with data, build the demo project and serve it:</p>
          <Command>{'npm run demo\nnpm run strata -- -C .demo server'}</Command>
          <p>Or start with your own data:</p>
          <Command>
            {'strata data put flights ./flights.parquet\nstrata features apply\nstrata runs --help'}
          </Command>
        </div>
      ) : null}
      <h2>Recent runs</h2>
      {runs.items.length === 0 ? (
        <p className="muted">No runs yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Experiment</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.items.map((r) => (
              <tr key={r.info.runId}>
                <td>
                  <a href={runLink(r.info.runId, r.info.experimentId)}>
                    {r.info.runName || shortId(r.info.runId)}
                  </a>
                </td>
                <td>
                  <a href={href(['experiments', r.info.experimentId])}>
                    {experiments.items.find((e) => e.experimentId === r.info.experimentId)?.name ??
                      r.info.experimentId}
                  </a>
                </td>
                <td className={`status-${r.info.status}`}>{r.info.status}</td>
                <td>{formatTime(r.info.startTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {pipelineRuns !== null && pipelineRuns.items.length > 0 ? (
        <>
          <h2>Recent pipeline runs</h2>
          <PipelineRunsTable runs={pipelineRuns.items} />
        </>
      ) : null}
      <h2>Models</h2>
      {models.items.length === 0 ? (
        <p className="muted">No registered models yet.</p>
      ) : (
        <ul>
          {models.items.slice(0, 10).map((m) => (
            <li key={m.name}>
              <a href={href(['models', m.name])}>{m.name}</a>{' '}
              {Object.entries(m.aliases).map(([a, v]) => (
                <span key={a} className="badge">
                  @{a} → v{v}
                </span>
              ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
