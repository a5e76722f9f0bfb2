import { KeyValues } from '../components/KeyValues.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatTime, shortId } from '../lib/format.js'
import { runLink } from '../lib/links.js'
import { href } from '../lib/router.js'

/** A registered model: its versions, aliases and the history of every alias move. */
export default function ModelPage({ name }: { name: string }) {
  const watch = { watch: (e: { path: string }) => e.path.includes('/models') || e.path.includes('model') }
  const model = useApi(
    `model:${name}`,
    (signal) => client.call('models', 'get', { params: { name } }, { signal }),
    watch,
  )
  const versions = useApi(
    `versions:${name}`,
    (signal) => client.call('models', 'listVersions', { params: { name } }, { signal }),
    watch,
  )
  const history = useApi(
    `aliases:${name}`,
    (signal) => client.call('models', 'aliasHistory', { params: { name } }, { signal }),
    watch,
  )
  if (model.status === 'loading') return <Loading what="the model" />
  if (model.status === 'error') {
    if (isNotFound(model.error))
      return (
        <NotFound
          what={`Model ${name}`}
          message={model.error.message}
          back={{ href: '#/models', label: 'All models' }}
        />
      )
    return <ErrorView error={model.error} what="the model" />
  }
  const m = model.data
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/models">Models</a> /
      </p>
      <h1 id="page-title">{m.name}</h1>
      {m.description ? <p className="value">{m.description}</p> : null}
      <dl className="facts">
        <dt>Created</dt>
        <dd>
          {formatTime(m.createdAt)}
          {m.createdBy ? ` by ${m.createdBy}` : ''}
        </dd>
        <dt>Aliases</dt>
        <dd>
          {Object.keys(m.aliases).length === 0
            ? '—'
            : Object.entries(m.aliases).map(([alias, v]) => (
                <span key={alias}>
                  <a className="badge" href={href(['models', m.name, 'versions', v])}>
                    @{alias} → v{v}
                  </a>{' '}
                </span>
              ))}
        </dd>
      </dl>
      <h2>Versions</h2>
      {versions.status === 'loading' ? <Loading what="versions" /> : null}
      {versions.status === 'error' ? <ErrorView error={versions.error} what="versions" /> : null}
      {versions.status === 'ok' ? (
        versions.data.length === 0 ? (
          <p className="muted">No versions registered.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Flavor</th>
                <th scope="col">Aliases</th>
                <th scope="col">Run</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {[...versions.data]
                .sort((a, b) => b.version - a.version)
                .map((v) => (
                  <tr key={v.version}>
                    <td>
                      <a href={href(['models', m.name, 'versions', v.version])}>v{v.version}</a>
                    </td>
                    <td>{v.status}</td>
                    <td>{v.flavor}</td>
                    <td>{v.aliases.map((a) => `@${a}`).join(' ')}</td>
                    <td>{v.runId ? <a href={runLink(v.runId)}>{shortId(v.runId)}</a> : '—'}</td>
                    <td>{formatTime(v.createdAt)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        )
      ) : null}
      <h2>Alias history</h2>
      {history.status === 'ok' ? (
        history.data.length === 0 ? (
          <p className="muted">No alias was ever set.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Alias</th>
                <th scope="col">Move</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {[...history.data].reverse().map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.at)}</td>
                  <td>@{e.alias}</td>
                  <td>
                    {e.fromVersion === null ? '—' : `v${e.fromVersion}`} →{' '}
                    {e.toVersion === null ? 'removed' : `v${e.toVersion}`}
                  </td>
                  <td>{e.actor ?? '—'}</td>
                  <td className="value">{e.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : history.status === 'error' ? (
        <ErrorView error={history.error} what="the alias history" />
      ) : (
        <Loading what="the alias history" />
      )}
      <h2>Tags</h2>
      <KeyValues caption="Model tags" entries={m.tags} empty="No tags." />
    </section>
  )
}
