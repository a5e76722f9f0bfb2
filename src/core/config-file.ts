import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** The file names of a project's config, in the order they are looked for. */
export const CONFIG_FILES = [
  'strata.config.ts',
  'strata.config.mts',
  'strata.config.js',
  'strata.config.mjs',
] as const

/** The nearest `strata.config.*` at or above `start`, if any. */
export function findConfigFile(start: string): string | undefined {
  let dir = resolve(start)
  for (;;) {
    for (const name of CONFIG_FILES) {
      const candidate = join(dir, name)
      if (existsSync(candidate)) return candidate
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}
