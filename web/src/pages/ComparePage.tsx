import { useState } from 'react'
import { RunCharts } from '../components/RunCharts.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatNumber, shortId } from '../lib/format.js'
import { runLink } from '../lib/links.js'

/** `runs=a,b` or MLflow's `runs=["a","b"]`. */
export function parseRunIds(raw: string | null): string[] {
  if (raw === null || raw.trim() === '') return []
  if (raw.trim().startsWith('[')) {
    try {
      const list = JSON.parse(raw) as unknown
      if (Array.isArray(list)) return list.filter((x): x is string => typeof x === 'string')
    } catch {
      // fall back to commas
    }
  }
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Rows of a side-by-side table: key → value per run; `differs` when the runs disagree. */
function rowsOf(table: Record<string, Record<string, string | number>>, runIds: readonly string[]) {
  return Object.keys(table)
    .sort()
    .map((key) => {
      const values = runIds.map((id) => table[key]?.[id])
      const shown = values.map((v) => (v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : v))
      return { key, shown, differs: new Set(shown).size > 1 }
    })
}

/** Compares 2–10 runs: overlaid metric charts, a param diff and the latest metrics side by side. */
export default function ComparePage({ query }: { query: URLSearchParams }) {
  const ids = parseRunIds(query.get('runs'))
  const [onlyDiff, setOnlyDiff] = useState(false)
  const valid = ids.length >= 2 && ids.length <= 10
  const compared = useApi(`compare:${ids.join(',')}`, async (signal) => {
    if (!valid) throw new Error(`choose 2 to 10 runs to compare (got ${ids.length})`)
    const [first, ...rest] = ids
    return client.call('runs', 'compare', { params: { id: first! }, query: { with: rest } }, { signal })
  })
  if (!valid) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title">Compare runs</h1>
        <p>
          Choose 2 to 10 runs in an experiment's runs table and press Compare (this link names {ids.length}).
        </p>
        <p>
          <a href="#/experiments">Experiments</a>
        </p>
      </section>
    )
  }
  if (compared.status === 'loading') return <Loading what="the runs" />
  if (compared.status === 'error') {
    if (isNotFound(compared.error))
      return (
        <NotFound
          what="One of these runs"
          message={compared.error.message}
          back={{ href: '#/experiments', label: 'All experiments' }}
        />
      )
    return <ErrorView error={compared.error} what="the comparison" />
  }
  const { runs, params, metrics } = compared.data
  const runIds = runs.map((r) => r.runId)
  const labels = runs.map((r) => ({ id: r.runId, label: r.runName || shortId(r.runId) }))
  const paramRows = rowsOf(params, runIds)
  const metricRows = rowsOf(metrics as Record<string, Record<string, string | number>>, runIds)
  const header = (
    <thead>
      <tr>
        <th scope="col">Key</th>
        {runs.map((r) => (
          <th scope="col" key={r.runId}>
            <a href={runLink(r.runId, r.experimentId)}>{r.runName || shortId(r.runId)}</a>
          </th>
        ))}
      </tr>
    </thead>
  )
  const table = (caption: string, rows: ReturnType<typeof rowsOf>) => {
    const shown = onlyDiff ? rows.filter((r) => r.differs) : rows
    return (
      <div className="table-wrap">
        <table>
          <caption>
            {caption}{' '}
            <span className="muted">
              ({rows.filter((r) => r.differs).length} of {rows.length} differ)
            </span>
          </caption>
          {header}
          <tbody>
            {shown.map((r) => (
              <tr key={r.key} className={r.differs ? 'diff' : undefined}>
                <th scope="row">{r.key}</th>
                {r.shown.map((v, i) => (
                  <td key={runIds[i]} className="value">
                    {v}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )
  }
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Compare {runs.length} runs</h1>
      <label>
        <input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.target.checked)} /> Only show
        differences
      </label>
      <h2>Metric charts</h2>
      <RunCharts runs={labels} keys={metricRows.map((r) => r.key)} />
      <h2>Params</h2>
      {table('Params', paramRows)}
      <h2>Metrics</h2>
      {table('Latest metrics', metricRows)}
    </section>
  )
}
