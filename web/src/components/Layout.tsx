import type { ReactNode } from 'react'
import { useConnection } from '../lib/connection.js'

const NAV: readonly { href: string; label: string; section: string }[] = [
  { href: '#/', label: 'Overview', section: '' },
  { href: '#/datasets', label: 'Datasets', section: 'datasets' },
  { href: '#/features', label: 'Features', section: 'features' },
  { href: '#/experiments', label: 'Experiments', section: 'experiments' },
  { href: '#/pipelines', label: 'Pipelines', section: 'pipelines' },
  { href: '#/models', label: 'Models', section: 'models' },
  { href: '#/deployments', label: 'Deployments', section: 'deployments' },
  { href: '#/lineage', label: 'Lineage', section: 'lineage' },
]

/** The sections a first path segment belongs to (run and compare pages are under Experiments). */
function sectionOf(first: string | undefined): string {
  if (first === 'runs' || first === 'compare-runs') return 'experiments'
  if (first === 'commits') return 'datasets'
  if (first === 'pipeline-runs') return 'pipelines'
  return first ?? ''
}

/** The frame of every page: skip link, navigation, the connection banner and the page itself. */
export function Layout({ first, children }: { first: string | undefined; children: ReactNode }) {
  const { state } = useConnection()
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
          {state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </header>
      {state === 'reconnecting' ? (
        <div className="banner" role="alert">
          The Strata server is not answering. Reconnecting — the page refreshes itself when it is back.
        </div>
      ) : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  )
}
