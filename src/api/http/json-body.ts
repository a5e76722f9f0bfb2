import type { FastifyInstance } from 'fastify'
import { StrataError } from '../../core/errors.js'

/** Deepest nesting of objects and arrays a JSON body may have (deeper is a 400). */
export const MAX_JSON_DEPTH = 128

/**
 * True when `value` nests objects and arrays deeper than `max` levels. Iterative, so a hostile
 * body cannot overflow the stack here; handlers, zod and `JSON.stringify` recurse, which is why
 * the depth is bounded before they see the body.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  const values: unknown[] = [value]
  const depths: number[] = [1]
  while (values.length > 0) {
    const v = values.pop() as Record<string, unknown> | unknown[]
    const depth = depths.pop() as number
    if (depth > max) return true
    const children = Array.isArray(v) ? v : Object.values(v)
    for (const child of children) {
      if (typeof child === 'object' && child !== null) {
        values.push(child)
        depths.push(depth + 1)
      }
    }
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
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
    const body = text as string
    if (BLANK.test(body)) {
      done(null, undefined)
      return
    }
    parse(req, body, (err, value) => {
      if (err) done(invalidJson(body), undefined)
      else if (nestsDeeperThan(value, maxDepth)) {
        done(
          new StrataError(
            'INVALID_ARGUMENT',
            `request body nests objects or arrays deeper than ${maxDepth} levels`,
          ),
          undefined,
        )
      } else done(null, value)
    })
  })
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
