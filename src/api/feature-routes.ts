import type { FastifyInstance } from 'fastify'
import { StrataError } from '../core/errors.js'
import { featureApi } from '../core/rest/index.js'
import type { FeatureStore } from '../features/index.js'
import {
  checkFeastOnlineRequest,
  createFeastOnlineResolver,
  feastMaterialize,
  feastPush,
} from './feast/index.js'
import { bindJsonTextRoute, bindRoute } from './http/index.js'

/** Largest online request body (bytes): thousands of entity rows; more is a 413. */
const ONLINE_BODY_LIMIT = 1024 * 1024

/**
 * The feature server: `POST /features/online` takes Feast's `get-online-features` request and
 * returns its columnar response (values, statuses and event timestamps per feature). The hot
 * path of the server, served by `bindJsonTextRoute`: the layer's guards and JSON parser (1 MiB
 * limit) as for every route, the body checked by `checkFeastOnlineRequest` (what the contract's
 * schema accepts, by hand), and the answer's object serialized with `JSON.stringify` (no response schema), not gzipped.
 * The project's feature store opens on the first request.
 */
export function featureRoutes(features: () => Promise<FeatureStore>) {
  return async (app: FastifyInstance): Promise<void> => {
    type Resolver = ReturnType<typeof createFeastOnlineResolver>
    let resolver: Promise<Resolver> | undefined
    let feastResolver: Promise<Resolver> | undefined
    const open = () => {
      resolver ??= features().then((store) => createFeastOnlineResolver(store))
      resolver.catch(() => {
        resolver = undefined
      })
      return resolver
    }
    // At feast serve's path, statuses as feast serve gives them (a stored null is PRESENT).
    const openFeast = () => {
      feastResolver ??= features().then((store) => createFeastOnlineResolver(store, { feastStatuses: true }))
      feastResolver.catch(() => {
        feastResolver = undefined
      })
      return feastResolver
    }
    // The hot path: the body checked by hand, the answer sent as JSON text (see bindJsonTextRoute).
    const online = { bodyLimit: ONLINE_BODY_LIMIT, checkBody: checkFeastOnlineRequest }
    bindJsonTextRoute(
      app,
      featureApi.online,
      async ({ body }) => JSON.stringify(await (await open())(body)),
      online,
    )
    // Feast's own clients (its SDK's remote online store, `feast serve` callers) use these paths.
    bindJsonTextRoute(
      app,
      featureApi.feastOnline,
      async ({ body }) => JSON.stringify(await (await openFeast())(body)),
      online,
    )
    // Rows straight to the online store: Strata's path and feast serve's two.
    bindRoute(app, featureApi.push, async ({ body }) => feastPush(await features(), body))
    bindRoute(app, featureApi.feastPush, async ({ body }) => {
      if (body.push_source_name === undefined) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          'POST /push needs push_source_name; to write one view post feature_view_name to /write-to-online-store',
        )
      }
      return feastPush(await features(), body)
    })
    bindRoute(app, featureApi.feastWriteToOnlineStore, async ({ body }) => feastPush(await features(), body))
    bindRoute(app, featureApi.feastMaterialize, async ({ body }) =>
      feastMaterialize(await features(), body, false),
    )
    bindRoute(app, featureApi.feastMaterializeIncremental, async ({ body }) =>
      feastMaterialize(await features(), body, true),
    )
  }
}
