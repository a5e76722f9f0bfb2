import { useSyncExternalStore } from 'react'
import { readApiError } from '../../../src/client/index.js'
import { reportUnauthenticated, storedToken } from './session.js'

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
let stream: { close(): void } | null = null

function setState(next: ConnectionState): void {
  if (next === state) return
  const recovered = state === 'reconnecting' && next === 'live'
  state = next
  if (recovered) generation += 1
  for (const l of stateListeners) l()
}

/** How long to wait before opening the stream again after it dropped (the server's `retry:`). */
const RETRY_MS = 3000

/**
 * Opens the live event stream (`GET /api/events`) once. Without a token it is an `EventSource`
 * (the browser reconnects by itself; the server asks for 3 s); with a token it is read with
 * `fetch`, which can send `Authorization: Bearer` (`EventSource` cannot), and opened again every
 * 3 s after it drops. While it is down the UI shows "reconnecting", and when it is back every
 * view refetches. A 401 stops it and shows the sign-in form; signing in starts it again.
 */
export function startLiveUpdates(): void {
  if (stream !== null) return
  if (storedToken() === null) {
    if (typeof EventSource === 'undefined') return
    const source = new EventSource('/api/events')
    source.onopen = () => setState('live')
    source.onerror = () => setState('reconnecting')
    source.addEventListener('change', (message) =>
      dispatch('change', [(message as MessageEvent<string>).data]),
    )
    stream = { close: () => source.close() }
    return
  }
  const controller = new AbortController()
  const handle = { close: () => controller.abort() }
  stream = handle
  void (async () => {
    while (!controller.signal.aborted) {
      const stop = await readStream(controller.signal)
      if (stop || controller.signal.aborted) break
      setState('reconnecting')
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
    }
    if (stream === handle) stream = null
  })()
}

/** Closes the live event stream (signed out, or about to reopen it with a token). */
export function stopLiveUpdates(): void {
  stream?.close()
  stream = null
}

/** Reads the stream until it ends; true when it must not be retried (401: no or a refused token). */
async function readStream(signal: AbortSignal): Promise<boolean> {
  const token = storedToken()
  let res: Response
  try {
    res = await fetch('/api/events', {
      headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal,
    })
  } catch {
    return false
  }
  if (res.status === 401) {
    const error = await readApiError(res)
    reportUnauthenticated(error.message)
    return true
  }
  if (!res.ok || res.body === null) return false
  setState('live')
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return false
      buffer += value
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        dispatchBlock(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf('\n\n')
      }
    }
  } catch {
    return false
  }
}

/** Hands one server-sent event (its name and data lines) to the change listeners when it is a `change`. */
function dispatch(name: string, data: string[]): void {
  if (name !== 'change' || data.length === 0) return
  let event: ChangeEvent
  try {
    event = JSON.parse(data.join('\n')) as ChangeEvent
  } catch {
    return
  }
  for (const l of changeListeners) l(event)
}

/** Parses one block of a server-sent event stream (the lines between blank lines). */
function dispatchBlock(block: string): void {
  let name = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim()
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
  }
  dispatch(name, data)
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
