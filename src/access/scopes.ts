import { StrataError } from '../core/errors.js'

/**
 * What a token may do. `read` reads everything; `write:<area>` changes one area; `deploy`
 * moves aliases and stages (and, later, deployments and rollouts); `admin` manages tokens and
 * holds every other scope.
 */
export const SCOPES = [
  'read',
  'write:data',
  'write:features',
  'write:tracking',
  'write:registry',
  'deploy',
  'admin',
] as const

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number]

/** True when `name` is one of {@link SCOPES}. */
export function isScope(name: string): name is Scope {
  return (SCOPES as readonly string[]).includes(name)
}

/**
 * Parses a comma-separated scope list (`read,write:tracking,deploy`); an unknown or missing
 * scope is `INVALID_ARGUMENT` naming it and the valid ones. Duplicates collapse; the order is
 * {@link SCOPES}'s.
 */
export function parseScopes(text: string | readonly string[]): Scope[] {
  const names = (typeof text === 'string' ? text.split(',') : text.flatMap((t) => t.split(',')))
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (names.length === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `a token needs at least one scope; valid scopes: ${SCOPES.join(', ')}`,
    )
  }
  for (const name of names) {
    if (!isScope(name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `scope "${name}" is unknown; valid scopes: ${SCOPES.join(', ')}`,
        {
          details: { scope: name, valid: [...SCOPES] },
        },
      )
    }
  }
  return SCOPES.filter((s) => names.includes(s))
}

/** True when a token holding `held` may act where `required` is needed (`admin` holds all). */
export function grants(held: readonly Scope[], required: Scope): boolean {
  return held.includes('admin') || held.includes(required)
}
