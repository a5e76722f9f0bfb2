import { type FormEvent, useState } from 'react'
import { client, useApi } from '../lib/api.js'
import { lineageLink } from '../lib/links.js'
import { navigate } from '../lib/router.js'
import { ErrorView, Loading } from './states.js'

/** The lineage page without a node: pick one (a model version's graph reaches its raw data). */
export function LineageStart() {
  const [draft, setDraft] = useState('')
  const models = useApi('models', (signal) =>
    client.call('models', 'search', { query: { maxResults: 50 } }, { signal }),
  )
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (draft.trim() !== '') navigate(lineageLink(draft.trim()))
  }
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Lineage</h1>
      <p>
        The lineage graph links raw dataset commits to feature views, training sets, runs, model versions and
        deployments.
      </p>
      <form className="toolbar" onSubmit={submit}>
        <label htmlFor="lineage-node">Start from a node id</label>
        <input
          id="lineage-node"
          className="grow"
          type="text"
          placeholder="model-version:flight-delay/1, run:…, dataset-commit:…"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Show</button>
      </form>
      <h2>Models</h2>
      {models.status === 'loading' ? <Loading what="models" /> : null}
      {models.status === 'error' ? <ErrorView error={models.error} what="models" /> : null}
      {models.status === 'ok' ? (
        models.data.items.length === 0 ? (
          <p className="muted">No registered models yet: open a run's lineage from its page.</p>
        ) : (
          <ul>
            {models.data.items
              .filter((m) => m.latestVersion !== null)
              .map((m) => (
                <li key={m.name}>
                  <a href={lineageLink(`model-version:${m.name}/${m.latestVersion}`)}>
                    {m.name} v{m.latestVersion}
                  </a>
                </li>
              ))}
          </ul>
        )
      ) : null}
    </section>
  )
}
