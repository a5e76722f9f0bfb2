/**
 * Feast's online-serving wire format: `get-online-features` requests and columnar responses
 * over the feature store, the handler behind `POST /features/online`.
 */
export {
  createFeastOnlineHandler,
  createFeastOnlineJsonHandler,
  type FeastOnlineBackend,
  type FeastOnlineRequest,
  type FeastOnlineResponse,
  type FeastOnlineResult,
} from './feast-online-handler.js'
