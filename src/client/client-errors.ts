/**
 * An error answer of Strata's API (`{"error": {"code", "message", "details?"}}`), with the HTTP
 * status and the request id the server logged it under.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly details?: Record<string, unknown>,
  ) {
    super(message)
  }
}

/** The server could not be reached (refused, reset, DNS): the UI shows "reconnecting". */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError'
}

/** Reads an error answer: Strata's error body when there is one, else the status line. */
export async function readApiError(res: Response): Promise<ApiError> {
  const requestId = res.headers.get('x-request-id')
  const text = await res.text().catch(() => '')
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
    const e = body.error
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      const details =
        e.details !== null && typeof e.details === 'object'
          ? (e.details as Record<string, unknown>)
          : undefined
      return new ApiError(res.status, e.code, e.message, requestId, details)
    }
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(
    res.status,
    'HTTP_' + res.status,
    text.trim() || res.statusText || `HTTP ${res.status}`,
    requestId,
  )
}
