import type { ReactNode } from 'react'
import { ApiError, ConnectionError } from '../lib/api.js'

/** A loading placeholder (announced to screen readers). */
export function Loading({ what }: { what: string }) {
  return (
    <p className="muted loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  )
}

/** An error with the server's own message and code (and request id, to find it in the logs). */
export function ErrorView({ error, what }: { error: Error; what: string }) {
  if (error instanceof ConnectionError) {
    return (
      <div className="callout error" role="alert">
        <strong>Cannot reach the Strata server</strong> while loading {what}. The page reloads its data when
        the server is back.
      </div>
    )
  }
  return (
    <div className="callout error" role="alert">
      <strong>Could not load {what}</strong>
      <p>
        {error.message}
        {error instanceof ApiError ? (
          <span className="muted">
            {' '}
            ({error.code}, HTTP {error.status}
            {error.requestId ? `, request ${error.requestId}` : ''})
          </span>
        ) : null}
      </p>
    </div>
  )
}

/** An empty state that says what to do next. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="callout empty">
      <strong>{title}</strong>
      {children}
    </div>
  )
}

/** The page for an id the server does not know, with a way back. */
export function NotFound({
  what,
  message,
  back,
}: {
  what: string
  message?: string
  back?: { href: string; label: string }
}) {
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title">Not found</h1>
      <p>
        {what} does not exist{message ? ':' : '.'} {message ? <span className="muted">{message}</span> : null}
      </p>
      <p>
        <a href={back?.href ?? '#/'}>{back?.label ?? 'Back to the overview'}</a>
      </p>
    </section>
  )
}

/** A command line to copy. */
export function Command({ children }: { children: string }) {
  return (
    <pre className="command">
      <code>{children}</code>
    </pre>
  )
}
