import type { FastifyInstance } from 'fastify'
import { StrataError } from '../../core/errors.js'

/** Deepest nesting of objects and arrays a JSON body may have (deeper is a 400). */
export const MAX_JSON_DEPTH = 128

/**
 * True when `value` nests objects and arrays deeper than `max` levels. Bounded by `max`, so a
 * hostile body cannot overflow the stack here; handlers, zod and `JSON.stringify` recurse, which
 * is why the depth is bounded before they see the body.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  return typeof value === 'object' && value !== null && deeperThan(value, max)
}

/**
 * True when `value` (an object or array at level 1) has a path deeper than `levels`. Recursion
 * is bounded by `levels` (it returns before going deeper), so the stack stays shallow; no
 * per-node allocation, which matters on the hot path of every JSON request.
 */
function deeperThan(value: object, levels: number): boolean {
  if (levels < 1) return true
  if (Array.isArray(value)) {
    for (const child of value) {
      if (typeof child === 'object' && child !== null && deeperThan(child, levels - 1)) return true
    }
    return false
  }
  const record = value as Record<string, unknown>
  for (const key in record) {
    const child = record[key]
    if (typeof child === 'object' && child !== null && deeperThan(child, levels - 1)) return true
  }
  return false
}

const BLANK = /^\s*$/

/**
 * Replaces the JSON body parser of `app` (and its children): Fastify's parser (prototype
 * poisoning refused, the body limit counted while the body streams in, whatever its framing),
 * then the nesting bound. An empty body is no body (`undefined`), as a bodyless request is; a
 * malformed one is `INVALID_ARGUMENT` naming the syntax error. The `text/plain` parser is
 * removed: a JSON route answers any other content type with 415, which is also what keeps
 * browsers from forging writes cross-site (a form or `text/plain` post needs no preflight).
 */
export function useJsonBodies(app: FastifyInstance, options: { maxDepth?: number } = {}): void {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH
  const parse = app.getDefaultJsonParser('error', 'error')
  const accept = (body: unknown, done: (err: Error | null, body?: unknown) => void) => {
    if (!nestsDeeperThan(body, maxDepth)) done(null, body)
    else
      done(
        new StrataError(
          'INVALID_ARGUMENT',
          `request body nests objects or arrays deeper than ${maxDepth} levels`,
        ),
      )
  }
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
    const body = text as string
    if (BLANK.test(body)) {
      done(null, undefined)
      return
    }
    if (!mayPoisonPrototype(body)) {
      let value: unknown
      try {
        value = JSON.parse(body)
      } catch {
        done(invalidJson(body), undefined)
        return
      }
      accept(value, done)
      return
    }
    parse(req, body, (err, value) => {
      if (err) done(invalidJson(body), undefined)
      else accept(value, done)
    })
  })
}

/**
 * False when `body` cannot hold a `__proto__` or `constructor` key: neither name appears and no
 * `\u` escape could spell one. Such bodies (nearly all) skip the prototype-poisoning scan, which
 * costs more than parsing a small body.
 */
function mayPoisonPrototype(body: string): boolean {
  return body.includes('proto') || body.includes('constructor') || body.includes('\\u')
}

function invalidJson(body: string): StrataError {
  try {
    JSON.parse(body)
  } catch (err) {
    return new StrataError('INVALID_ARGUMENT', `request body is not valid JSON: ${(err as Error).message}`)
  }
  return new StrataError(
    'INVALID_ARGUMENT',
    'request body holds a "__proto__" or "constructor.prototype" key, which is refused',
  )
}
