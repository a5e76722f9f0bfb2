import { useEffect, useRef, useState } from 'react'
import { ApiError, ConnectionError, StrataClient } from '../../../src/client/index.js'
import { type ChangeEvent, onChange, reportUnreachable, useConnection } from './connection.js'
import { reportUnauthenticated, storedToken } from './session.js'

/** The UI's one client: same origin, so the server's Host/Origin guards accept it; the session's token, if any. */
export const client = new StrataClient({ token: storedToken })

/** The state of one request: loading, failed (with the error) or done (with the data). */
export type Loaded<T> = (
  | { status: 'loading'; data?: undefined; error?: undefined }
  | { status: 'error'; data?: undefined; error: Error }
  | { status: 'ok'; data: T; error?: undefined }
) & {
  /** A newer request (another filter, page…) is on its way; the shown data is the previous answer. */
  stale?: boolean
}

/** Options of {@link useApi}. */
export interface UseApiOptions {
  /** Refetch (quietly, keeping the shown data) when a change event matches. */
  watch?: (event: ChangeEvent) => boolean
}

/**
 * Runs `load` when `key` changes and when the server comes back after an outage; with
 * `watch`, also after matching writes (debounced). A refetch keeps the data on screen.
 */
export function useApi<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  options: UseApiOptions = {},
): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' })
  const { generation } = useConnection()
  const [tick, setTick] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load
  const watchRef = useRef(options.watch)
  watchRef.current = options.watch
  const shownKey = useRef<string | null>(null)

  useEffect(() => {
    if (watchRef.current === undefined) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const stop = onChange((event) => {
      if (!watchRef.current?.(event)) return
      clearTimeout(timer)
      timer = setTimeout(() => setTick((t) => t + 1), 300)
    })
    return () => {
      clearTimeout(timer)
      stop()
    }
  }, [])

  // biome-ignore lint/correctness/useExhaustiveDependencies: generation and tick trigger refetches
  useEffect(() => {
    const controller = new AbortController()
    // within one page the previous answer stays on screen (marked stale) while the next loads
    loadRef.current(controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return
        shownKey.current = key
        setState({ status: 'ok', data })
      },
      (error: unknown) => {
        if (controller.signal.aborted) return
        if (error instanceof ConnectionError) reportUnreachable()
        if (error instanceof ApiError && error.status === 401) reportUnauthenticated(error.message)
        shownKey.current = key
        setState({ status: 'error', error: error instanceof Error ? error : new Error(String(error)) })
      },
    )
    return () => controller.abort()
  }, [key, generation, tick])
  return shownKey.current === key || state.status === 'loading' ? state : { ...state, stale: true }
}

/** Whether an error is the server's "not found" (404) for the thing the URL names. */
export function isNotFound(error: Error): boolean {
  return error instanceof ApiError && error.status === 404
}

export { ApiError, ConnectionError }
