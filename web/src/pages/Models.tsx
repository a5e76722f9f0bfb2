import { Command, Empty, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { formatTime } from '../lib/format.js'
import { href } from '../lib/router.js'

/** Registered models with their latest version and aliases. */
export default function Models() {
  const models = useApi(
    'models',
    (signal) => client.call('models', 'search', { query: { maxResults: 1000 } }, { signal }),
    {
      watch: (e) =>
        e.path.includes('/models') ||
        e.path.includes('registered-models') ||
        e.path.includes('model-versions'),
    },
  )
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Models</h1>
      {models.status === 'loading' ? <Loading what="models" /> : null}
      {models.status === 'error' ? <ErrorView error={models.error} what="models" /> : null}
      {models.status === 'ok' && models.data.items.length === 0 ? (
        <Empty title="No registered models yet">
          <p>Register a version from a run's ONNX file:</p>
          <Command>strata models register --help</Command>
        </Empty>
      ) : null}
      {models.status === 'ok' && models.data.items.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Latest version</th>
              <th scope="col">Aliases</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {models.data.items.map((m) => (
              <tr key={m.name}>
                <td>
                  <a href={href(['models', m.name])}>{m.name}</a>
                </td>
                <td>
                  {m.latestVersion === null ? (
                    '—'
                  ) : (
                    <a href={href(['models', m.name, 'versions', m.latestVersion])}>v{m.latestVersion}</a>
                  )}
                </td>
                <td>
                  {Object.entries(m.aliases).map(([alias, v]) => (
                    <span key={alias} className="badge">
                      @{alias} → v{v}
                    </span>
                  ))}
                </td>
                <td>{formatTime(m.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}
