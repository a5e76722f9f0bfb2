import { DownloadLink } from '../components/DownloadLink.js'
import { KeyValues } from '../components/KeyValues.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { client, isNotFound, useApi } from '../lib/api.js'
import { modelFile } from '../lib/files.js'
import { formatBytes, formatNumber, formatTime } from '../lib/format.js'
import { lineageLink, nodePage, runLink } from '../lib/links.js'
import { href } from '../lib/router.js'
import type { ModelVersion } from '../lib/types.js'

type Tensor = NonNullable<ModelVersion['signature']>['inputs'][number]

function SignatureTable({ caption, tensors }: { caption: string; tensors: readonly Tensor[] }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Shape</th>
        </tr>
      </thead>
      <tbody>
        {tensors.map((t) => (
          <tr key={t.name}>
            <td className="value">{t.name}</td>
            <td>{t.type}</td>
            <td className="mono">
              {t.shape === null ? '—' : `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** What a model version was trained from: the training sets and dataset commits upstream of it. */
function TrainedFrom({ name, version }: { name: string; version: string }) {
  const node = `model-version:${name}/${version}`
  const upstream = useApi(`upstream:${node}`, (signal) =>
    client.call('server', 'upstream', { params: { node }, query: { depth: 6 } }, { signal }),
  )
  if (upstream.status === 'loading') return <Loading what="lineage" />
  if (upstream.status === 'error') return <ErrorView error={upstream.error} what="lineage" />
  const sources = upstream.data.nodes.filter(
    (n) => n.kind === 'training-set' || n.kind === 'dataset-commit' || n.kind === 'run',
  )
  return (
    <>
      {sources.length === 0 ? (
        <p className="muted">No upstream lineage recorded for this version.</p>
      ) : (
        <ul>
          {sources.map((n) => {
            const page = nodePage(n.id)
            return (
              <li key={n.id}>
                <span className="badge">{n.kind}</span>{' '}
                {page ? (
                  <a href={page}>{n.label ?? n.id}</a>
                ) : (
                  <span className="value">{n.label ?? n.id}</span>
                )}{' '}
                <a className="muted" href={lineageLink(n.id)}>
                  lineage
                </a>
              </li>
            )
          })}
        </ul>
      )}
      <p>
        <a href={lineageLink(node)}>Open this version's lineage graph</a>
      </p>
    </>
  )
}

/** A model version (MLflow's `#/models/{name}/versions/{v}`): signature, metrics, files, run and training data. */
export default function ModelVersionPage({ name, version }: { name: string; version: string }) {
  const v = useApi(`version:${name}/${version}`, (signal) =>
    client.call('models', 'getVersion', { params: { name, version } }, { signal }),
  )
  if (v.status === 'loading') return <Loading what="the model version" />
  if (v.status === 'error') {
    if (isNotFound(v.error)) {
      return (
        <NotFound
          what={`Version ${version} of model ${name}`}
          message={v.error.message}
          back={{ href: href(['models', name]), label: `Model ${name}` }}
        />
      )
    }
    return <ErrorView error={v.error} what="the model version" />
  }
  const mv = v.data
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href="#/models">Models</a> / <a href={href(['models', mv.name])}>{mv.name}</a> /
      </p>
      <h1 id="page-title">
        {mv.name} v{mv.version}
      </h1>
      {mv.description ? <p className="value">{mv.description}</p> : null}
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          {mv.status}
          {mv.statusMessage ? ` — ${mv.statusMessage}` : ''}
        </dd>
        <dt>Flavor</dt>
        <dd>{mv.flavor}</dd>
        <dt>Aliases</dt>
        <dd>{mv.aliases.length === 0 ? '—' : mv.aliases.map((a) => `@${a}`).join(' ')}</dd>
        <dt>Run</dt>
        <dd>{mv.runId ? <a href={runLink(mv.runId)}>{mv.runId}</a> : '—'}</dd>
        <dt>Source</dt>
        <dd className="mono">{mv.source}</dd>
        <dt>Registered</dt>
        <dd>
          {formatTime(mv.createdAt)}
          {mv.createdBy ? ` by ${mv.createdBy}` : ''}
        </dd>
      </dl>
      <h2>Trained from</h2>
      <TrainedFrom name={mv.name} version={String(mv.version)} />
      <h2>Signature</h2>
      {mv.signature === null ? (
        <p className="muted">No signature recorded.</p>
      ) : (
        <>
          <SignatureTable caption="Inputs" tensors={mv.signature.inputs} />
          <SignatureTable caption="Outputs" tensors={mv.signature.outputs} />
        </>
      )}
      <h2>Metrics</h2>
      <KeyValues
        caption="Metrics"
        entries={Object.fromEntries(Object.entries(mv.metrics).map(([k, x]) => [k, formatNumber(x)]))}
        empty="No metrics recorded."
      />
      <h2>Tags</h2>
      <KeyValues caption="Version tags" entries={mv.tags} empty="No tags." />
      <h2>Files</h2>
      {mv.files.length === 0 ? (
        <p className="muted">No files.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Size</th>
              <th scope="col">sha256</th>
            </tr>
          </thead>
          <tbody>
            {mv.files.map((f) => (
              <tr key={f.path}>
                <td>
                  <DownloadLink
                    file={modelFile(mv.name, mv.version, f.path)}
                    name={f.path.slice(f.path.lastIndexOf('/') + 1)}
                  >
                    {f.path}
                  </DownloadLink>
                </td>
                <td className="num">{formatBytes(f.size)}</td>
                <td className="mono">{f.sha256.slice(0, 16)}…</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
