import { StrataError } from '../core/errors.js'
import {
  parseRegistryFilter,
  parseRegistryOrderBy,
  type RegistryCondition,
  type RegistryOrder,
} from './registry-filter.js'
import { decodePageToken } from './registry-query.js'

/** A search over models or versions: MLflow filter text or structured conditions, order, paging. */
export interface RegistrySearch {
  filter?: string | RegistryCondition[]
  /** Sort keys, structured or as MLflow `order_by` strings (`"version_number DESC"`). */
  orderBy?: RegistryOrder[] | string[]
  /** Page size (default 100 for models, 1000 for versions; at most 10 000). */
  maxResults?: number
  pageToken?: string
}

/** The conditions, order, page size and offset of a search (validated). */
export function searchParts(search: RegistrySearch, defaultLimit: number) {
  const conditions =
    typeof search.filter === 'string' ? parseRegistryFilter(search.filter) : (search.filter ?? [])
  const order =
    search.orderBy === undefined
      ? []
      : search.orderBy.every((o) => typeof o === 'string')
        ? parseRegistryOrderBy(search.orderBy as string[])
        : (search.orderBy as RegistryOrder[])
  const limit = search.maxResults ?? defaultLimit
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `maxResults ${limit} is invalid; expected a whole number in 1…10000`,
    )
  }
  return { conditions, order, limit, offset: decodePageToken(search.pageToken) }
}
