import { StrataError } from '../../core/errors.js'

/** A lexical token of the search language, with its 0-based character position. */
export interface Token {
  type: 'word' | 'string' | 'quoted' | 'number' | 'op' | 'dot' | 'lparen' | 'rparen' | 'comma' | 'end'
  /** The token's text as written (for `string`/`quoted`: the unquoted content). */
  text: string
  /** The token as it appears in the input, for error messages. */
  raw: string
  position: number
}

const OPERATORS = ['!=', '<>', '>=', '<=', '=', '>', '<'] as const

/**
 * The error every syntax problem becomes: `INVALID_ARGUMENT`, naming the 0-based position and
 * the token that failed, with both in `details` for the HTTP layer.
 */
export function syntaxError(kind: string, input: string, token: Token, expected: string): StrataError {
  const near = token.type === 'end' ? 'the end of the input' : `"${token.raw}"`
  return new StrataError(
    'INVALID_ARGUMENT',
    `invalid ${kind} ${JSON.stringify(input)}: at position ${token.position} near ${near}: expected ${expected}`,
    { details: { [kind.replace(/ /g, '_')]: input, position: token.position, token: token.raw } },
  )
}

/**
 * Splits a filter or order-by string into tokens. Strings are single- or double-quoted (a
 * doubled quote inside stands for one); backquotes quote names; numbers may be signed and use
 * exponents; words are letters, digits and `_` not starting with a digit, or a digit-led run of
 * word characters directly after a dot (`metrics.1st`).
 */
export function tokenize(kind: string, input: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const at = (position: number, raw: string): Token => ({ type: 'word', text: raw, raw, position })
  while (i < input.length) {
    const c = input[i] as string
    if (/\s/.test(c)) {
      i++
      continue
    }
    const start = i
    if (c === "'" || c === '"' || c === '`') {
      let text = ''
      i++
      for (;;) {
        if (i >= input.length) {
          throw syntaxError(kind, input, at(start, input.slice(start)), `a closing ${c}`)
        }
        const d = input[i] as string
        if (d === c) {
          if (input[i + 1] === c) {
            text += c
            i += 2
            continue
          }
          i++
          break
        }
        text += d
        i++
      }
      tokens.push({
        type: c === '`' ? 'quoted' : 'string',
        text,
        raw: input.slice(start, i),
        position: start,
      })
      continue
    }
    const prev = tokens[tokens.length - 1]
    const afterDot = prev?.type === 'dot' && prev.position + 1 === start
    const number = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(input.slice(i))
    if (number && !afterDot && (c !== '.' || prev?.type !== 'word')) {
      const follows = input[i + number[0].length]
      if (follows === undefined || !/[\w]/.test(follows)) {
        i += number[0].length
        tokens.push({ type: 'number', text: number[0], raw: number[0], position: start })
        continue
      }
    }
    const word = (afterDot ? /^\w+/ : /^[A-Za-z_]\w*/).exec(input.slice(i))
    if (word) {
      i += word[0].length
      tokens.push({ type: 'word', text: word[0], raw: word[0], position: start })
      continue
    }
    const op = OPERATORS.find((o) => input.startsWith(o, i))
    if (op) {
      i += op.length
      tokens.push({ type: 'op', text: op === '<>' ? '!=' : op, raw: op, position: start })
      continue
    }
    const single = { '.': 'dot', '(': 'lparen', ')': 'rparen', ',': 'comma' } as const
    const type = single[c as keyof typeof single]
    if (type) {
      i++
      tokens.push({ type, text: c, raw: c, position: start })
      continue
    }
    throw syntaxError(kind, input, at(start, c), 'a name, a quoted string, a number or an operator')
  }
  tokens.push({ type: 'end', text: '', raw: '', position: input.length })
  return tokens
}

/** True when `token` is the keyword `word` (case-insensitive). */
export function isKeyword(token: Token | undefined, word: string): boolean {
  return token?.type === 'word' && token.text.toUpperCase() === word
}
