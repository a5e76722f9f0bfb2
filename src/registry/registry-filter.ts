import { StrataError } from '../core/errors.js'

/** Comparison of a text field. `LIKE` is case-sensitive, `ILIKE` not; `%` and `_` are wildcards. */
export type StringOperator = '=' | '!=' | 'LIKE' | 'ILIKE'

/** Comparison of a numeric field. */
export type NumberOperator = '=' | '!=' | '<' | '<=' | '>' | '>='

/** Text fields a registry search can filter on; `tags.<key>` matches a tag's value. */
export type StringField = 'name' | 'run_id' | 'source' | 'flavor' | 'status' | `tags.${string}`

/** Numeric fields a registry search can filter on. */
export type NumberField = 'version' | 'created_at' | 'updated_at'

/** One condition of a search; a search's conditions are ANDed. */
export type RegistryCondition =
  | { field: StringField; op: StringOperator; value: string }
  | { field: Exclude<StringField, `tags.${string}`>; op: 'IN' | 'NOT IN'; values: string[] }
  | { field: NumberField; op: NumberOperator; value: number }

/** A sort key; results always end with name ascending and version descending as tiebreakers. */
export interface RegistryOrder {
  field: 'name' | NumberField
  direction: 'asc' | 'desc'
}

/** MLflow's field names, mapped to Strata's. */
const FIELD_ALIASES: Record<string, string> = {
  name: 'name',
  run_id: 'run_id',
  source_path: 'source',
  source: 'source',
  flavor: 'flavor',
  status: 'status',
  version: 'version',
  version_number: 'version',
  creation_timestamp: 'created_at',
  created_at: 'created_at',
  last_updated_timestamp: 'updated_at',
  updated_at: 'updated_at',
}
const NUMBER_FIELDS = new Set(['version', 'created_at', 'updated_at'])

type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'punct'; text: string }

function tokenize(input: string): Token[] {
  const tokens: Token[] = []
  const re =
    /\s*(?:(<=|>=|!=|<>|=|<|>)|([(),])|'((?:[^']|'')*)'|"((?:[^"]|"")*)"|`([^`]*)`|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_]\w*(?:\.(?:\w+|`[^`]*`|"[^"]*"))*))/y
  let at = 0
  while (at < input.length) {
    if (/^\s*$/.test(input.slice(at))) break
    re.lastIndex = at
    const m = re.exec(input)
    if (m === null) throw filterError(input, `unexpected text at "${input.slice(at).trim().slice(0, 20)}"`)
    at = re.lastIndex
    if (m[1] !== undefined) tokens.push({ kind: 'op', text: m[1] === '<>' ? '!=' : m[1] })
    else if (m[2] !== undefined) tokens.push({ kind: 'punct', text: m[2] })
    else if (m[3] !== undefined) tokens.push({ kind: 'string', text: m[3].replace(/''/g, "'") })
    else if (m[4] !== undefined) tokens.push({ kind: 'string', text: m[4].replace(/""/g, '"') })
    else if (m[5] !== undefined) tokens.push({ kind: 'word', text: m[5] })
    else if (m[6] !== undefined) tokens.push({ kind: 'number', text: m[6] })
    else if (m[7] !== undefined) tokens.push({ kind: 'word', text: m[7] })
  }
  return tokens
}

function filterError(filter: string, problem: string): StrataError {
  return new StrataError(
    'INVALID_ARGUMENT',
    `registry filter ${JSON.stringify(filter)} is invalid: ${problem}; expected conditions joined by AND, e.g. "name LIKE 'fraud%' AND tags.team = 'risk'"`,
    { details: { filter } },
  )
}

