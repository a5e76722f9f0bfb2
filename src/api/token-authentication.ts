import type { FastifyRequest } from 'fastify'
import { grants, type Scope } from '../access/index.js'
import { StrataError } from '../core/errors.js'
import type { Principal } from '../core/principal.js'
import type { StrataServices } from '../platform/index.js'
import type { RequestPrincipal } from './authentication.js'
import { routeAccess } from './route-scopes.js'

/** Who a request to a public route (health, version, the web UI's files) acts as: nobody. */
export const ANONYMOUS: Principal = { id: 'anonymous' }

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i

/** What a call is and how its client sends a token, for the messages of {@link bearerPrincipal}. */
export interface BearerCall {
  /** The call, as in "<action> needs a token": `POST /api/runs`, `/inference.GRPCInferenceService/ModelInfer`. */
  action: string
  /** How to send the token (and make one): `send "Authorization: Bearer <token>" (…)`. */
  howToSend: string
}

/**
 * The principal of a call that needs `access`, from its `Authorization` value (an HTTP header or
 * gRPC metadata): `Bearer <token>` of an active token holding that scope. No or an unknown token
 * is `UNAUTHENTICATED`, a token without the scope `PERMISSION_DENIED`, both naming what would be
 * accepted. One check for every transport: REST and gRPC accept the same tokens and scopes.
 */
export async function bearerPrincipal(
  services: StrataServices,
  access: Scope,
  authorization: string | undefined,
  call: BearerCall,
): Promise<Principal> {
  if (authorization === undefined) {
    throw new StrataError(
      'UNAUTHENTICATED',
      `${call.action} needs a token with scope "${access}": ${call.howToSend}`,
      { details: { scope: access } },
    )
  }
  const match = BEARER.exec(authorization)
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
      `token "${token.name}" may not ${call.action}: that needs scope "${access}", ` +
        `the token holds ${token.scopes.join(', ')}`,
      { details: { token: token.name, required: access, held: token.scopes } },
    )
  }
  return { id: token.principal, token: token.name }
}

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
    return bearerPrincipal(services, access, request.headers.authorization, {
      action: `${request.method} ${url}`,
      howToSend:
        'send "Authorization: Bearer <token>" ' +
        '(MLflow clients: set MLFLOW_TRACKING_TOKEN; create a token with "strata token create")',
    })
  }
}
