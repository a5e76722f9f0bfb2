import type { FeatureStore } from '../features/index.js'
import type { TextRoute } from './api-app.js'
import { createFeastOnlineJsonHandler } from './feast/index.js'

/**
 * The feature server: `POST /features/online` takes Feast's `get-online-features` request and
 * returns its columnar response (values, statuses and event timestamps per feature). A text
 * route, so the node server answers it without per-request web objects. The project's feature
 * store opens on the first request.
 */
export function featureRoutes(features: () => Promise<FeatureStore>): TextRoute[] {
  let handler: Promise<(body: string) => Promise<string>> | undefined
  const open = () => {
    handler ??= features().then(createFeastOnlineJsonHandler)
    handler.catch(() => {
      handler = undefined
    })
    return handler
  }
  return [{ method: 'POST', path: '/features/online', handle: async (body) => (await open())(body) }]
}
