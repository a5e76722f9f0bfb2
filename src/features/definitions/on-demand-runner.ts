import { StrataError } from '../../core/errors.js'
import { isInvalid, type StoredFeatureValue, showValue, toStoredValue } from './feature-validation.js'
import type { OnDemandFeature } from './on-demand-feature.js'

/** An on-demand feature ready to run many times: see {@link compileOnDemand}. */
export type OnDemandRunner = (values: Readonly<Record<string, unknown>>) => StoredFeatureValue

/**
 * Prepares an on-demand feature's function for repeated calls on `values` (feature inputs keyed
 * `view:feature`, request fields by name, in typed form: numbers, strings, booleans, `Date`s or
 * `null`) and checks each result against the declared type. The one code path used both for
 * training sets and online requests. Results are in stored form (timestamps as epoch ms). A
 * throwing function rejects with `USER_CODE`; a result of the wrong type with `INVALID_ARGUMENT`.
 */
export function compileOnDemand(odfv: OnDemandFeature, context: string): OnDemandRunner {
  const names: string[] = []
  const keys: string[] = []
  for (const sel of odfv.features) {
    for (const f of sel.features) {
      names.push(f)
      keys.push(`${sel.view.name}:${f}`)
    }
  }
  for (const field of Object.keys(odfv.request)) {
    names.push(field)
    keys.push(field)
  }
  return (values) => {
    const input: Record<string, unknown> = {}
    for (let i = 0; i < names.length; i++) input[names[i] as string] = values[keys[i] as string] ?? null
    let result: unknown
    try {
      result = odfv.fn(input)
    } catch (err) {
      throw new StrataError(
        'USER_CODE',
        `on-demand feature "${odfv.name}" threw while ${context}: ${err instanceof Error ? err.message : String(err)} (input ${showValue(input)})`,
        { cause: err, details: { feature: odfv.name } },
      )
    }
    const stored = toStoredValue(odfv.type, result)
    if (isInvalid(stored)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `on-demand feature "${odfv.name}" returned ${showValue(result)} while ${context}, but it is declared ${odfv.type}`,
        { details: { feature: odfv.name, value: showValue(result), expected: odfv.type } },
      )
    }
    return stored
  }
}
