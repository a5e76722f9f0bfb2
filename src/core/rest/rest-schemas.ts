import { z } from 'zod'

/** `{key: value}` string tags. */
export const tagsSchema = z.record(z.string(), z.string())

/** The empty object a write answers with when it has nothing to return. */
export const emptySchema = z.object({}).meta({ id: 'Empty' })

/** An optional query parameter; an empty value (`?filter=`) counts as absent. */
export const queryString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional())

/** An optional whole-number query parameter (`?maxResults=10`); anything else is a 400. */
export const queryInt = z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().optional())

/** A query parameter that may repeat (`?orderBy=a&orderBy=b`), as a list (empty when absent). */
export const queryList = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z.array(z.string()),
)

/** The query of a paged search: MLflow filter, order-by entries, page size and token. */
export const searchQuery = {
  filter: queryString.describe("MLflow filter, e.g. metrics.auc > 0.8 and params.lr = '0.1'"),
  orderBy: queryList.describe('entries like `metrics.auc DESC` (repeat the parameter for more)'),
  maxResults: queryInt,
  pageToken: queryString.describe('nextPageToken of the previous page'),
}

/** Which lifecycle stages a search returns. */
export const viewSchema = z.enum(['active', 'deleted', 'all'])

/**
 * One page of a listing: `items`, and `nextPageToken` until the last page (absent there, or
 * `null` in the registry).
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextPageToken: z.string().nullable().optional() })
}

/**
 * A number as JSON carries it: finite numbers as they are, and the values JSON cannot spell as
 * the strings `"NaN"`, `"Infinity"` and `"-Infinity"` (as MLflow's proto JSON does).
 */
export const wireNumber = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])])
