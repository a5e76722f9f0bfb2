import { OnlineLookup } from '../components/OnlineLookup.js'
import { Command, Empty, ErrorView, Loading } from '../components/states.js'
import { client, useApi } from '../lib/api.js'
import { formatTime, shortId } from '../lib/format.js'
import { href } from '../lib/router.js'

type Item = Awaited<ReturnType<typeof loadInventory>>['items'][number]

function loadInventory(signal: AbortSignal) {
  return client.call('features', 'inventory', {}, { signal })
}

const KINDS: readonly { kind: Item['kind']; title: string }[] = [
  { kind: 'entity', title: 'Entities' },
  { kind: 'feature-view', title: 'Feature views' },
  { kind: 'on-demand-feature', title: 'On-demand features' },
  { kind: 'feature-service', title: 'Feature services' },
]

/** How fresh a view's online values are: rows, watermark and when the last run finished. */
export function Freshness({ item }: { item: Item }) {
  if (item.materialized === undefined) return null
  if (item.materialized === null) return <span className="muted">never materialized</span>
  const m = item.materialized
  return (
    <span>
      {m.rows.toLocaleString()} rows up to {formatTime(m.watermark)}
      <span className="muted"> (run {formatTime(m.updatedAt)})</span>
      {m.sourceCommit ? (
        <>
          {' '}
          from <a href={href(['commits', m.sourceCommit])}>{shortId(m.sourceCommit, 12)}</a>
        </>
      ) : null}
    </span>
  )
}

/** The project's feature definitions with versions and online freshness, and an online lookup form. */
export default function Features() {
  const inventory = useApi('features', loadInventory, {
    watch: (e) => e.path.startsWith('/features') || e.path.startsWith('/api/features'),
  })
  if (inventory.status === 'loading') return <Loading what="feature definitions" />
  if (inventory.status === 'error') return <ErrorView error={inventory.error} what="feature definitions" />
  const items = inventory.data.items
  const firstView = items.find((i) => i.kind === 'feature-view')
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Features</h1>
      {items.length === 0 ? (
        <Empty title="No feature definitions yet">
          <p>
            Name a definitions module in strata.config.ts (features: './features.ts'), then register and
            materialize:
          </p>
          <Command>{'strata features apply\nstrata features materialize'}</Command>
        </Empty>
      ) : null}
      {KINDS.map(({ kind, title }) => {
        const list = items.filter((i) => i.kind === kind)
        if (list.length === 0) return null
        return (
          <div key={kind}>
            <h2>{title}</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Version</th>
                  <th scope="col">Definition</th>
                  {kind === 'feature-view' ? <th scope="col">Online freshness</th> : null}
                  <th scope="col">Pending</th>
                </tr>
              </thead>
              <tbody>
                {list.map((i) => (
                  <tr key={i.name}>
                    <td>
                      <a href={href(['features', kind === 'feature-view' ? 'views' : kind, i.name])}>
                        {i.name}
                      </a>
                    </td>
                    <td>{i.version === null ? '—' : `v${i.version}`}</td>
                    <td className="value">{i.summary}</td>
                    {kind === 'feature-view' ? (
                      <td>
                        <Freshness item={i} />
                      </td>
                    ) : null}
                    <td>
                      {i.pending === 'unchanged' ? (
                        ''
                      ) : (
                        <span className="badge">apply would {i.pending}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      })}
      {firstView ? (
        <>
          <h2>Online lookup</h2>
          <OnlineLookup defaultFeatures="" defaultKey="" />
        </>
      ) : null}
    </section>
  )
}
