import type { FastifyInstance } from 'fastify'
import { StrataError } from '../core/errors.js'
import { featureApi } from '../core/rest/index.js'
import type { FeatureStore } from '../features/index.js'
import { createFeastOnlineResolver, feastMaterialize, feastPush } from './feast/index.js'
import { bindRoute } from './http/index.js'

/** Largest online request body (bytes): thousands of entity rows; more is a 413. */
const ONLINE_BODY_LIMIT = 1024 * 1024

/**
 * The feature server: `POST /features/online` takes Feast's `get-online-features` request and
 * returns its columnar response (values, statuses and event timestamps per feature). The hot
 * path of the server, served as an ordinary route: Fastify reads the body (1 MiB limit) and
 * validates it with the contract's schema once; the handler skips validating again, and the
 * response goes out with plain `JSON.stringify` (it holds no bigint and no non-finite number).
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
    // This scope's answers go out with plain JSON.stringify, not the server's replacer.
    app.setReplySerializer((payload) => JSON.stringify(payload))
    bindRoute(app, featureApi.online, async ({ body }) => (await open())(body), {
      bodyLimit: ONLINE_BODY_LIMIT,
    })
    // Feast's own clients (its SDK's remote online store, `feast serve` callers) use these paths.
    bindRoute(app, featureApi.feastOnline, async ({ body }) => (await openFeast())(body), {
      bodyLimit: ONLINE_BODY_LIMIT,
    })
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
