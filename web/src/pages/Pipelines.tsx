import { useState } from 'react'
import { PipelineRunsTable } from '../components/PipelineRunsTable.js'
import { Command, Empty, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { href } from '../lib/router.js'

const STATUSES = ['all', 'running', 'succeeded', 'failed', 'cancelled'] as const

/** The project's pipelines (steps, params, triggers) and their latest runs, filterable by status. */
export default function Pipelines() {
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('all')
  const watch = { watch: (e: { path: string }) => e.path.includes('pipeline') }
  const list = useApi('pipelines', (signal) => client.call('pipelines', 'list', {}, { signal }), watch)
  const runs = useApi(
    `pipeline-runs:${status}`,
    (signal) =>
      client.call(
        'pipelines',
        'runs',
        { query: { maxResults: 50, ...(status === 'all' ? {} : { filter: `status = '${status}'` }) } },
        { signal },
      ),
    watch,
  )
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Pipelines</h1>
      {list.status === 'loading' ? <Loading what="pipelines" /> : null}
      {list.status === 'error' ? <ErrorView error={list.error} what="pipelines" /> : null}
      {list.status === 'ok' && list.data.pipelines.length === 0 ? (
        <Empty title="No pipelines declared">
          <p>Point strata.config.ts at a module that exports pipelines, then:</p>
          <Command>strata pipelines list</Command>
        </Empty>
      ) : null}
      {list.status === 'ok' && list.data.pipelines.length > 0 ? (
        <table className="pipelines">
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Steps</th>
              <th scope="col">Params</th>
              <th scope="col">Triggers</th>
            </tr>
          </thead>
          <tbody>
            {list.data.pipelines.map((p) => (
              <tr key={p.name}>
                <td>
                  <a href={href(['pipelines', p.name])}>{p.name}</a>
                  {p.description ? <div className="muted">{p.description}</div> : null}
                </td>
                <td>{p.steps.map((s) => s.name).join(' · ')}</td>
                <td className="value">
                  {Object.keys(p.params).length === 0 ? '—' : JSON.stringify(p.params)}
                </td>
                <td className="value">{p.triggers.length === 0 ? '—' : p.triggers.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <h2>Runs</h2>
      <label>
        Status{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value as (typeof STATUSES)[number])}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {runs.status === 'loading' ? <Loading what="runs" /> : null}
      {runs.status === 'error' ? <ErrorView error={runs.error} what="runs" /> : null}
      {runs.status === 'ok' ? <PipelineRunsTable runs={runs.data.items} /> : null}
    </section>
  )
}
