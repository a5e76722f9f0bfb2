import type { LoggedValues, PredictionEntry, StoredTensor } from './payload-types.js'

/** Values that are not plain JSON (a typed array, a BigInt) as JSON-safe values. */
function jsonSafe(values: unknown): unknown[] {
  if (Array.isArray(values)) return values.map(jsonValue)
  if (ArrayBuffer.isView(values)) return Array.from(values as unknown as ArrayLike<unknown>, jsonValue)
  return [jsonValue(values)]
}

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64')
  return v
}

function isTensorList(
  v: LoggedValues,
): v is readonly { name: string; datatype: string; shape: readonly number[]; values: unknown }[] {
  return Array.isArray(v)
}

/**
 * Logged values as stored: protocol tensors by name as `{ datatype, shape, data }`, named values
 * as given (typed arrays and BigInts made JSON-safe); names in `redact` become `"[redacted]"`.
 */
export function encodeValues(values: LoggedValues, redact: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (isTensorList(values)) {
    for (const t of values) {
      if (redact.has(t.name)) {
        out[t.name] = '[redacted]'
        continue
      }
      const stored: StoredTensor = { datatype: t.datatype, shape: [...t.shape], data: jsonSafe(t.values) }
      out[t.name] = stored
    }
    return out
  }
  for (const [name, v] of Object.entries(values)) {
    out[name] = redact.has(name)
      ? '[redacted]'
      : Array.isArray(v) || ArrayBuffer.isView(v)
        ? jsonSafe(v)
        : jsonValue(v)
  }
  return out
}

/** An entity key as canonical JSON (keys sorted), the form stored and compared. */
export function canonicalKey(key: Readonly<Record<string, unknown>>): string {
  const sorted: Record<string, unknown> = {}
  for (const k of Object.keys(key).sort()) sorted[k] = jsonValue(key[k])
  return JSON.stringify(sorted)
}

/** The stored row of an entry (JSON columns encoded). */
export function entryRow(entry: PredictionEntry, batch: string, redact: ReadonlySet<string>) {
  return {
    id: entry.id,
    at: entry.at,
    endpoint: entry.endpoint,
    model_name: entry.modelName,
    model_version: entry.modelVersion,
    deployment_revision: entry.deploymentRevision,
    request_id: entry.requestId,
    entity_key: entry.entityKey === null ? null : canonicalKey(entry.entityKey),
    status: entry.status,
    error: entry.error,
    latency_ms: entry.latencyMs,
    inputs: JSON.stringify(encodeValues(entry.inputs, redact)),
    outputs: entry.outputs === null ? null : JSON.stringify(encodeValues(entry.outputs, redact)),
    feature_views: entry.featureViews === null ? null : JSON.stringify(entry.featureViews),
    batch,
  }
}
