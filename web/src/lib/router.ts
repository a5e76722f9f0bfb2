import { useSyncExternalStore } from 'react'

/** The current location inside the hash: `#/runs/abc?x=1` → path `/runs/abc`, query `x=1`. */
export interface Location {
  path: string
  segments: string[]
  query: URLSearchParams
}

function read(): string {
  const hash = window.location.hash.replace(/^#/, '')
  return hash === '' ? '/' : hash
}

function subscribe(callback: () => void): () => void {
  window.addEventListener('hashchange', callback)
  return () => window.removeEventListener('hashchange', callback)
}

/**
 * The hash route (`#/experiments/1/runs/abc`): MLflow's own URL scheme, so the links the
 * mlflow client prints open the matching page, and every page is a deep link that survives
 * a reload.
 */
export function useLocation(): Location {
  const raw = useSyncExternalStore(subscribe, read)
  const [path = '/', search = ''] = raw.split('?', 2)
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    })
  return { path, segments, query: new URLSearchParams(search) }
}

/** A `#/…` link from path segments (each encoded) and an optional query. */
export function href(
  segments: readonly (string | number)[],
  query?: Record<string, string | undefined>,
): string {
  const path = segments.map((s) => encodeURIComponent(String(s))).join('/')
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') search.set(k, v)
  const q = search.toString()
  return `#/${path}${q === '' ? '' : `?${q}`}`
}

/** Goes to a `#/…` link (pushes history). */
export function navigate(link: string): void {
  window.location.hash = link.replace(/^#/, '')
}

/** Replaces the current entry's query (no new history entry), keeping the path. */
export function replaceQuery(path: string, query: Record<string, string | undefined>): void {
  const search = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') search.set(k, v)
  const q = search.toString()
  const url = `${window.location.pathname}${window.location.search}#${path}${q === '' ? '' : `?${q}`}`
  window.history.replaceState(null, '', url)
  window.dispatchEvent(new HashChangeEvent('hashchange'))
}
