export {
  type ApiApp,
  type ApiAppOptions,
  createApiApp,
  defaultErrorResponse,
  defaultMissResponse,
  jsonResponse,
  type Mount,
  type RequestPrincipal,
  type TextRoute,
} from './api-app.js'
export { coreRoutes } from './core-routes.js'
export { HTTP_STATUS } from './http-status.js'
export { type ListenOptions, listen, type RunningServer } from './node-server.js'
export {
  type ApiRequest,
  type ErrorFormatter,
  type Handler,
  type HandlerResult,
  type MissFormatter,
  type RequestService,
  type RouteMatch,
  type RouteMiss,
  Router,
  type RouterOptions,
} from './router.js'
export { createServerApp, type ServerAppOptions } from './server-app.js'
