import { StrataError } from '../core/errors.js'
import { isInvalid, type StoredFeatureValue, showValue, toStoredValue } from './feature-validation.js'
import type { OnDemandFeature } from './on-demand-feature.js'

/**
 * Runs an on-demand feature's function on `values` (feature inputs keyed `view:feature`, request
 * fields by name, in typed form: numbers, strings, booleans, `Date`s or `null`) and checks its result against the
 * declared type. The one code path used both for training sets and online requests.
 * Resolves the stored form (timestamps as epoch ms). A throwing function rejects with
 * `USER_CODE`; a result of the wrong type with `INVALID_ARGUMENT`.
 */
export function runOnDemand(
  odfv: OnDemandFeature,
  values: Readonly<Record<string, unknown>>,
  context: string,
): StoredFeatureValue {
  const input: Record<string, unknown> = {}
  for (const sel of odfv.features)
    for (const f of sel.features) input[f] = values[`${sel.view.name}:${f}`] ?? null
  for (const field of Object.keys(odfv.request)) input[field] = values[field] ?? null
  let result: unknown
  try {
    result = odfv.fn(Object.freeze(input))
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
