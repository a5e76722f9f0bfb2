/**
 * Who acts: recorded as a commit's author, a run's user, a registry change's actor. Services
 * take it from their service context (see `Strata.as`); the CLI acts as the default principal
 * of the environment (`STRATA_USER`, see `defaultPrincipal`), the API as the principal of each
 * request.
 *
 * A principal is a value identified by `id`. Authentication (tokens, scopes) will add fields
 * here; code that only records who acted reads `id`.
 *
 * @example
 * const registry = await strata.as({ id: 'ci-bot' }).registry()
 */
export interface Principal {
  /** The name recorded as author, user or actor (a user name, later a token's subject). */
  readonly id: string
  /** The name of the API token that authenticated this principal (server requests with tokens on). */
  readonly token?: string
}
