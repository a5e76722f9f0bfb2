/**
 * The typed client of Strata's REST API (used by the web UI): requests built from the
 * contract routes of `src/core/rest/`, answers typed by their response schemas.
 */

export {
  type CallInput,
  type CallOutput,
  fillPath,
  type QueryValue,
  queryString,
  StrataClient,
  type StrataClientOptions,
} from './client.js'
export { ApiError, ConnectionError, readApiError } from './client-errors.js'
export { type ClientGroup, type ClientRouteName, type RestApi, ROUTES } from './routes.js'
