import type { PredictTarget } from './entity-predict.js'
import type { RequestContext, RoutedEndpoint } from './model-server-types.js'
import { newPredictionId } from './payload-log/index.js'

/**
 * A routed endpoint as the target of `predict`: the router picks the version by its policy
 * (the request's headers, or the first entity row's value of a sticky input, hold the sticky
 * key), and every version it may pick must read the same features.
 */
export function routedTarget(
  name: string,
  endpoint: RoutedEndpoint,
  options: { headers?: RequestContext['headers'] },
): PredictTarget {
  const champion = endpoint.model()
  const revision = endpoint.revision
  return {
    versions: endpoint.versions().map((served) => ({ served })),
    failed: (at, requestId) => ({
      id: newPredictionId(at),
      at,
      endpoint: name,
      modelName: champion.name,
      modelVersion: champion.version,
      deploymentRevision: revision === undefined ? null : String(revision),
      requestId: requestId ?? null,
    }),
    run: (request) =>
      endpoint.infer(undefined, request, {
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        values: request.entityRows.rows[0]?.inputs,
      }),
  }
}
