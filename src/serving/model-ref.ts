import { StrataError } from '../core/errors.js'

/**
 * Parses a model reference: `models:/name@alias`, `models:/name/3`, `name@alias`, `name/3` or
 * `name` (the latest version), into the registry's form (without `models:/`).
 */
export function registryRef(ref: string): string {
  const bare = ref.startsWith('models:/') ? ref.slice('models:/'.length) : ref
  if (bare === '' || bare.startsWith('@') || bare.startsWith('/')) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `model reference "${ref}" is invalid; expected name@alias, name/<version> or name (optionally prefixed models:/)`,
    )
  }
  return bare
}
