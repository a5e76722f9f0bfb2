import { type FormEvent, useState } from 'react'
import { ApiError, ConnectionError, StrataClient } from '../../../src/client/index.js'
import { startLiveUpdates, stopLiveUpdates } from '../lib/connection.js'
import { storeToken } from '../lib/session.js'

/**
 * The sign-in form, shown instead of the page when the server asks for a token (401). The token
 * is checked with `GET /api/session` before it is kept (in this tab's session storage).
 */
export function SignIn({ refused }: { refused?: string | undefined }) {
  const [draft, setDraft] = useState('')
  const [error, setError] = useState<string | null>(
    refused ? `The server refused the token: ${refused}` : null,
  )
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const token = draft.trim()
    if (token === '') {
      setError('Paste a token first (create one with "strata token create --name <name> --scopes read").')
      return
    }
    setBusy(true)
    try {
      await new StrataClient({ token: () => token }).call('server', 'session', {})
      storeToken(token)
      stopLiveUpdates()
      startLiveUpdates()
    } catch (err) {
      setBusy(false)
      if (err instanceof ApiError) setError(`${err.message} (${err.code})`)
      else if (err instanceof ConnectionError) setError('The Strata server is not answering; try again.')
      else setError(String(err))
    }
  }
  return (
    <section aria-labelledby="page-title" className="sign-in">
      <h1 id="page-title">Sign in</h1>
      <p>
        This Strata server asks for an API token. Paste one (
        <code>strata token create --name me --scopes read</code> makes one); it is kept for this browser tab
        only and sent with every request.
      </p>
      <form className="toolbar" onSubmit={submit}>
        <label htmlFor="sign-in-token">API token</label>
        <input
          id="sign-in-token"
          className="grow mono"
          type="password"
          autoComplete="off"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {error ? (
        <p className="callout error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  )
}
