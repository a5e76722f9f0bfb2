import { useSyncExternalStore } from 'react'

/** Where the UI keeps the API token: this tab's session storage (gone when the tab closes). */
const TOKEN_KEY = 'strata.token'

/**
 * Whether the UI may call the API: `open` (no token needed so far, or a token that was
 * accepted) or `signed-out` (the server answered 401: it asks for a token, and the sign-in form
 * replaces the page), with the server's message when it refused a token.
 */
export type SessionState = { status: 'open' } | { status: 'signed-out'; refused?: string }

let state: SessionState = { status: 'open' }
const listeners = new Set<() => void>()

function set(next: SessionState): void {
  state = next
  for (const l of listeners) l()
}

/** The stored token, or null. */
export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY)
  } catch {
    return null
  }
}

/** Stores a token for this tab's session and opens the UI (the views then refetch with it). */
export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token)
  set({ status: 'open' })
}

/**
 * The server answered 401: it needs a token (none stored) or refused the stored one (revoked,
 * unknown), which is then forgotten. The sign-in form shows, with `message` when a token was refused.
 */
export function reportUnauthenticated(message: string): void {
  if (state.status === 'signed-out') return
  const refused = storedToken() !== null
  sessionStorage.removeItem(TOKEN_KEY)
  set(refused ? { status: 'signed-out', refused: message } : { status: 'signed-out' })
}

/** Forgets the token and shows the sign-in form. */
export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY)
  set({ status: 'signed-out' })
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The session state, re-rendering on change. */
export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, () => state)
}
