import { dirname, resolve } from 'node:path'
import { type ResolvedConfig, resolveConfig } from '../core/config.js'
import { findConfigFile } from '../core/config-file.js'
import { importUserModule } from '../core/user-module.js'

export { CONFIG_FILES, findConfigFile } from '../core/config-file.js'

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Where to start looking for the project root (default `process.cwd()`). */
  cwd?: string
  /** Environment for overrides (default `process.env`). */
  env?: Record<string, string | undefined>
}

/**
 * Finds the project root by walking up from `cwd` to the first directory holding a
 * `strata.config.*` file, loads that file (TypeScript is compiled on the fly) and resolves
 * defaults and `STRATA_*_URL` overrides. Without a config file, the root is `cwd` and every
 * backend takes its default (or env) value.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd())
  const found = findConfigFile(cwd)
  const env = options.env ?? process.env
  if (found === undefined) return resolveConfig({}, { root: cwd, env })
  return resolveConfig(await importConfigFile(found), { root: dirname(found), configFile: found, env })
}

async function importConfigFile(file: string): Promise<unknown> {
  const mod = await importUserModule(file)
  return mod.default ?? mod
}
