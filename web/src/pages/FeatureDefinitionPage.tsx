import { OnlineLookup } from '../components/OnlineLookup.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { formatTime } from '../lib/format.js'
import { lineageLink } from '../lib/links.js'
import { Freshness } from './Features.js'

type Kind = 'entity' | 'feature-view' | 'on-demand-feature' | 'feature-service'

/** `[{name, dtype}]` or `{name: type}` feature lists, as name → type rows. */
function featureRows(spec: Record<string, unknown>): { name: string; type: string }[] {
  const features = spec.features
  if (Array.isArray(features)) {
    return features.map((f) =>
      typeof f === 'string'
        ? { name: f, type: '' }
        : {
            name: String((f as { name?: unknown }).name ?? ''),
            type: String(
              (f as { type?: unknown; dtype?: unknown }).type ?? (f as { dtype?: unknown }).dtype ?? '',
            ),
          },
    )
  }
  if (features !== null && typeof features === 'object')
    return Object.entries(features).map(([name, type]) => ({
      name,
      type: typeof type === 'string' ? type : JSON.stringify(type),
    }))
  return []
}

/** A feature definition (`#/features/views/{name}`, `#/features/{kind}/{name}`): versions with their specs, freshness, lookup. */
export default function FeatureDefinitionPage({ kind, name }: { kind: Kind; name: string }) {
  const versions = useApi(`fversions:${kind}:${name}`, (signal) =>
    client.call('features', 'versions', { params: { kind, name } }, { signal }),
  )
  const inventory = useApi('features', (signal) => client.call('features', 'inventory', {}, { signal }))
  if (versions.status === 'loading') return <Loading what="the definition" />
  if (versions.status === 'error') return <ErrorView error={versions.error} what="the definition" />
  const item = inventory.data?.items.find((i) => i.kind === kind && i.name === name)
  if (versions.data.items.length === 0 && inventory.status !== 'loading' && item === undefined) {
    return <NotFound what={`The ${kind} ${name}`} back={{ href: '#/features', label: 'All features' }} />
  }
  const list = [...versions.data.items].reverse()
  const live = list.find((v) => v.removedAt === null)
  const spec = (live ?? list[0])?.spec ?? {}
  const joinKeys = Array.isArray(spec.joinKeys) ? (spec.joinKeys as string[]) : []
  const rows = featureRows(spec)
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/features">Features</a> / {kind}
      </p>
      <h1 id="page-title">{name}</h1>
      {inventory.status === 'error' && !isNotFound(inventory.error) ? (
        <ErrorView error={inventory.error} what="freshness" />
      ) : null}
      <dl className="facts">
        <dt>Live version</dt>
        <dd>{live ? `v${live.version} (registered ${formatTime(live.createdAt)})` : 'none'}</dd>
        {joinKeys.length > 0 ? (
          <>
            <dt>Join keys</dt>
            <dd>{joinKeys.join(', ')}</dd>
          </>
        ) : null}
        {kind === 'feature-view' && item ? (
          <>
            <dt>Online freshness</dt>
            <dd>
              <Freshness item={item} />
            </dd>
          </>
        ) : null}
        {kind === 'feature-view' && live ? (
          <>
            <dt>Lineage</dt>
            <dd>
              <a href={lineageLink(`feature-view-version:${name}/${live.version}`)}>
                Where v{live.version} comes from and what used it
              </a>
            </dd>
          </>
        ) : null}
      </dl>
      {rows.length > 0 ? (
        <>
          <h2>Schema</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Type</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.name}>
                  <td className="value">{r.name}</td>
                  <td>{r.type}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <h2>Versions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Registered</th>
            <th scope="col">Removed</th>
            <th scope="col">Spec</th>
          </tr>
        </thead>
        <tbody>
          {list.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{formatTime(v.createdAt)}</td>
              <td>{v.removedAt === null ? '' : formatTime(v.removedAt)}</td>
              <td>
                <details>
                  <summary>spec {v.specHash.slice(0, 10)}</summary>
                  <pre className="preview">{JSON.stringify(v.spec, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {kind === 'feature-view' && live ? (
        <>
          <h2>Online lookup</h2>
          <OnlineLookup
            defaultFeatures={rows.map((r) => `${name}:${r.name}`).join(', ')}
            defaultKey={joinKeys[0] ?? ''}
          />
        </>
      ) : null}
    </section>
  )
}
