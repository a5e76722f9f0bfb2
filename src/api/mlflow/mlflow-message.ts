import { StrataError } from '../../core/errors.js'

type Json = Record<string, unknown>

/** A parsed query string: one value per key, or a list for a repeated key. */
type QueryFields = Record<string, string | string[]> | undefined

/**
 * An MLflow request message: the JSON body of POST/PATCH/DELETE requests, or the query string of
 * GET requests (repeated keys become lists, numbers arrive as strings and are coerced here), with
 * typed accessors that reject a missing or malformed field as `INVALID_ARGUMENT` (MLflow's
 * `INVALID_PARAMETER_VALUE`, 400) naming the field.
 */
export class MlflowMessage {
  /**
   * @param fields - the message's fields
   * @param path - where the message sits in the request (`metrics[0].`), prefixed to the field
   *   names errors report, as MLflow's server does
   */
  private constructor(
    readonly fields: Json,
    private readonly path = '',
  ) {}

  /**
   * The request message: the query string for GET/HEAD, else the parsed JSON body (no body is an
   * empty message) over the query string's fields.
   */
  static read(request: { method: string; query: unknown; body: unknown }): MlflowMessage {
    const query = request.query as QueryFields
    if (request.method === 'GET' || request.method === 'HEAD') return MlflowMessage.fromQuery(query)
    let body = request.body === undefined ? {} : request.body
    // Old clients send the message as a JSON string holding JSON; MLflow's server accepts it.
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body)
      } catch {
        throw invalid('the request body is a JSON string that does not hold a JSON object')
      }
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalid('the request body must be a JSON object')
    }
    // Some clients also put fields in the query string of a POST; the body wins.
    if (query === undefined || !hasKeys(query)) return new MlflowMessage(body as Json)
    return new MlflowMessage({ ...query, ...(body as Json) })
  }

  /** A message from a parsed query string; a repeated key is a list. */
  static fromQuery(query: QueryFields): MlflowMessage {
    return new MlflowMessage({ ...query })
  }

  /** A message from an object (tests, nested messages). */
  static of(fields: Json): MlflowMessage {
    return new MlflowMessage(fields)
  }

  /** True when the field is present and not null. */
  has(name: string): boolean {
    return this.fields[name] !== undefined && this.fields[name] !== null
  }

  /**
   * A required string field; an empty string counts as missing, as in MLflow's `_assert_required`
   * (proto JSON cannot tell an absent string from an empty one).
   */
  str(name: string): string {
    const v = this.optStr(name)
    if (v === undefined || v === '') throw missing(this.path + name)
    return v
  }

  /**
   * An optional string field. Anything else — a number included (`{"name": 123}`) — is
   * INVALID_PARAMETER_VALUE naming the parameter, in MLflow's server's words.
   */
  optStr(name: string): string | undefined {
    const v = this.fields[name]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'string') return v
    throw wrongType(this.path + name, v)
  }

  /** The run id: `run_id`, or the legacy `run_uuid`. */
  runId(): string {
    const id = this.optStr('run_id') ?? this.optStr('run_uuid')
    if (id === undefined || id === '') throw missing(`${this.path}run_id`)
    return id
  }

  /** A required whole number (int64 fields arrive as numbers or strings). */
  int(name: string): number {
    const v = this.optInt(name)
    if (v === undefined) throw missing(this.path + name)
    return v
  }

  /** An optional whole number. */
  optInt(name: string): number | undefined {
    const v = this.fields[name]
    if (v === undefined || v === null || v === '') return undefined
    const n = typeof v === 'string' ? Number(v) : v
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw wrongType(this.path + name, v)
    return n
  }

  /** A required double; proto JSON spells non-finite values `"NaN"`, `"Infinity"`, `"-Infinity"`. */
  num(name: string): number {
    const v = this.fields[name]
    if (v === undefined || v === null) throw missing(this.path + name)
    if (typeof v === 'number') return v
    if (typeof v === 'string' && v.trim() !== '') {
      const n = Number(v)
      if (!Number.isNaN(n) || v === 'NaN') return n
    }
    throw wrongType(this.path + name, v)
  }

  /** An optional boolean (`true`/`false`, also as strings from a query). */
  optBool(name: string): boolean | undefined {
    const v = this.fields[name]
    if (v === undefined || v === null) return undefined
    if (typeof v === 'boolean') return v
    if (v === 'true' || v === 'True') return true
    if (v === 'false' || v === 'False') return false
    throw wrongType(this.path + name, v)
  }

  /** A repeated string field (a single value counts as a list of one). */
  strings(name: string): string[] {
    const v = this.fields[name]
    if (v === undefined || v === null) return []
    const list = Array.isArray(v) ? v : [v]
    return list.map((item) => {
      if (typeof item === 'string') return item
      throw invalid(
        `Invalid value ${pyJson(list)} for parameter '${this.path}${name}' supplied: Value must be a list of strings. See the API docs for more information about request parameters.`,
      )
    })
  }

  /** A repeated message field. */
  messages(name: string): MlflowMessage[] {
    const v = this.fields[name]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) throw wrongType(this.path + name, v)
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw wrongType(`${this.path}${name}[${i}]`, item)
      }
      return new MlflowMessage(item as Json, `${this.path}${name}[${i}].`)
    })
  }

  /** An optional nested message. */
  optMessage(name: string): MlflowMessage | undefined {
    const v = this.fields[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(this.path + name, v)
    return new MlflowMessage(v as Json, `${this.path}${name}.`)
  }

  /** `[{key, value}]` entries as a record (later entries win). */
  keyValues(name: string): Record<string, string> {
    const out: Record<string, string> = {}
    for (const kv of this.messages(name)) out[kv.str('key')] = kv.optStr('value') ?? ''
    return out
  }
}

/** `INVALID_ARGUMENT` for a malformed request (MLflow `INVALID_PARAMETER_VALUE`). */
export function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message)
}

function missing(name: string): StrataError {
  return invalid(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  )
}

/**
 * MLflow's message for a value of the wrong JSON type (`handlers._validate_param_against_schema`),
 * with the Python type name its server reports.
 */
function wrongType(name: string, v: unknown): StrataError {
  return invalid(
    `Invalid value ${pyJson(v)} for parameter '${name}' supplied:  Hint: Value was of type '${pyType(v)}'. See the API docs for more information about request parameters.`,
  )
}

function pyType(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return 'list'
  if (v === null) return 'NoneType'
  if (typeof v === 'string') return 'str'
  return typeof v === 'object' ? 'dict' : typeof v
}

/** `json.dumps(value, sort_keys=True, separators=(",", ":"))`, shortened past 200 characters. */
function pyJson(v: unknown): string {
  const sorted = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sorted)
      : typeof x === 'object' && x !== null
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sorted((x as Json)[k])]),
          )
        : x
  const json = JSON.stringify(sorted(v)) ?? String(v)
  return json.length > 200 ? `${json.slice(0, 200)}…` : json
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true
  return false
}
