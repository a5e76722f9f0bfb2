/**
 * Feast's online-serving wire format: `get-online-features` requests and columnar responses
 * over the feature store, the handler behind `POST /features/online`.
 */

export {
  type FeastMaterializeBackend,
  type FeastMaterializeRequest,
  feastMaterialize,
} from './feast-materialize.js'
export {
  createFeastOnlineHandler,
  createFeastOnlineJsonHandler,
  createFeastOnlineResolver,
  type FeastOnlineBackend,
  type FeastOnlineOptions,
  type FeastOnlineRequest,
  type FeastOnlineResponse,
  type FeastOnlineResult,
  type ValidFeastOnlineRequest,
} from './feast-online-handler.js'
export { checkFeastOnlineRequest } from './feast-online-request.js'
export { type FeastPushBackend, type FeastPushRequest, feastPush } from './feast-push.js'
