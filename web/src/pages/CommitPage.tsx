import { type FormEvent, useState } from 'react'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatBytes, formatNumber, formatTime, shortId } from '../lib/format.js'
import { lineageLink } from '../lib/links.js'
import { href, replaceQuery } from '../lib/router.js'

type Cell = string | number | boolean | null

function cellText(v: Cell | unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'number') return formatNumber(v)
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** The schema and first rows of a table file, read through the server. */
function TablePreview({ dataset, commit, path }: { dataset: string; commit: string; path: string }) {
  const preview = useApi(`preview:${dataset}:${commit}:${path}`, (signal) =>
    client.call(
      'data',
      'preview',
      { params: { name: dataset, ref: commit }, query: { path, limit: 50 } },
      { signal },
    ),
  )
  if (preview.status === 'loading') return <Loading what={`a preview of ${path}`} />
  if (preview.status === 'error') return <ErrorView error={preview.error} what={`a preview of ${path}`} />
  const p = preview.data
  return (
    <div className="table-wrap">
      <table className="preview-table">
        <caption>
          {path}: first {p.rows.length} of {p.totalRows === null ? 'unknown' : p.totalRows.toLocaleString()}{' '}
          rows ({p.format})
        </caption>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th scope="col" key={c.name}>
                {c.name} <span className="muted">{c.type}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no identity of their own
            <tr key={i}>
              {row.map((v, j) => (
                <td key={p.columns[j]?.name ?? j} className={typeof v === 'number' ? 'num' : 'value'}>
                  {cellText(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** What changed from another ref to this commit: files, and schema, rows and (by key) row samples of tables. */
function CommitDiff({
  dataset,
  to,
  from,
  keyColumns,
}: {
  dataset: string
  to: string
  from: string | null
  keyColumns: string[]
}) {
  const diff = useApi(`diff:${dataset}:${from}:${to}:${keyColumns.join(',')}`, (signal) =>
    client.call(
      'data',
      'diff',
      { params: { name: dataset }, query: { from: from ?? undefined, to, key: keyColumns } },
      { signal },
    ),
  )
  if (diff.status === 'loading') return <Loading what="the diff" />
  if (diff.status === 'error') return <ErrorView error={diff.error} what="the diff" />
  const d = diff.data
  return (
    <>
      <p>
        {d.summary.added} added, {d.summary.changed} changed, {d.summary.removed} removed (+
        {formatBytes(d.summary.bytesAdded)}, −{formatBytes(d.summary.bytesRemoved)})
      </p>
      <table className="diff-files">
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Path</th>
            <th scope="col">Size</th>
            <th scope="col">Table</th>
          </tr>
        </thead>
        <tbody>
          {d.added.map((f) => (
            <tr key={`a:${f.path}`}>
              <td>added</td>
              <td className="value">{f.path}</td>
              <td className="num">{formatBytes(f.size)}</td>
              <td>{f.table ? `${f.table.rows.toLocaleString()} rows` : ''}</td>
            </tr>
          ))}
          {d.removed.map((f) => (
            <tr key={`r:${f.path}`}>
              <td>removed</td>
              <td className="value">{f.path}</td>
              <td className="num">{formatBytes(f.size)}</td>
              <td>{f.table ? `${f.table.rows.toLocaleString()} rows` : ''}</td>
            </tr>
          ))}
          {d.changed.map((c) => (
            <tr key={`c:${c.path}`}>
              <td>changed</td>
              <td className="value">{c.path}</td>
              <td className="num">
                {formatBytes(c.before.size)} → {formatBytes(c.after.size)}
              </td>
              <td>
                {c.table ? (
                  <>
                    rows {c.table.rowsBefore.toLocaleString()} → {c.table.rowsAfter.toLocaleString()}
                    {c.table.columnsAdded.length > 0
                      ? `; columns added: ${c.table.columnsAdded.join(', ')}`
                      : ''}
                    {c.table.columnsRemoved.length > 0
                      ? `; removed: ${c.table.columnsRemoved.join(', ')}`
                      : ''}
                    {c.table.typesChanged.map((t) => `; ${t.name}: ${t.before} → ${t.after}`).join('')}
                    {c.table.byKey ? (
                      <span>
                        {' '}
                        — by {c.table.byKey.key.join(', ')}: +{c.table.byKey.added} −{c.table.byKey.removed} ~
                        {c.table.byKey.changed} rows
                      </span>
                    ) : null}
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {d.changed
        .filter((c) => c.table?.byKey && c.table.byKey.samples.changed.length > 0)
        .map((c) => (
          <table key={`rows:${c.path}`}>
            <caption>
              Changed rows of {c.path} (first {c.table!.byKey!.samples.changed.length})
            </caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Column</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {c.table!.byKey!.samples.changed.flatMap((r) =>
                r.columns.map((col) => (
                  <tr key={`${JSON.stringify(r.key)}:${col}`} className="diff">
                    <td className="value">{Object.values(r.key).map(cellText).join(', ')}</td>
                    <th scope="row">{col}</th>
                    <td className="value">{cellText(r.before[col])}</td>
                    <td className="value">{cellText(r.after[col])}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        ))}
    </>
  )
}

/** A commit's page once its dataset is known. */
function Commit({ dataset, commitId, query }: { dataset: string; commitId: string; query: URLSearchParams }) {
  const files = useApi(`files:${dataset}:${commitId}`, (signal) =>
    client.call('data', 'files', { params: { name: dataset, ref: commitId } }, { signal }),
  )
  const preview = query.get('preview')
  const keyColumns = (query.get('key') ?? '').split(',').filter((k) => k !== '')
  const [keyDraft, setKeyDraft] = useState(keyColumns.join(','))
  const path = `/datasets/${encodeURIComponent(dataset)}/commits/${encodeURIComponent(commitId)}`
  const setQuery = (patch: Record<string, string | undefined>) =>
    replaceQuery(path, {
      preview: preview ?? undefined,
      from: query.get('from') ?? undefined,
      key: query.get('key') ?? undefined,
      ...patch,
    })
  if (files.status === 'loading') return <Loading what="the commit" />
  if (files.status === 'error') {
    if (isNotFound(files.error))
      return (
        <NotFound
          what={`Commit ${commitId} of ${dataset}`}
          message={files.error.message}
          back={{ href: href(['datasets', dataset]), label: `Dataset ${dataset}` }}
        />
      )
    return <ErrorView error={files.error} what="the commit" />
  }
  const { commit, items } = files.data
  const from = query.get('from') ?? commit.parents[0] ?? null
  const submitKey = (e: FormEvent) => {
    e.preventDefault()
    setQuery({ key: keyDraft.replace(/\s+/g, '') || undefined })
  }
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/datasets">Datasets</a> / <a href={href(['datasets', dataset])}>{dataset}</a> /
      </p>
      <h1 id="page-title">
        {dataset} @ {shortId(commit.id, 12)}
      </h1>
      <p className="value">{commit.message}</p>
      <dl className="facts">
        <dt>Commit</dt>
        <dd className="mono">{commit.id}</dd>
        <dt>Author</dt>
        <dd>{commit.author}</dd>
        <dt>When</dt>
        <dd>{formatTime(commit.createdAt)}</dd>
        <dt>Parents</dt>
        <dd className="mono">
          {commit.parents.length === 0
            ? 'none (first commit)'
            : commit.parents.map((p) => (
                <a key={p} href={href(['datasets', dataset, 'commits', p])}>
                  {shortId(p, 12)}{' '}
                </a>
              ))}
        </dd>
        <dt>Lineage</dt>
        <dd>
          <a href={lineageLink(`dataset-commit:${commit.id}`)}>What was made from this commit</a>
        </dd>
      </dl>
      <h2>Files</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">Size</th>
            <th scope="col">Table</th>
            <th scope="col">Preview</th>
          </tr>
        </thead>
        <tbody>
          {items.map((f) => (
            <tr key={f.path}>
              <td className="value">{f.path}</td>
              <td className="num">{formatBytes(f.size)}</td>
              <td>
                {f.table
                  ? `${f.table.rows.toLocaleString()} rows × ${f.table.columns.length} columns (${f.table.format})`
                  : f.contentType}
              </td>
              <td>
                {f.table ? (
                  <button
                    type="button"
                    aria-pressed={preview === f.path}
                    onClick={() => setQuery({ preview: f.path })}
                  >
                    Preview<span className="visually-hidden"> {f.path}</span>
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {preview !== null ? (
        <>
          <h2>Preview</h2>
          <TablePreview dataset={dataset} commit={commit.id} path={preview} />
        </>
      ) : null}
      <h2>Changes {from === null ? '(first commit: every file is new)' : `since ${shortId(from, 12)}`}</h2>
      <form className="toolbar" onSubmit={submitKey}>
        <label htmlFor="diff-key">Row diff by key columns</label>
        <input
          id="diff-key"
          type="text"
          value={keyDraft}
          placeholder="id, or id,date"
          onChange={(e) => setKeyDraft(e.target.value)}
        />
        <button type="submit">Compare rows</button>
      </form>
      <CommitDiff dataset={dataset} to={commit.id} from={from} keyColumns={keyColumns} />
    </section>
  )
}

/** A dataset commit (`#/datasets/{name}/commits/{id}`, or `#/commits/{id}` from lineage). */
export default function CommitPage({
  dataset,
  commitId,
  query,
}: {
  dataset?: string
  commitId: string
  query: URLSearchParams
}) {
  const found = useApi(`commit:${commitId}`, (signal) =>
    dataset === undefined
      ? client.call('data', 'commit', { params: { id: commitId } }, { signal }).then((c) => c.dataset)
      : Promise.resolve(dataset),
  )
  if (found.status === 'loading') return <Loading what="the commit" />
  if (found.status === 'error') {
    if (isNotFound(found.error))
      return (
        <NotFound
          what={`Commit ${commitId}`}
          message={found.error.message}
          back={{ href: '#/datasets', label: 'All datasets' }}
        />
      )
    return <ErrorView error={found.error} what="the commit" />
  }
  return <Commit dataset={found.data} commitId={commitId} query={query} />
}
