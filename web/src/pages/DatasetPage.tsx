import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatBytes, formatTime, shortId } from '../lib/format.js'
import { href, replaceQuery } from '../lib/router.js'

/** A dataset: its branches and tags, and the commit log of the chosen ref. */
export default function DatasetPage({ name, query }: { name: string; query: URLSearchParams }) {
  const watch = { watch: (e: { path: string }) => e.path.startsWith('/api/data') }
  const dataset = useApi(
    `dataset:${name}`,
    (signal) => client.call('data', 'get', { params: { name } }, { signal }),
    watch,
  )
  const ref = query.get('ref') ?? (dataset.status === 'ok' ? dataset.data.dataset.defaultBranch : null)
  const log = useApi(
    `log:${name}:${ref}`,
    (signal) =>
      ref === null
        ? Promise.resolve({ items: [] })
        : client.call('data', 'log', { params: { name }, query: { ref, maxResults: 200 } }, { signal }),
    watch,
  )
  if (dataset.status === 'loading') return <Loading what="the dataset" />
  if (dataset.status === 'error') {
    if (isNotFound(dataset.error))
      return (
        <NotFound
          what={`Dataset ${name}`}
          message={dataset.error.message}
          back={{ href: '#/datasets', label: 'All datasets' }}
        />
      )
    return <ErrorView error={dataset.error} what="the dataset" />
  }
  const { dataset: ds, refs } = dataset.data
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/datasets">Datasets</a> /
      </p>
      <h1 id="page-title">{ds.name}</h1>
      {ds.description ? <p className="value">{ds.description}</p> : null}
      <h2>Branches and tags</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Ref</th>
            <th scope="col">Kind</th>
            <th scope="col">Head</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {refs.map((r) => (
            <tr key={`${r.kind}:${r.name}`}>
              <td>
                <button
                  type="button"
                  className="link"
                  aria-pressed={r.name === ref}
                  onClick={() => replaceQuery(`/datasets/${encodeURIComponent(name)}`, { ref: r.name })}
                >
                  {r.name}
                </button>
                {r.name === ds.defaultBranch ? <span className="muted"> (default)</span> : null}
              </td>
              <td>{r.kind}</td>
              <td className="mono">
                {r.commit ? (
                  <a href={href(['datasets', name, 'commits', r.commit])}>{shortId(r.commit, 12)}</a>
                ) : (
                  'no commits'
                )}
              </td>
              <td>{formatTime(r.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>History of {ref}</h2>
      {log.status === 'loading' ? <Loading what="the history" /> : null}
      {log.status === 'error' ? <ErrorView error={log.error} what="the history" /> : null}
      {log.status === 'ok' ? (
        log.data.items.length === 0 ? (
          <p className="muted">No commits on {ref} yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Commit</th>
                <th scope="col">Message</th>
                <th scope="col">Author</th>
                <th scope="col">When</th>
                <th scope="col">Files</th>
                <th scope="col">Changes</th>
              </tr>
            </thead>
            <tbody>
              {log.data.items.map((c) => (
                <tr key={c.id}>
                  <td className="mono">
                    <a href={href(['datasets', name, 'commits', c.id])}>{shortId(c.id, 12)}</a>
                  </td>
                  <td className="value">{c.message}</td>
                  <td>{c.author}</td>
                  <td>{formatTime(c.createdAt)}</td>
                  <td className="num">
                    {c.stats.files} ({formatBytes(c.stats.bytes)})
                  </td>
                  <td>
                    +{c.stats.added} ~{c.stats.changed} −{c.stats.removed}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  )
}
