import { PipelineRunsTable } from '../components/PipelineRunsTable.js'
import { StepGraph } from '../components/StepGraph.js'
import { Command, ErrorView, Loading, NotFound } from '../components/states.js'
import { client, useApi } from '../lib/api.js'

/** One pipeline: its DAG, params and triggers, and its runs. */
export default function PipelinePage({ name }: { name: string }) {
  const watch = { watch: (e: { path: string }) => e.path.includes('pipeline') }
  const list = useApi('pipelines', (signal) => client.call('pipelines', 'list', {}, { signal }), watch)
  const runs = useApi(
    `pipeline-runs-of:${name}`,
    (signal) =>
      client.call(
        'pipelines',
        'runs',
        { query: { maxResults: 50, filter: `pipeline = '${name.replaceAll("'", "''")}'` } },
        { signal },
      ),
    watch,
  )
  if (list.status === 'loading') return <Loading what="the pipeline" />
  if (list.status === 'error') return <ErrorView error={list.error} what="the pipeline" />
  const p = list.data.pipelines.find((x) => x.name === name)
  if (p === undefined)
    return (
      <NotFound
        what={`Pipeline ${name}`}
        message={`the project declares no pipeline "${name}"`}
        back={{ href: '#/pipelines', label: 'All pipelines' }}
      />
    )
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/pipelines">Pipelines</a> /
      </p>
      <h1 id="page-title">{p.name}</h1>
      {p.description ? <p>{p.description}</p> : null}
      <StepGraph
        label={`Steps of ${p.name}: ${p.steps.map((s) => (s.upstream.length === 0 ? s.name : `${s.name} (reads ${s.upstream.join(', ')})`)).join('; ')}`}
        steps={p.steps.map((s) => ({
          name: s.name,
          upstream: s.upstream,
          detail: [s.kind === 'command' ? 'command' : '', s.cache ? '' : 'no cache']
            .filter(Boolean)
            .join(', '),
        }))}
      />
      <dl className="facts">
        <dt>Params</dt>
        <dd className="value">{Object.keys(p.params).length === 0 ? '—' : JSON.stringify(p.params)}</dd>
        <dt>Triggers</dt>
        <dd className="value">
          {p.triggers.length === 0 ? 'none (runs start by hand)' : p.triggers.join(', ')}
        </dd>
      </dl>
      <p>Plan a run (what will run or hit the cache, and why), then run it:</p>
      <Command>{`strata pipelines plan ${p.name} && strata pipelines run ${p.name}`}</Command>
      <h2>Runs</h2>
      {runs.status === 'loading' ? <Loading what="runs" /> : null}
      {runs.status === 'error' ? <ErrorView error={runs.error} what="runs" /> : null}
      {runs.status === 'ok' ? <PipelineRunsTable runs={runs.data.items} /> : null}
    </section>
  )
}
