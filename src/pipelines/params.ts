import { StrataError } from '../core/errors.js'
import type { Pipeline } from './pipeline.js'
import type { JsonValue, PipelineParams } from './step.js'

/**
 * A run's params: the pipeline's defaults overridden by `given`. An unknown name fails with
 * `INVALID_ARGUMENT` naming the valid ones; a string given for a number or boolean param (from
 * `--param lr=0.2`) is converted, and one that does not convert fails naming the param.
 */
export function mergeParams(p: Pipeline, given: Readonly<Record<string, unknown>> = {}): PipelineParams {
  const out: PipelineParams = { ...p.params }
  for (const [name, raw] of Object.entries(given)) {
    if (!(name in p.params)) {
      const known = Object.keys(p.params)
      throw new StrataError(
        'INVALID_ARGUMENT',
        `pipeline "${p.name}" has no param "${name}"; params are ${known.length === 0 ? '(none)' : known.join(', ')}`,
        { details: { pipeline: p.name, param: name, valid: known } },
      )
    }
    out[name] = coerce(p.name, name, p.params[name] as JsonValue, raw)
  }
  return out
}

function coerce(pipelineName: string, name: string, def: JsonValue, raw: unknown): JsonValue {
  const bad = (want: string) =>
    new StrataError(
      'INVALID_ARGUMENT',
      `pipeline "${pipelineName}" param "${name}" must be ${want} (its default is ${JSON.stringify(def)}), not ${JSON.stringify(raw)}`,
    )
  if (typeof def === 'number') {
    const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
    if (typeof n !== 'number' || !Number.isFinite(n)) throw bad('a number')
    return n
  }
  if (typeof def === 'boolean') {
    if (raw === 'true' || raw === true) return true
    if (raw === 'false' || raw === false) return false
    throw bad('true or false')
  }
  if (typeof def === 'string') {
    if (typeof raw !== 'string') throw bad('a string')
    return raw
  }
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw) as JsonValue
    } catch {
      throw bad('JSON')
    }
  }
  return raw as JsonValue
}
