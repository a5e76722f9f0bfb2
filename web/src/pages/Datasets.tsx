import { Command, Empty, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { formatTime } from '../lib/format.js'
import { href } from '../lib/router.js'

/** Every dataset with its description. */
export default function Datasets() {
  const datasets = useApi('datasets', (signal) => client.call('data', 'list', {}, { signal }), {
    watch: (e) => e.path.startsWith('/api/data'),
  })
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Datasets</h1>
      {datasets.status === 'loading' ? <Loading what="datasets" /> : null}
      {datasets.status === 'error' ? <ErrorView error={datasets.error} what="datasets" /> : null}
      {datasets.status === 'ok' && datasets.data.items.length === 0 ? (
        <Empty title="No datasets yet">
          <p>Create one and commit files to it:</p>
          <Command>{'strata data create flights\nstrata data commit flights ./raw -m "raw drop"'}</Command>
        </Empty>
      ) : null}
      {datasets.status === 'ok' && datasets.data.items.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Default branch</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {datasets.data.items.map((d) => (
              <tr key={d.name}>
                <td>
                  <a href={href(['datasets', d.name])}>{d.name}</a>
                </td>
                <td className="value">{d.description}</td>
                <td>{d.defaultBranch}</td>
                <td>{formatTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}
