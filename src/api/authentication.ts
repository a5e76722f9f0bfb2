import type { FastifyInstance, FastifyRequest } from 'fastify'
import { isStrataError } from '../core/errors.js'
import type { Principal } from '../core/principal.js'
import type { Strata, StrataServices } from '../platform/index.js'

/**
 * Decides who a request acts as. The one place authentication plugs in: a token-checking
 * resolver returns the token's principal, or throws a StrataError (rendered in the scope's
 * wire format: Strata's body, MLflow's for MLflow routes); handlers then act through
 * `request.services`, which is `strata.as(principal)`.
 */
export type RequestPrincipal = (request: FastifyRequest) => Principal | Promise<Principal>

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as (set by the authentication hook before routing's handlers run). */
    principal: Principal
    /** The project's services acting as {@link FastifyRequest.principal}. */
    services: StrataServices
  }
}

/**
 * Installs the authentication hook on every route of `app`: resolves each request's principal
 * (default: the project's own, `strata.principal` — the server acts as the user who started it,
 * as before authentication exists) and gives the request its services as that principal. Runs
 * on `onRequest`, before the body is read, so a refused request never uploads.
 */
export function useAuthentication(app: FastifyInstance, strata: Strata, resolve?: RequestPrincipal): void {
  if (resolve === undefined) {
    // The common case without authentication: every request acts as the project's own
    // principal, so there is nothing to resolve per request — no hook at all, two getters.
    app.decorateRequest('principal', { getter: () => strata.principal })
    app.decorateRequest('services', { getter: () => strata })
    return
  }
  app.decorateRequest('principal', null as unknown as Principal)
  app.decorateRequest('services', null as unknown as StrataServices)
  app.addHook('onRequest', async (request, reply) => {
    const principal = await Promise.resolve()
      .then(() => resolve(request))
      .catch((err: unknown) => {
        if (isStrataError(err, 'UNAUTHENTICATED')) reply.header('www-authenticate', 'Bearer realm="strata"')
        throw err
      })
    request.principal = principal
    request.services = strata.as(principal)
  })
}

/**
 * The user to record for a run a client names `claimed` as its user: the client's claim in
 * local mode, the authenticated principal when a token authenticated the request (a token
 * holder cannot record work under someone else's name).
 */
export function recordedUser(request: FastifyRequest, claimed: string | undefined): string | undefined {
  return request.principal.token === undefined ? claimed : request.principal.id
}
