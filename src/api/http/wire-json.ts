import { jsonReplacer } from '../../core/json.js'

/**
 * JSON as the REST API sends it: bigint as a number when safe (else a string), Map as an object
 * (see `jsonReplacer`), and the numbers JSON cannot spell as the strings `"NaN"`, `"Infinity"`
 * and `"-Infinity"` (as MLflow's proto JSON does; `JSON.stringify` would send `null`).
 */
export function wireJson(value: unknown): string {
  return JSON.stringify(value ?? {}, wireReplacer)
}

function wireReplacer(key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
  }
  return jsonReplacer(key, value)
}
