import { Command, Empty, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { formatTime } from '../lib/format.js'
import { href } from '../lib/router.js'

/** The applied monitors with their latest window: status, drifted columns, rows. */
export default function Monitors() {
  const list = useApi('monitors', (signal) => client.call('monitoring', 'list', {}, { signal }), {
    watch: (e) => e.path.includes('monitor'),
  })
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Monitors</h1>
      {list.status === 'loading' ? <Loading what="monitors" /> : null}
      {list.status === 'error' ? <ErrorView error={list.error} what="monitors" /> : null}
      {list.status === 'ok' && list.data.monitors.length === 0 ? (
        <Empty title="No monitors applied">
          <p>Declare monitors in code, point strata.config.ts at them, then:</p>
          <Command>strata monitor apply</Command>
        </Empty>
      ) : null}
      {list.status === 'ok' && list.data.monitors.length > 0 ? (
        <table className="monitors">
          <thead>
            <tr>
              <th scope="col">Monitor</th>
              <th scope="col">Model</th>
              <th scope="col">Window</th>
              <th scope="col">Latest status</th>
              <th scope="col">Drifted columns</th>
              <th scope="col">Rows</th>
              <th scope="col">Latest window</th>
            </tr>
          </thead>
          <tbody>
            {list.data.monitors.map((m) => (
              <tr key={m.name}>
                <td>
                  <a href={href(['monitors', m.name])}>{m.name}</a>
                </td>
                <td>
                  <a href={href(['models', m.model])}>{m.model}</a>
                </td>
                <td>
                  {m.window}
                  {m.schedule ? <span className="muted"> ({m.schedule})</span> : null}
                </td>
                <td>
                  {m.latest === null ? (
                    <span className="muted">never run</span>
                  ) : (
                    <span className={`badge result-${m.latest.status}`}>{m.latest.status}</span>
                  )}
                </td>
                <td>{m.latest === null ? '—' : `${m.latest.drifted} of ${m.latest.tested}`}</td>
                <td>{m.latest?.rows ?? '—'}</td>
                <td>{formatTime(m.latest?.windowStart)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}
