import { type FormEvent, useState } from 'react'
import { ConnectionError, client } from '../lib/api.js'
import { reportUnreachable } from '../lib/connection.js'
import { formatNumber } from '../lib/format.js'
import { ErrorView } from './states.js'

type Answer = Awaited<ReturnType<typeof lookup>>

function lookup(features: string[], key: string, values: unknown[]) {
  return client.call('features', 'online', { body: { features, entities: { [key]: values } } })
}

/** `1001, 1002` → [1001, 1002]; values that are not numbers stay strings. */
function parseValues(text: string): unknown[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v))
}

/**
 * A form for the feature server (`POST /features/online`, Feast's request): feature references,
 * an entity key and its values; the answer as a table with each value's status.
 */
export function OnlineLookup({
  defaultFeatures,
  defaultKey,
}: {
  defaultFeatures: string
  defaultKey: string
}) {
  const [features, setFeatures] = useState(defaultFeatures)
  const [key, setKey] = useState(defaultKey)
  const [values, setValues] = useState('')
  const [answer, setAnswer] = useState<Answer | null>(null)
  const [error, setError] = useState<Error | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    const refs = features
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '')
    lookup(refs, key.trim(), parseValues(values)).then(
      (a) => {
        setBusy(false)
        setAnswer(a)
      },
      (err: Error) => {
        setBusy(false)
        if (err instanceof ConnectionError) reportUnreachable()
        setAnswer(null)
        setError(err)
      },
    )
  }
  const rows = answer?.results[0]?.values.length ?? 0
  return (
    <div>
      <form className="lookup" onSubmit={submit}>
        <label>
          Features <span className="muted">(view:feature, comma-separated)</span>
          <input type="text" value={features} onChange={(e) => setFeatures(e.target.value)} required />
        </label>
        <label>
          Entity key
          <input type="text" value={key} onChange={(e) => setKey(e.target.value)} required />
        </label>
        <label>
          Key values <span className="muted">(comma-separated)</span>
          <input
            type="text"
            value={values}
            onChange={(e) => setValues(e.target.value)}
            placeholder="1001, 1002"
            required
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Looking up…' : 'Look up'}
        </button>
      </form>
      {error ? <ErrorView error={error} what="online features" /> : null}
      {answer ? (
        <div className="table-wrap">
          <table className="lookup-result">
            <caption>Online values ({rows} rows)</caption>
            <thead>
              <tr>
                {answer.metadata.feature_names.map((n) => (
                  <th scope="col" key={n}>
                    {n}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Array.from({ length: rows }, (_, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: one row per requested entity, in request order
                <tr key={i}>
                  {answer.results.map((r, j) => {
                    const v = r.values[i]
                    const status = r.statuses[i]
                    return (
                      <td key={answer.metadata.feature_names[j] ?? j} className="value">
                        {v === null || v === undefined
                          ? '—'
                          : typeof v === 'number'
                            ? formatNumber(v)
                            : typeof v === 'string'
                              ? v
                              : JSON.stringify(v)}
                        {status && status !== 'PRESENT' ? <span className="badge">{status}</span> : null}
                      </td>
                    )
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  )
}
