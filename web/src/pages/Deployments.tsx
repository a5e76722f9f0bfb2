import { Command, Empty, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { formatTime } from '../lib/format.js'
import { href } from '../lib/router.js'

/** Every deployment: the model it serves, its strategy, status and the candidate's share now. */
export default function Deployments() {
  const list = useApi('deployments', (signal) => client.call('deployments', 'list', {}, { signal }), {
    watch: (e) => e.path.includes('/deployments'),
  })
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Deployments</h1>
      {list.status === 'loading' ? <Loading what="deployments" /> : null}
      {list.status === 'error' ? <ErrorView error={list.error} what="deployments" /> : null}
      {list.status === 'ok' && list.data.deployments.length === 0 ? (
        <Empty title="No deployments yet">
          <p>Serve a registered model version behind an endpoint:</p>
          <Command>strata deploy create --help</Command>
        </Empty>
      ) : null}
      {list.status === 'ok' && list.data.deployments.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Model</th>
              <th scope="col">Strategy</th>
              <th scope="col">Status</th>
              <th scope="col">Champion</th>
              <th scope="col">Candidate</th>
              <th scope="col">Candidate share</th>
              <th scope="col">Revision</th>
              <th scope="col">Changed</th>
            </tr>
          </thead>
          <tbody>
            {list.data.deployments.map((d) => (
              <tr key={d.name}>
                <td>
                  <a href={href(['deployments', d.name])}>{d.name}</a>
                </td>
                <td>
                  <a href={href(['models', d.policy.model])}>{d.policy.model}</a>
                </td>
                <td>{d.policy.strategy}</td>
                <td>
                  <span className={`badge status-${d.policy.status}`}>{d.policy.status}</span>
                </td>
                <td>
                  <a href={href(['models', d.policy.model, 'versions', d.policy.champion])}>
                    v{d.policy.champion}
                  </a>
                </td>
                <td>
                  {d.policy.candidate === null ? (
                    '—'
                  ) : (
                    <a href={href(['models', d.policy.model, 'versions', d.policy.candidate])}>
                      v{d.policy.candidate}
                    </a>
                  )}
                </td>
                <td>{d.policy.candidate === null ? '—' : `${d.weight} %`}</td>
                <td>{d.revision}</td>
                <td>{formatTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}
