export {
  type ApiApp,
  createApiApp,
  defaultErrorResponse,
  jsonResponse,
  type Mount,
  type TextRoute,
} from './api-app.js'
export { coreRoutes } from './core-routes.js'
export { HTTP_STATUS } from './http-status.js'
export { type ListenOptions, listen, type RunningServer } from './node-server.js'
export { type ApiRequest, type ErrorFormatter, type Handler, type HandlerResult, Router } from './router.js'
export { createServerApp } from './server-app.js'
