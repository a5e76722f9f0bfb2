import { userInfo } from 'node:os'
import type { Principal } from '../core/principal.js'

/**
 * The one rule for who acts when nobody is named (the CLI, scripts, and the API until requests
 * carry their own principal), in this order:
 *
 * 1. `STRATA_USER`, when set and not blank;
 * 2. `STRATA_AUTHOR` (its older name, still honoured; `STRATA_USER` wins when both are set);
 * 3. the operating-system account running the process (`os.userInfo()`, else `$USER` or
 *    `$USERNAME` when the account has no name entry, as in some containers);
 * 4. `unknown`.
 *
 * The result is recorded as a commit's author, a run's user and a registry change's actor.
 *
 * @example
 * defaultPrincipal({ STRATA_USER: 'ada' }) // { id: 'ada' }
 */
export function defaultPrincipal(env: Record<string, string | undefined> = process.env): Principal {
  const named = [env.STRATA_USER, env.STRATA_AUTHOR].find((v) => v !== undefined && v.trim() !== '')
  if (named !== undefined) return { id: named }
  return { id: osAccount() ?? nonEmpty(env.USER) ?? nonEmpty(env.USERNAME) ?? 'unknown' }
}

function osAccount(): string | undefined {
  try {
    return nonEmpty(userInfo().username)
  } catch {
    return undefined
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
