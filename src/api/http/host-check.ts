import { StrataError } from '../../core/errors.js'

/**
 * A `Host` header as RFC 9110 allows it: a registered name or IPv4 address (RFC 3986 `reg-name`
 * characters: no `/`, `?`, `#`, `@` or spaces), or a bracketed IPv6 literal, with an optional port.
 */
const VALID_HOST = /^(?:[A-Za-z0-9\-._~%!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/** How many accepted `Host` values {@link hostCheck} remembers. */
const ACCEPTED_HOSTS = 64

/** The host names every server answers to: the loopback names a local browser uses. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]']

/** The host name of a valid `Host` header, lower-cased, without its port (`[::1]` keeps its brackets). */
export function hostName(host: string): string {
  const lower = host.toLowerCase()
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1)
  const colon = lower.lastIndexOf(':')
  return colon < 0 ? lower : lower.slice(0, colon)
}

/**
 * The host names a server answers to: {@link LOOPBACK_HOSTS} and `configured` (names or
 * addresses, lower-cased; an IPv6 address is bracketed; `*` allows any name, for a server whose
 * reverse proxy checks `Host` itself).
 */
export function allowedHostNames(configured: readonly string[] = []): ReadonlySet<string> {
  const names = new Set(LOOPBACK_HOSTS)
  for (const name of configured) {
    const lower = name.trim().toLowerCase()
    if (lower === '') continue
    names.add(lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower)
  }
  return names
}

/**
 * Refuses a malformed `Host` header with 400 and a well-formed one that names a host not in
 * `allowed` with 403 `PERMISSION_DENIED`. Routing never reads `Host` (Fastify routes on the
 * request path alone); refusing a `Host` that holds a path or a query keeps anything downstream
 * that builds URLs from it (logs, redirects, links) from being steered by it. The allow-list
 * defeats DNS rebinding: a page on `evil.example` whose name now resolves to 127.0.0.1 sends
 * `Host: evil.example`, which no local server answers.
 *
 * A function of the `Host` header: the error to answer with, or `undefined` when the host is
 * served here (or no `Host` was sent). The layer runs it from its one request hook
 * (`useRequestGuards`).
 */
export function hostCheck(
  allowed: ReadonlySet<string> = allowedHostNames(),
): (host: string | undefined) => StrataError | undefined {
  const any = allowed.has('*')
  // Hosts already accepted (clients send the same one on every request): one lookup instead of
  // the pattern, lower-casing and slicing. Bounded; only accepted values are kept.
  const accepted = new Set<string>()
  return (host) => {
    if (host === undefined || accepted.has(host)) return undefined
    if (!VALID_HOST.test(host)) {
      return new StrataError(
        'INVALID_ARGUMENT',
        `Host header "${host.slice(0, 100)}" is malformed; expected host[:port]`,
      )
    }
    if (!any && !allowed.has(hostName(host))) {
      return new StrataError(
        'PERMISSION_DENIED',
        `Host "${host.slice(0, 100)}" is not served here; allowed: ${[...allowed].join(', ')} ` +
          '(add a name with "strata server --allowed-host <name>")',
        { details: { host, allowed: [...allowed] } },
      )
    }
    if (accepted.size >= ACCEPTED_HOSTS) accepted.clear()
    accepted.add(host)
    return undefined
  }
}
