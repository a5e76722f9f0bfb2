import { type FormEvent, useMemo, useState } from 'react'
import { Command, Empty, ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatDuration, formatNumber, formatTime, shortId } from '../lib/format.js'
import { runLink } from '../lib/links.js'
import { href, navigate, replaceQuery } from '../lib/router.js'
import type { Run } from '../lib/types.js'

const PAGE_SIZES = [25, 100, 500] as const

/** A column of params or metrics: `metrics.auc`, `params.lr`. */
type Column = `metrics.${string}` | `params.${string}`

/** `metrics.my key` → MLflow's quoted identifier (`metrics.\`my key\``) when the key is not a plain word. */
export function quoteKey(column: string): string {
  const dot = column.indexOf('.')
  const type = column.slice(0, dot)
  const key = column.slice(dot + 1)
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) ? `${type}.${key}` : `${type}.\`${key.replace(/`/g, '')}\``
}

function parseColumns(raw: string | null): Column[] | null {
  if (raw === null) return null
  try {
    const list = JSON.parse(raw) as unknown
    if (Array.isArray(list))
      return list.filter((c): c is Column => typeof c === 'string' && /^(metrics|params)\./.test(c))
  } catch {
    // fall through
  }
  return null
}

/** The value of a column in a run. */
function cell(run: Run, column: Column): string {
  if (column.startsWith('metrics.')) {
    const m = run.data.metrics[column.slice('metrics.'.length)]
    return m === undefined ? '' : formatNumber(m.value)
  }
  return run.data.params[column.slice('params.'.length)] ?? ''
}

/**
 * An experiment's runs (MLflow's `#/experiments/{id}`): chosen param and metric columns, sort by
 * any column, MLflow-syntax filter, paging — all done by the server's search, so 10,000 runs
 * cost one page; the state lives in the URL. Select 2–10 runs to compare them.
 */
