import type { FastifyRequest } from 'fastify'
import { grants } from '../access/index.js'
import { StrataError } from '../core/errors.js'
import type { Principal } from '../core/principal.js'
import type { StrataServices } from '../platform/index.js'
import type { RequestPrincipal } from './authentication.js'
import { routeAccess } from './route-scopes.js'

/** Who a request to a public route (health, version, the web UI's files) acts as: nobody. */
export const ANONYMOUS: Principal = { id: 'anonymous' }

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i

/**
 * The token-checking resolver (`ServerAppOptions.principal`): a request to a route that needs a
 * scope (see `routeAccess`) must carry `Authorization: Bearer <token>` — the header the MLflow
 * client sends from `MLFLOW_TRACKING_TOKEN` — of an active token holding that scope; it then
 * acts as the token's principal. No or an unknown token is `UNAUTHENTICATED` (401), a token
 * without the scope `PERMISSION_DENIED` (403), both naming what would be accepted.
 */
export function tokenPrincipal(services: StrataServices): RequestPrincipal {
  return async (request: FastifyRequest) => {
    const url = request.routeOptions.url
    const { access } = routeAccess(request.method, url)
    if (access === 'public') return ANONYMOUS
    const header = request.headers.authorization
    if (header === undefined) {
      throw new StrataError(
        'UNAUTHENTICATED',
        `${request.method} ${url} needs a token with scope "${access}": send "Authorization: Bearer <token>" ` +
          '(MLflow clients: set MLFLOW_TRACKING_TOKEN; create a token with "strata token create")',
        { details: { scope: access } },
      )
    }
    const match = BEARER.exec(header)
    if (match === null) {
      throw new StrataError('UNAUTHENTICATED', 'the Authorization header is not "Bearer <token>"')
    }
    const token = await (await services.tokens()).verify(match[1] as string)
    if (token === undefined) {
      throw new StrataError(
        'UNAUTHENTICATED',
        'the bearer token is unknown or revoked; list active tokens with "strata token list"',
      )
    }
    if (!grants(token.scopes, access)) {
      throw new StrataError(
        'PERMISSION_DENIED',
        `token "${token.name}" may not ${request.method} ${url}: that needs scope "${access}", ` +
          `the token holds ${token.scopes.join(', ')}`,
        { details: { token: token.name, required: access, held: token.scopes } },
      )
    }
    return { id: token.principal, token: token.name }
  }
}
