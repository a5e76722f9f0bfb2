import { StrataError } from '../../core/errors.js'
import { parseTimestamp } from '../../core/time.js'
import type { MaterializeOptions } from '../../features/index.js'

/** `feast serve`'s materialize request body. */
export interface FeastMaterializeRequest {
  start_ts?: string | undefined
  end_ts: string
  feature_views?: string[] | null | undefined
}

/** What materializing needs from the feature store. */
export interface FeastMaterializeBackend {
  materialize(
    options: MaterializeOptions,
  ): Promise<{ view: string; mode: string; entities: number; written: number }[]>
}

/**
 * `POST /materialize` and `/materialize-incremental` with `feast serve`'s bodies: `start_ts`
 * (required for the full form) and `end_ts` as ISO-8601 (naive = UTC, like every Strata time),
 * `feature_views` to limit the views. Answers what each view did (Feast answers an empty body).
 */
export async function feastMaterialize(
  store: FeastMaterializeBackend,
  body: FeastMaterializeRequest,
  incremental: boolean,
): Promise<{ views: { view: string; mode: string; entities: number; written: number }[] }> {
  const options: MaterializeOptions = { incremental, end: time(body.end_ts, 'end_ts') }
  if (!incremental) {
    if (body.start_ts === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        'start_ts is required; give an ISO-8601 time such as 2024-01-01T00:00:00Z',
      )
    }
    options.start = time(body.start_ts, 'start_ts')
  }
  if (body.feature_views !== undefined && body.feature_views !== null && body.feature_views.length > 0) {
    options.views = body.feature_views
  }
  const reports = await store.materialize(options)
  return {
    views: reports.map((r) => ({ view: r.view, mode: r.mode, entities: r.entities, written: r.written })),
  }
}

function time(text: string, field: string): number {
  const ms = parseTimestamp(text)
  if (ms === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${field} "${text}" is not a time; use ISO-8601 such as 2024-01-01T00:00:00Z (without an offset it is UTC)`,
    )
  }
  return ms
}
