/**
 * The HTTP layer (Fastify 5): the app every server route mounts on, the REST contract binding,
 * OpenAPI, event streams, the web UI's static files, and listening. See docs/http.md.
 */
export { ARTIFACT_CSP, setArtifactHeaders, setAttachmentHeaders } from './artifact-headers.js'
export {
  COMPRESS_THRESHOLD,
  createHttpApp,
  DEFAULT_BODY_LIMIT,
  type HttpAppOptions,
  missError,
} from './create-http-app.js'
export {
  type EventStream,
  type EventStreamOptions,
  openEventStream,
  type ServerSentEvent,
} from './event-stream.js'
export { allowedHostNames, hostName, LOOPBACK_HOSTS } from './host-check.js'
export { type ClassifiedError, classifyError, type ErrorRequest, errorBodyText } from './http-errors.js'
export { MAX_JSON_DEPTH, nestsDeeperThan } from './json-body.js'
export { type ListenOptions, listen, type RunningServer } from './listen.js'
export { corsOriginSet } from './origin-check.js'
export { DEFAULT_TIMEOUTS, type RequestTimeouts } from './request-timeouts.js'
export {
  type BindOptions,
  bindJsonTextRoute,
  bindRoute,
  type FileReply,
  type HandlerResult,
  type JsonTextBindOptions,
  type RestHandler,
  type RestInput,
} from './rest-binding.js'
export { type RouteMiss, routeMiss, setRouteMissHandler } from './route-miss.js'
export { type RouteEntry, routeTable } from './route-table.js'
export { spaFallback, type WebUiOptions, webUi } from './web-ui.js'
export { wireJson } from './wire-json.js'
