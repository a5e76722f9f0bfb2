import { StrataError } from '../../core/errors.js'
import type { ValidFeastOnlineRequest } from './feast-online-handler.js'

const EXPECTED = 'a request is { features: ["view:feature"] | feature_service, entities: { key: [values] } }'

/**
 * Checks a parsed `get-online-features` body by hand, accepting exactly what
 * `feastOnlineRequestSchema` accepts and returning what it returns (unknown keys dropped), for
 * the online routes' hot path, where the generic zod check was a visible share of a request
 * (the route's schema still describes the body in the OpenAPI document, and a test holds the two
 * to the same answers). A mismatch is `INVALID_ARGUMENT` naming the field and the value. The
 * body's nesting is bounded by the layer's JSON parser before this runs (`useJsonBodies`).
 *
 * @example
 * checkFeastOnlineRequest(JSON.parse(text)) // → { features: [...], entities: { driver_id: [1001] } }
 */
export function checkFeastOnlineRequest(body: unknown): ValidFeastOnlineRequest {
  if (!isRecord(body)) refuse('(body)', body, 'an object')
  const out: ValidFeastOnlineRequest = { entities: columns(body.entities, 'entities') }
  const features = body.features
  if (features !== undefined) {
    if (!Array.isArray(features)) refuse('features', features, 'an array of "view:feature" names')
    for (let i = 0; i < features.length; i++) {
      const name = features[i]
      if (typeof name !== 'string' || name.length === 0)
        refuse(`features.${i}`, name, 'a non-empty "view:feature" name')
    }
    out.features = features as string[]
  }
  const service = body.feature_service
  if (service !== undefined) {
    if (service !== null && (typeof service !== 'string' || service.length === 0))
      refuse('feature_service', service, 'a non-empty feature service name or null')
    out.feature_service = service
  }
  const fullNames = body.full_feature_names
  if (fullNames !== undefined) {
    if (typeof fullNames !== 'boolean') refuse('full_feature_names', fullNames, 'true or false')
    out.full_feature_names = fullNames
  }
  if (body.request_context !== undefined)
    out.request_context = columns(body.request_context, 'request_context')
  const versions = body.include_feature_view_version_metadata
  if (versions !== undefined) {
    if (typeof versions !== 'boolean')
      refuse('include_feature_view_version_metadata', versions, 'true or false')
    out.include_feature_view_version_metadata = versions
  }
  return out
}

/** A record of columns: name → array of values, one per row. */
function columns(value: unknown, field: string): Record<string, unknown[]> {
  if (!isRecord(value)) refuse(field, value, 'an object of columns: { key: [values] }')
  for (const key of Object.keys(value)) {
    const column = value[key]
    if (!Array.isArray(column)) refuse(`${field}.${key}`, column, 'an array of values, one per row')
  }
  return value as Record<string, unknown[]>
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function refuse(field: string, value: unknown, expected: string): never {
  throw new StrataError(
    'INVALID_ARGUMENT',
    `invalid get-online-features request: "${field}" is ${describe(value)}, expected ${expected}; ${EXPECTED}`,
  )
}

/** A short rendering of a bad value for the error message. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
