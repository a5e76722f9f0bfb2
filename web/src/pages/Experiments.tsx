import { Command, Empty, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { formatTime } from '../lib/format.js'
import { href } from '../lib/router.js'

/** Every active experiment, newest first, each linking to its runs. */
export default function Experiments() {
  const experiments = useApi(
    'experiments',
    (signal) => client.call('experiments', 'search', { query: { maxResults: 1000 } }, { signal }),
    { watch: (e) => e.path.includes('/experiments') },
  )
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Experiments</h1>
      {experiments.status === 'loading' ? <Loading what="experiments" /> : null}
      {experiments.status === 'error' ? <ErrorView error={experiments.error} what="experiments" /> : null}
      {experiments.status === 'ok' && experiments.data.items.length === 0 ? (
        <Empty title="No experiments yet">
          <p>Runs logged with the mlflow client or Strata's tracking API appear here:</p>
          <Command>strata runs --help</Command>
        </Empty>
      ) : null}
      {experiments.status === 'ok' && experiments.data.items.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col">Created</th>
              <th scope="col">Last update</th>
            </tr>
          </thead>
          <tbody>
            {experiments.data.items.map((x) => (
              <tr key={x.experimentId}>
                <td>
                  <a href={href(['experiments', x.experimentId])}>{x.name}</a>
                </td>
                <td className="mono">{x.experimentId}</td>
                <td>{formatTime(x.creationTime)}</td>
                <td>{formatTime(x.lastUpdateTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}
