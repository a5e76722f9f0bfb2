export type { RequestPrincipal } from './authentication.js'
export { type ChangeEvent, ChangeFeed } from './change-feed.js'
export {
  GRPC_INFERENCE_SERVICE,
  GRPC_MAX_MESSAGE_BYTES,
  type GrpcServerOptions,
  INFERENCE_PROTO_PATH,
  type RunningGrpcServer,
  startGrpcServer,
} from './grpc/index.js'
export {
  bindRoute,
  createHttpApp,
  type HttpAppOptions,
  type ListenOptions,
  listen,
  type RequestTimeouts,
  type RouteEntry,
  type RunningServer,
  routeTable,
} from './http/index.js'
export { HTTP_STATUS } from './http-status.js'
export { type RouteAccess, routeAccess } from './route-scopes.js'
export { createServerApp, type ServerAppOptions } from './server-app.js'
export { ANONYMOUS, type BearerCall, bearerPrincipal, tokenPrincipal } from './token-authentication.js'
