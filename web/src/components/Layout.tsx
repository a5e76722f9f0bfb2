import { type ReactNode, useEffect } from 'react'
import { client, useApi } from '../lib/api.js'
import { stopLiveUpdates, useConnection } from '../lib/connection.js'
import { signOut, storedToken, useSession } from '../lib/session.js'
import { SignIn } from './SignIn.js'

const NAV: readonly { href: string; label: string; section: string }[] = [
  { href: '#/', label: 'Overview', section: '' },
  { href: '#/datasets', label: 'Datasets', section: 'datasets' },
  { href: '#/features', label: 'Features', section: 'features' },
  { href: '#/experiments', label: 'Experiments', section: 'experiments' },
  { href: '#/pipelines', label: 'Pipelines', section: 'pipelines' },
  { href: '#/models', label: 'Models', section: 'models' },
  { href: '#/deployments', label: 'Deployments', section: 'deployments' },
  { href: '#/monitors', label: 'Monitors', section: 'monitors' },
  { href: '#/lineage', label: 'Lineage', section: 'lineage' },
]

/** The sections a first path segment belongs to (run and compare pages are under Experiments). */
function sectionOf(first: string | undefined): string {
  if (first === 'runs' || first === 'compare-runs') return 'experiments'
  if (first === 'commits') return 'datasets'
  if (first === 'pipeline-runs') return 'pipelines'
  return first ?? ''
}

/** Who the stored token signs in as, and the sign-out button (nothing without a token). */
function SessionBadge() {
  const session = useApi('session', (signal) => client.call('server', 'session', {}, { signal }))
  return (
    <span className="session">
      {session.status === 'ok' ? (
        <span>
          {session.data.principal}
          {session.data.token ? <span className="muted"> (token {session.data.token})</span> : null}
        </span>
      ) : null}{' '}
      <button type="button" onClick={signOut}>
        Sign out
      </button>
    </span>
  )
}

/**
 * The frame of every page: skip link, navigation, the connection banner and the page itself —
 * or, when the server asks for a token, the sign-in form instead of the page.
 */
export function Layout({ first, children }: { first: string | undefined; children: ReactNode }) {
  const { state } = useConnection()
  const session = useSession()
  const signedOut = session.status === 'signed-out'
  // signed out (or the token was refused): the live stream closes; signing in opens it again
  useEffect(() => {
    if (signedOut) stopLiveUpdates()
  }, [signedOut])
  const current = sectionOf(first)
  return (
    <>
      <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header className="top">
        <a className="brand" href="#/">
          Strata
        </a>
        <nav aria-label="Sections">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <a href={n.href} aria-current={current === n.section ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className={`conn conn-${state}`} role="status" aria-live="polite">
          {signedOut
            ? 'Signed out'
            : state === 'live'
              ? 'Live'
              : state === 'connecting'
                ? 'Connecting…'
                : 'Reconnecting…'}
        </span>
        {!signedOut && storedToken() !== null ? <SessionBadge /> : null}
      </header>
      {!signedOut && state === 'reconnecting' ? (
        <div className="banner" role="alert">
          The Strata server is not answering. Reconnecting — the page refreshes itself when it is back.
        </div>
      ) : null}
      <main id="main" tabIndex={-1}>
        {signedOut ? <SignIn refused={session.refused} /> : children}
      </main>
    </>
  )
}
