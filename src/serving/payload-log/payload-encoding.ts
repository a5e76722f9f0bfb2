import type { PayloadTables } from './payload-migrations.js'
import type { LoggedValues, PredictionEntry } from './payload-types.js'
import { jsonSafe, jsonValue, valuesJson } from './values-json.js'

/** A stored row of the payload log. */
export type PredictionRow = PayloadTables['serving_predictions']

const INTEGER_LIKE = /^\d+$/

function isTensorList(
  v: LoggedValues,
): v is readonly { name: string; datatype: string; shape: readonly number[]; values: unknown }[] {
  return Array.isArray(v)
}

/**
 * Logged values as stored, as JSON text: protocol tensors by name as `{ datatype, shape, data }`,
 * named values as given (typed arrays and BigInts made JSON-safe); names in `redact` become
 * `"[redacted]"`. The text of a tensor list is written directly (see `valuesJson`), the same
 * text as `JSON.stringify` of the object.
 */
export function encodeValues(values: LoggedValues, redact: ReadonlySet<string>): string {
  if (isTensorList(values)) {
    if (!directlyWritable(values)) return JSON.stringify(valuesObject(values, redact))
    let out = '{'
    for (const t of values) {
      if (out.length > 1) out += ','
      const key = JSON.stringify(t.name)
      out += redact.has(t.name)
        ? `${key}:"[redacted]"`
        : `${key}:{"datatype":${JSON.stringify(t.datatype)},"shape":${JSON.stringify(t.shape)},"data":${valuesJson(t.values)}}`
    }
    return `${out}}`
  }
  return JSON.stringify(valuesObject(values, redact))
}

/**
 * Whether a tensor list's object has one key per tensor, in the list's order: no repeated name,
 * no `__proto__`, no integer-like name (an object lists those first).
 */
function directlyWritable(tensors: readonly { name: string }[]): boolean {
  for (let i = 0; i < tensors.length; i++) {
    const name = (tensors[i] as { name: string }).name
    if (name === '__proto__' || INTEGER_LIKE.test(name)) return false
    for (let j = 0; j < i; j++) if ((tensors[j] as { name: string }).name === name) return false
  }
  return true
}

function valuesObject(values: LoggedValues, redact: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (isTensorList(values)) {
    for (const t of values)
      out[t.name] = redact.has(t.name)
        ? '[redacted]'
        : { datatype: t.datatype, shape: [...t.shape], data: jsonSafe(t.values) }
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
export function entryRow(entry: PredictionEntry, batch: string, redact: ReadonlySet<string>): PredictionRow {
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
    inputs: encodeValues(entry.inputs, redact),
    outputs: entry.outputs === null ? null : encodeValues(entry.outputs, redact),
    feature_views: entry.featureViews === null ? null : JSON.stringify(entry.featureViews),
    batch,
  }
}

/** The columns of a stored row in the order {@link encodeEntryRow} writes them (all but `batch`). */
const ENCODED_COLUMNS = [
  'id',
  'at',
  'endpoint',
  'model_name',
  'model_version',
  'deployment_revision',
  'request_id',
  'entity_key',
  'status',
  'error',
  'latency_ms',
  'inputs',
  'outputs',
  'feature_views',
] as const satisfies readonly Exclude<keyof PredictionRow, 'batch'>[]

/**
 * An entry's stored row ({@link entryRow}), without its batch id (given when the batch is
 * written), as one JSON array of its column values: built when the entry is queued, so a whole
 * batch crosses to a writer thread as one string (`[` + rows joined by `,` + `]`, read by
 * {@link decodeEntryRows}) instead of a structured clone of every entry's objects and typed arrays.
 */
export function encodeEntryRow(entry: PredictionEntry, redact: ReadonlySet<string>): string {
  const row = entryRow(entry, '', redact)
  return JSON.stringify(ENCODED_COLUMNS.map((c) => row[c]))
}

/** The rows of a JSON array of {@link encodeEntryRow} strings, each given `batch`. */
export function decodeEntryRows(json: string, batch: string): PredictionRow[] {
  const encoded = JSON.parse(json) as unknown[][]
  if (!Array.isArray(encoded)) throw new TypeError('encoded payload rows must be a JSON array')
  return encoded.map((values) => {
    const row: Record<string, unknown> = {}
    ENCODED_COLUMNS.forEach((c, i) => {
      row[c] = values[i]
    })
    row.batch = batch
    return row as PredictionRow
  })
}
