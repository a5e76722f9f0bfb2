import { isKeyword, syntaxError, type Token, tokenize } from './filter-tokens.js'

/** What a comparison looks at: MLflow's entity types, after aliases are resolved. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset'

/** A comparison operator. `<>` is read as `!=`. */
export type Comparator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL'

/** A parsed identifier such as `metrics.auc` or `attributes.status`. */
export interface Identifier {
  type: EntityType
  key: string
  /** Where the identifier starts, for error messages. */
  position: number
}

/** One `identifier comparator value` clause of a filter. */
export interface FilterClause extends Identifier {
  comparator: Comparator
  /** A number or string literal, a list for `IN`, `null` for `IS [NOT] NULL`. */
  value: string | number | string[] | null
  /** Whether the literal was written as a number (rather than a quoted string). */
  numeric: boolean
}

const ENTITY_ALIASES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
}

/** A cursor over tokens shared by the filter and order-by parsers. */
export class TokenCursor {
  private index = 0
  readonly tokens: Token[]

  constructor(
    readonly kind: string,
    readonly input: string,
  ) {
    this.tokens = tokenize(kind, input)
  }

  peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token
  }

  next(): Token {
    const t = this.peek()
    if (this.index < this.tokens.length - 1) this.index++
    return t
  }

  fail(expected: string, token = this.peek()): never {
    throw syntaxError(this.kind, this.input, token, expected)
  }

  /**
   * Reads `type.key` or a bare `key` (an attribute). Keys may be dotted words
   * (`tags.mlflow.parentRunId`), double-quoted or backquoted (metrics.`my metric`).
   */
  identifier(): Identifier {
    const first = this.next()
    if (first.type !== 'word' && first.type !== 'quoted' && first.type !== 'string') {
      this.fail('an identifier such as metrics.auc, params.lr, tags.team or attributes.status', first)
    }
    if (this.peek().type !== 'dot') {
      return { type: 'attribute', key: first.text, position: first.position }
    }
    const type = ENTITY_ALIASES[first.text.toLowerCase()]
    if (type === undefined || first.type === 'string') {
      this.fail(
        'an entity type: metrics, params, tags, attributes or datasets (or metric, param, tag, attribute, dataset)',
        first,
      )
    }
    this.next()
    const keyToken = this.next()
    if (keyToken.type === 'string' || keyToken.type === 'quoted') {
      return { type, key: keyToken.text, position: first.position }
    }
    if (keyToken.type !== 'word') this.fail(`a ${type} name after "${first.text}."`, keyToken)
    let key = keyToken.text
    while (this.peek().type === 'dot' && this.peek(1).type === 'word') {
      this.next()
      key += `.${this.next().text}`
    }
    return { type, key, position: first.position }
  }
}

/**
 * Parses MLflow's search-filter language: comparisons joined by `AND` (no `OR`, no parentheses
 * around clauses). Each clause is `identifier op value`, `identifier [NOT] IN ('a', 'b')`, or
 * `identifier IS [NOT] NULL`. Which identifiers and operators a search accepts is checked
 * afterwards against its `SearchSchema` by `parseFilterFor`. Syntax errors are
 * `INVALID_ARGUMENT` naming the position and the token that failed.
 *
 * @example
 * parseFilter("metrics.auc > 0.8 and params.lr = '0.1'")
 * // [{ type: 'metric', key: 'auc', comparator: '>', value: 0.8, … }, { type: 'param', … }]
 */
export function parseFilter(filter: string | undefined, kind = 'filter'): FilterClause[] {
  if (filter === undefined || filter.trim() === '') return []
  const cur = new TokenCursor(kind, filter)
  const clauses: FilterClause[] = []
  for (;;) {
    clauses.push(parseClause(cur))
    const t = cur.peek()
    if (t.type === 'end') return clauses
    if (isKeyword(t, 'AND')) {
      cur.next()
      continue
    }
    if (isKeyword(t, 'OR')) cur.fail('AND (OR is not supported: the filter is a list of AND-ed comparisons)')
    cur.fail('AND or the end of the filter')
  }
}

function parseClause(cur: TokenCursor): FilterClause {
  const id = cur.identifier()
  const t = cur.next()
  if (t.type === 'op') {
    const v = cur.next()
    if (v.type === 'number')
      return { ...id, comparator: t.text as Comparator, value: Number(v.text), numeric: true }
    if (v.type === 'string') return { ...id, comparator: t.text as Comparator, value: v.text, numeric: false }
    cur.fail("a value: a number such as 0.8 or a quoted string such as 'abc'", v)
  }
  if (isKeyword(t, 'LIKE') || isKeyword(t, 'ILIKE')) {
    const v = cur.next()
    if (v.type !== 'string') cur.fail(`a quoted pattern such as '%abc%' after ${t.raw}`, v)
    return { ...id, comparator: t.text.toUpperCase() as Comparator, value: v.text, numeric: false }
  }
  if (isKeyword(t, 'IS')) {
    const not = isKeyword(cur.peek(), 'NOT')
    if (not) cur.next()
    const n = cur.next()
    if (!isKeyword(n, 'NULL')) cur.fail(not ? 'NULL after IS NOT' : 'NULL or NOT NULL after IS', n)
    return { ...id, comparator: not ? 'IS NOT NULL' : 'IS NULL', value: null, numeric: false }
  }
  if (isKeyword(t, 'IN') || (isKeyword(t, 'NOT') && isKeyword(cur.peek(), 'IN'))) {
    const not = isKeyword(t, 'NOT')
    if (not) cur.next()
    const open = cur.next()
    if (open.type !== 'lparen') cur.fail(`"(" starting the list after ${not ? 'NOT IN' : 'IN'}`, open)
    const values: string[] = []
    for (;;) {
      const v = cur.next()
      if (v.type !== 'string') cur.fail("a quoted string such as 'a' in the list", v)
      values.push(v.text)
      const sep = cur.next()
      if (sep.type === 'rparen') break
      if (sep.type !== 'comma') cur.fail('"," or ")" in the list', sep)
    }
    return { ...id, comparator: not ? 'NOT IN' : 'IN', value: values, numeric: false }
  }
  return cur.fail('a comparison operator: =, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN or IS [NOT] NULL', t)
}