export default function ExperimentRuns({
  experimentId,
  query,
}: {
  experimentId: string
  query: URLSearchParams
}) {
  const filter = query.get('filter') ?? ''
  const orderBy = query.get('orderBy') ?? ''
  const pageSize = Number(query.get('pageSize')) || 100
  const [pageTokens, setPageTokens] = useState<string[]>([])
  const [selected, setSelected] = useState<string[]>([])
  const [draft, setDraft] = useState(filter)
  const [pickerOpen, setPickerOpen] = useState(false)
  const token = pageTokens.at(-1)

  const setQuery = (patch: Record<string, string | undefined>) => {
    setPageTokens([])
    replaceQuery(`/experiments/${encodeURIComponent(experimentId)}`, {
      filter,
      orderBy,
      pageSize: pageSize === 100 ? undefined : String(pageSize),
      cols: query.get('cols') ?? undefined,
      ...patch,
    })
  }

  const experiment = useApi(`experiment:${experimentId}`, (signal) =>
    client.call('experiments', 'get', { params: { id: experimentId } }, { signal }),
  )
  const runs = useApi(
    `runs:${experimentId}:${filter}:${orderBy}:${pageSize}:${token ?? ''}`,
    (signal) =>
      client.call(
        'runs',
        'list',
        {
          query: {
            experimentId: [experimentId],
            filter,
            orderBy: orderBy === '' ? undefined : [orderBy],
            maxResults: pageSize,
            pageToken: token,
          },
        },
        { signal },
      ),
    { watch: (e) => e.path.includes('/runs') },
  )

  const available = useMemo(() => {
    const metrics = new Set<string>()
    const params = new Set<string>()
    for (const run of runs.data?.items ?? []) {
      for (const k of Object.keys(run.data.metrics)) metrics.add(k)
      for (const k of Object.keys(run.data.params)) params.add(k)
    }
    return {
      metrics: [...metrics].sort().map((k) => `metrics.${k}` as Column),
      params: [...params].sort().map((k) => `params.${k}` as Column),
    }
  }, [runs.data])
  const chosen = parseColumns(query.get('cols'))
  const columns: Column[] = chosen ?? [...available.metrics.slice(0, 6), ...available.params.slice(0, 4)]

  if (experiment.status === 'error' && isNotFound(experiment.error)) {
    return (
      <NotFound
        what={`Experiment ${experimentId}`}
        message={experiment.error.message}
        back={{ href: '#/experiments', label: 'All experiments' }}
      />
    )
  }

  const sortBy = (column: string) => {
    const key = column.includes('.') ? quoteKey(column) : column
    const [current, direction] = orderBy.split(/ (?=ASC$|DESC$)/)
    const next = current === key && direction === 'DESC' ? `${key} ASC` : `${key} DESC`
    setQuery({ orderBy: next })
  }
  const sortState = (column: string): 'ascending' | 'descending' | undefined => {
    const key = column.includes('.') ? quoteKey(column) : column
    if (orderBy === `${key} ASC`) return 'ascending'
    if (orderBy === `${key} DESC` || orderBy === key) return 'descending'
    return undefined
  }
  const toggleColumn = (column: Column) => {
    const next = columns.includes(column) ? columns.filter((c) => c !== column) : [...columns, column]
    setQuery({ cols: JSON.stringify(next) })
  }
  const toggleRun = (id: string) =>
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 10 ? s : [...s, id]))
  const submitFilter = (e: FormEvent) => {
    e.preventDefault()
    setQuery({ filter: draft.trim() })
  }

  const sortHeader = (column: string, label: string) => (
    <th key={column} scope="col" aria-sort={sortState(column) ?? 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(column)}>
        {label}
        {sortState(column) === 'ascending' ? ' ▲' : sortState(column) === 'descending' ? ' ▼' : ''}
      </button>
    </th>
  )

  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/experiments">Experiments</a> /
      </p>
      <h1 id="page-title">
        {experiment.status === 'ok' ? experiment.data.name : `Experiment ${experimentId}`}
      </h1>
      <form className="toolbar" onSubmit={submitFilter} aria-label="Filter runs">
        <label htmlFor="run-filter">Filter</label>
        <input
          id="run-filter"
          className="grow"
          type="search"
          value={draft}
          placeholder="metrics.auc > 0.8 and params.model = 'logreg'"
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Apply</button>
        {filter !== '' ? (
          <button
            type="button"
            onClick={() => {
              setDraft('')
              setQuery({ filter: undefined })
            }}
          >
            Clear
          </button>
        ) : null}
        <button
          type="button"
          aria-expanded={pickerOpen}
          aria-controls="columns-picker"
          onClick={() => setPickerOpen((o) => !o)}
        >
          Columns
        </button>
        <button
          type="button"
          className="primary"
          disabled={selected.length < 2}
          onClick={() => navigate(href(['compare-runs'], { runs: selected.join(','), experimentId }))}
        >
          Compare {selected.length > 0 ? `(${selected.length})` : ''}
        </button>
      </form>
      {pickerOpen ? (
        <div className="columns-picker" id="columns-picker">
          {(['metrics', 'params'] as const).map((type) => (
            <fieldset key={type}>
              <legend>{type === 'metrics' ? 'Metrics' : 'Params'}</legend>
              {available[type].length === 0 ? <span className="muted">none on this page</span> : null}
              {available[type].map((c) => (
                <label key={c}>
                  <input type="checkbox" checked={columns.includes(c)} onChange={() => toggleColumn(c)} />{' '}
                  {c.slice(type.length + 1)}
                </label>
              ))}
            </fieldset>
          ))}
        </div>
      ) : null}
      {runs.status === 'loading' ? <Loading what="runs" /> : null}
      {runs.status === 'error' ? <ErrorView error={runs.error} what="runs" /> : null}
      {runs.status === 'ok' && runs.data.items.length === 0 ? (
        filter !== '' ? (
          <Empty title="No run matches this filter">
            <p>
              Filters use MLflow's syntax: <code>metrics.auc &gt; 0.8 and params.model = 'logreg'</code>.
            </p>
          </Empty>
        ) : (
          <Empty title="No runs in this experiment yet">
            <p>Log one with the mlflow client (tracking URI = this server) or:</p>
            <Command>strata runs --help</Command>
          </Empty>
        )
      ) : null}
      {runs.status === 'ok' && runs.data.items.length > 0 ? (
        <>
          <div className="table-wrap">
            <table className="runs" aria-busy={runs.stale === true}>
              <caption className="muted">
                {runs.data.items.length} runs on this page
                {selected.length > 0 ? `, ${selected.length} selected (2–10 to compare)` : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Select</span>
                  </th>
                  {sortHeader('run_name', 'Run')}
                  {sortHeader('start_time', 'Started')}
                  <th scope="col">Duration</th>
                  {sortHeader('status', 'Status')}
                  {columns.map((c) =>
                    sortHeader(c, c.replace(/^metrics\./, '').replace(/^params\./, 'param ')),
                  )}
                </tr>
              </thead>
              <tbody>
                {runs.data.items.map((run) => (
                  <tr key={run.info.runId}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select run ${run.info.runName || run.info.runId}`}
                        checked={selected.includes(run.info.runId)}
                        onChange={() => toggleRun(run.info.runId)}
                      />
                    </td>
                    <td>
                      <a href={runLink(run.info.runId, experimentId)}>
                        {run.info.runName || shortId(run.info.runId)}
                      </a>
                    </td>
                    <td>{formatTime(run.info.startTime)}</td>
                    <td>{formatDuration(run.info.startTime, run.info.endTime)}</td>
                    <td className={`status-${run.info.status}`}>{run.info.status}</td>
                    {columns.map((c) => (
                      <td key={c} className={c.startsWith('metrics.') ? 'num' : 'value'}>
                        {cell(run, c)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="toolbar" aria-label="Pages">
            <button
              type="button"
              disabled={pageTokens.length === 0}
              onClick={() => setPageTokens((t) => t.slice(0, -1))}
            >
              Previous
            </button>
            <span className="muted">Page {pageTokens.length + 1}</span>
            <button
              type="button"
              disabled={!runs.data.nextPageToken}
              onClick={() => setPageTokens((t) => [...t, runs.data.nextPageToken!])}
            >
              Next
            </button>
            <label>
              Rows per page{' '}
              <select
                value={pageSize}
                onChange={(e) =>
                  setQuery({ pageSize: e.target.value === '100' ? undefined : e.target.value })
                }
              >
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
          </nav>
        </>
      ) : null}
    </section>
  )
}
