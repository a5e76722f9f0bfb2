import { StrataError } from '../../core/errors.js'

/**
 * Encodes a result offset as an opaque page token: base64 of `{"offset":n}`, the shape MLflow's
 * server uses, and the one format of every Strata search (callers must not rely on it; they pass
 * a `nextPageToken` back unchanged).
 */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64')
}

/** Decodes a token from {@link encodePageToken}; a missing token is offset 0. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const offset = (parsed as { offset?: unknown } | undefined)?.offset
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `invalid page token ${JSON.stringify(token)}; pass the next_page_token of the previous page unchanged`,
      { details: { pageToken: token } },
    )
  }
  return offset
}

/**
 * Builds a page from `rows` fetched with `limit = maxResults + 1`: the extra row, when present,
 * only signals that another page exists.
 */
export function toPage<T>(
  rows: T[],
  offset: number,
  maxResults: number,
): { items: T[]; nextPageToken?: string } {
  if (rows.length <= maxResults) return { items: rows }
  return { items: rows.slice(0, maxResults), nextPageToken: encodePageToken(offset + maxResults) }
}
