import { createFeastOnlineHandler, type FeatureStore } from '../features/index.js'
import type { Mount } from './api-app.js'
import { Router } from './router.js'

/**
 * The feature server under `/features`: `POST /features/online` takes Feast's
 * `get-online-features` request and returns its columnar response (values, statuses and event
 * timestamps per feature). The project's feature store opens on the first request.
 */
export function featureMounts(features: () => Promise<FeatureStore>): Mount[] {
  let handle: Promise<ReturnType<typeof createFeastOnlineHandler>> | undefined
  const handler = () => {
    handle ??= features().then(createFeastOnlineHandler)
    handle.catch(() => {
      handle = undefined
    })
    return handle
  }
  // The response holds only JSON values, so it skips the API's generic (bigint/Map) replacer.
  const router = new Router().post(
    '/online',
    async (req) =>
      new Response(JSON.stringify(await (await handler())(await req.json())), {
        headers: { 'content-type': 'application/json' },
      }),
  )
  return [{ prefix: '/features', router }]
}
