/** True for an address only this machine reaches (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase()
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(h)
}

/** Addresses that bind every interface: no host name of their own to allow. */
const WILDCARD_ADDRESSES: readonly string[] = ['0.0.0.0', '::', '[::]']

/**
 * The `Host` names a server bound to `host` answers besides the loopback ones: `extra`, and the
 * bound address itself unless it is a wildcard.
 */
export function servedHostNames(host: string, extra: readonly string[] = []): string[] {
  return WILDCARD_ADDRESSES.includes(host) ? [...extra] : [...extra, host]
}
