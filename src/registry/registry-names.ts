import { StrataError } from '../core/errors.js'

const MODEL_NAME = /^[A-Za-z0-9_](?:[A-Za-z0-9_.\- ]{0,198}[A-Za-z0-9_.-])?$/
const ALIAS = /^[A-Za-z_][A-Za-z0-9_-]{0,254}$/
const VERSION_LIKE = /^[vV]\d+$/
/** Aliases that would be ambiguous in references such as `name@latest`. */
const RESERVED_ALIASES = new Set(['latest'])
const MAX_TAG_KEY = 250
const MAX_TAG_VALUE = 5000
const FILE_PATH = /^(?!\/)(?!.*\/$)(?!.*\/\/)[^\0\\]+$/

/**
 * Checks a registered model name: 1–200 characters of letters, digits, `_`, `.`, `-` and
 * inner spaces, starting with a letter, digit or `_` (so names are safe blob-key segments).
 */
export function assertModelName(name: string): void {
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `model name ${JSON.stringify(name)} is invalid; use 1–200 letters, digits, "_", ".", "-" or inner spaces, starting with a letter, digit or "_" (e.g. "flight-delay")`,
      { details: { name } },
    )
  }
}

/**
 * Checks an alias: a letter or `_`, then up to 254 letters, digits, `_` or `-` (MLflow's rule);
 * not version-like (`v3`) and not `latest`.
 */
export function assertAlias(alias: string): void {
  if (
    typeof alias !== 'string' ||
    !ALIAS.test(alias) ||
    VERSION_LIKE.test(alias) ||
    RESERVED_ALIASES.has(alias)
  ) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `alias ${JSON.stringify(alias)} is invalid; use a letter or "_" then up to 254 letters, digits, "_" or "-", not "latest" and not a version like "v3" (e.g. "champion")`,
      { details: { alias } },
    )
  }
}

/** Checks a version number (a whole number ≥ 1) and returns it. */
export function assertVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `version ${String(version)} is invalid; expected a whole number ≥ 1`,
      {
        details: { version },
      },
    )
  }
  return version
}

/** Parses a version given as text (`"3"`), failing with `INVALID_ARGUMENT`. */
export function parseVersion(text: string): number {
  if (!/^\d+$/.test(text.trim())) {
    throw new StrataError('INVALID_ARGUMENT', `version "${text}" is invalid; expected a whole number ≥ 1`)
  }
  return assertVersion(Number(text))
}

/** Checks tags: keys 1–250 characters, values ≤ 5000 characters (MLflow's registry limits). */
export function assertTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) assertTag(key, value)
}

/** Checks one tag (see {@link assertTags}). */
export function assertTag(key: string, value: string): void {
  if (key.length === 0 || key.length > MAX_TAG_KEY) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `tag key ${JSON.stringify(key)} is invalid; expected 1–${MAX_TAG_KEY} characters`,
    )
  }
  if (typeof value !== 'string' || value.length > MAX_TAG_VALUE) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `tag "${key}" has a ${typeof value === 'string' ? `${value.length}-character` : typeof value} value; expected a string of at most ${MAX_TAG_VALUE} characters`,
    )
  }
}

/** Checks metrics: finite numbers under non-empty names. */
export function assertMetrics(metrics: Record<string, number>): void {
  for (const [key, value] of Object.entries(metrics)) {
    if (key.length === 0 || key.length > MAX_TAG_KEY) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `metric name ${JSON.stringify(key)} is invalid; expected 1–250 characters`,
      )
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `metric "${key}" = ${String(value)} is invalid; expected a finite number`,
      )
    }
  }
}

/** Checks a stored file's relative path (`/`-separated, no `..`, `.` or empty segments). */
export function assertFilePath(path: string): void {
  const bad = !FILE_PATH.test(path) || path.split('/').some((s) => s === '' || s === '.' || s === '..')
  if (bad) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `model file path ${JSON.stringify(path)} is invalid; expected a relative "/"-separated path without "." or ".." segments, e.g. "model.onnx"`,
    )
  }
}
