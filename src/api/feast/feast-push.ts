import type { z } from 'zod'
import { StrataError } from '../../core/errors.js'
import type { featurePushRequestSchema } from '../../core/rest/index.js'
import type { PushOptions, PushReport } from '../../features/index.js'

/** A push body: Feast's `PushFeaturesRequest`, or `WriteToFeatureStoreRequest` (one view). */
export type FeastPushRequest = z.infer<typeof featurePushRequestSchema>

/** What pushing needs from the feature store. */
export interface FeastPushBackend {
  push(options: PushOptions): Promise<PushReport>
}

/**
 * `POST /push`, `/write-to-online-store` and `/features/push` with `feast serve`'s bodies:
 * `push_source_name` (every view declaring it) or `feature_view_name` (one view), `df` as
 * columns, `to`. `allow_registry_cache` and `transform_on_write` are accepted and have no
 * effect (the registry is always read; pushed rows are stored as given). Answers what each
 * view took (Feast answers an empty body).
 */
export function feastPush(store: FeastPushBackend, body: FeastPushRequest): Promise<PushReport> {
  const { push_source_name: pushSource, feature_view_name: view } = body
  if ((pushSource === undefined) === (view === undefined)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      'give exactly one of push_source_name (every view declaring that push source) or feature_view_name (one view)',
    )
  }
  const options: PushOptions = { rows: body.df, ...(body.to === undefined ? {} : { to: body.to }) }
  if (pushSource !== undefined) options.pushSource = pushSource
  if (view !== undefined) options.view = view
  return store.push(options)
}
