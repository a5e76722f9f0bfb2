import { readFileSync } from 'node:fs'

let cached: string | undefined

/** Strata's package version (read once from package.json next to src/ or dist/). */
export function strataVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string
    }
    cached = pkg.version
  }
  return cached
}
