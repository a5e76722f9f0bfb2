import { useSyncExternalStore } from 'react'

/** Whether the UI reaches the server: `live` (event stream open), `connecting`, or `reconnecting`. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting'

/** A write the server made (`ChangeEvent` of `GET /api/events`). */
export interface ChangeEvent {
  type: 'change'
  method: string
  path: string
  status: number
  principal: string
  requestId: string
  at: number
}

type Listener = () => void

let state: ConnectionState = 'connecting'
/** Bumped when the server comes back: every view refetches. */
let generation = 0
const stateListeners = new Set<Listener>()
const changeListeners = new Set<(event: ChangeEvent) => void>()
let source: EventSource | null = null

function setState(next: ConnectionState): void {
  if (next === state) return
  const recovered = state === 'reconnecting' && next === 'live'
  state = next
  if (recovered) generation += 1
  for (const l of stateListeners) l()
}

/**
 * Opens the live event stream (`GET /api/events`) once. The browser reconnects by itself
 * (the server asks for 3 s); while it is down the UI shows "reconnecting", and when it is back
 * every view refetches.
 */
export function startLiveUpdates(): void {
  if (source !== null || typeof EventSource === 'undefined') return
  source = new EventSource('/api/events')
  source.onopen = () => setState('live')
  source.onerror = () => setState('reconnecting')
  source.addEventListener('change', (message) => {
    let event: ChangeEvent
    try {
      event = JSON.parse((message as MessageEvent<string>).data) as ChangeEvent
    } catch {
      return
    }
    for (const l of changeListeners) l(event)
  })
}

/** A request failed to reach the server: show "reconnecting" until the stream opens again. */
export function reportUnreachable(): void {
  setState('reconnecting')
}

/** Calls `listener` for every change event; returns the unsubscribe function. */
export function onChange(listener: (event: ChangeEvent) => void): () => void {
  changeListeners.add(listener)
  return () => changeListeners.delete(listener)
}

function subscribe(listener: Listener): () => void {
  stateListeners.add(listener)
  return () => stateListeners.delete(listener)
}

/** The connection state, re-rendering on change. */
export function useConnection(): { state: ConnectionState; generation: number } {
  const s = useSyncExternalStore(subscribe, () => state)
  const g = useSyncExternalStore(subscribe, () => generation)
  return { state: s, generation: g }
}
