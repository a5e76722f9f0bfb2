import { StrataError } from './errors.js'

/**
 * Who acts: recorded as a commit's author, a run's user, a registry change's actor. Services
 * take it from their service context (see `Strata.as`); the CLI acts as the default principal
 * of the environment, the API as the principal of each request.
 *
 * A principal is a value identified by `id`. Authentication (tokens, scopes) will add fields
 * here; code that only records who acted reads `id`.
 */
export interface Principal {
  /** The name recorded as author, user or actor (a user name, later a token's subject). */
  readonly id: string
}

/**
 * A principal named `id`; an empty or blank id is `INVALID_ARGUMENT`.
 *
 * @example
 * const scoped = strata.as(principal('ada'))
 */
export function principal(id: string): Principal {
  if (id.trim() === '') {
    throw new StrataError('INVALID_ARGUMENT', `principal id "${id}" is invalid; expected a non-empty name`)
  }
  return { id }
}