function fieldOf(word: string, filter: string): string {
  const tag = /^tags?\.(?:`([^`]*)`|"([^"]*)"|(.+))$/.exec(word)
  if (tag) return `tags.${tag[1] ?? tag[2] ?? tag[3]}`
  const field = FIELD_ALIASES[word.replace(/^attributes?\./, '')]
  if (field === undefined) {
    throw filterError(
      filter,
      `unknown field "${word}" (valid: name, run_id, source_path, version_number, creation_timestamp, last_updated_timestamp, tags.<key>)`,
    )
  }
  return field
}

/**
 * Parses MLflow's registry search syntax (`search_registered_models` / `search_model_versions`):
 * conditions joined by `AND`, on `name`, `run_id`, `source_path`, `version_number`, timestamps and
 * `tags.<key>`, with `= != LIKE ILIKE IN NOT IN` for text and `= != < <= > >=` for numbers.
 *
 * @example
 * parseRegistryFilter("name = 'fraud' AND tags.stage != 'old'")
 */
export function parseRegistryFilter(filter: string | undefined): RegistryCondition[] {
  if (filter === undefined || filter.trim() === '') return []
  const tokens = tokenize(filter)
  const conditions: RegistryCondition[] = []
  let i = 0
  const next = () => tokens[i++]
  for (;;) {
    const fieldToken = next()
    if (fieldToken?.kind !== 'word') throw filterError(filter, 'expected a field name')
    const field = fieldOf(fieldToken.text, filter)
    let opToken = next()
    let op = opToken?.text.toUpperCase()
    if (opToken?.kind === 'word' && op === 'NOT') {
      opToken = next()
      op = opToken?.text.toUpperCase() === 'IN' ? 'NOT IN' : undefined
    }
    if (
      op === undefined ||
      !['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'].includes(op)
    ) {
      throw filterError(filter, `expected an operator after "${fieldToken.text}"`)
    }
    if (op === 'IN' || op === 'NOT IN') {
      if (field.startsWith('tags.') || NUMBER_FIELDS.has(field))
        throw filterError(filter, `${op} is not supported on "${field}"`)
      if (next()?.text !== '(') throw filterError(filter, `expected "(" after ${op}`)
      const values: string[] = []
      for (;;) {
        const v = next()
        if (v?.kind !== 'string') throw filterError(filter, `expected a quoted value in the ${op} list`)
        values.push(v.text)
        const sep = next()
        if (sep?.text === ')') break
        if (sep?.text !== ',') throw filterError(filter, `expected "," or ")" in the ${op} list`)
      }
      conditions.push({ field, op, values } as RegistryCondition)
    } else {
      const v = next()
      if (NUMBER_FIELDS.has(field)) {
        const n = v?.kind === 'number' || v?.kind === 'string' ? Number(v.text) : Number.NaN
        if (!Number.isFinite(n) || ['LIKE', 'ILIKE'].includes(op))
          throw filterError(filter, `"${field}" needs a number and = != < <= > >=`)
        conditions.push({ field: field as NumberField, op: op as NumberOperator, value: n })
      } else {
        if (v?.kind !== 'string')
          throw filterError(filter, `expected a quoted value after "${fieldToken.text} ${op}"`)
        if (!['=', '!=', 'LIKE', 'ILIKE'].includes(op))
          throw filterError(filter, `"${field}" is text; use = != LIKE ILIKE IN`)
        conditions.push({ field: field as StringField, op: op as StringOperator, value: v.text })
      }
    }
    const joiner = next()
    if (joiner === undefined) return conditions
    if (joiner.kind !== 'word' || joiner.text.toUpperCase() !== 'AND')
      throw filterError(filter, `expected AND, found "${joiner.text}"`)
  }
}

/** Parses MLflow `order_by` entries such as `"name ASC"` or `"version_number DESC"`. */
export function parseRegistryOrderBy(orderBy: readonly string[] | undefined): RegistryOrder[] {
  return (orderBy ?? []).map((entry) => {
    const m = /^\s*([\w.]+)\s*(ASC|DESC)?\s*$/i.exec(entry)
    const field = m?.[1] === undefined ? undefined : FIELD_ALIASES[m[1].replace(/^attributes?\./, '')]
    if (field === undefined || !(field === 'name' || NUMBER_FIELDS.has(field))) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `order_by "${entry}" is invalid; expected name, version_number, creation_timestamp or last_updated_timestamp, optionally followed by ASC or DESC`,
      )
    }
    return {
      field: field as RegistryOrder['field'],
      direction: m?.[2]?.toLowerCase() === 'desc' ? 'desc' : 'asc',
    }
  })
}
