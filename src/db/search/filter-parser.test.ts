import { describe, expect, it } from 'vitest'
import { isStrataError } from '../../core/errors.js'
import { type FilterClause, parseFilter } from './filter-parser.js'
import { decodePageToken, encodePageToken } from './page-token.js'
import { parseFilterFor, parseOrderByFor, parseSearch } from './search-parser.js'
import type { SearchSchema } from './search-schema.js'
import { likeToGlob } from './sql-compare.js'

/** A run-like schema with every entity type (the tracking domain declares the real one). */
const RUN_SEARCH_SCHEMA: SearchSchema = {
  subject: 'runs',
  alias: 'r',
  attributes: {
    run_id: { column: 'run_id', type: 'string' },
    status: { column: 'status', type: 'string' },
    start_time: { column: 'start_time', type: 'number' },
    created: { column: 'start_time', type: 'number' },
    end_time: { column: 'end_time', type: 'number', nullable: true },
  },
  metrics: { table: 'metrics', link: { run_id: 'run_id' } },
  params: { table: 'params', link: { run_id: 'run_id' } },
  tags: { table: 'tags', link: { run_id: 'run_id' } },
  datasets: { from: 'inputs i', link: 'i.run_id = r.run_id', fields: { name: 'i.name' } },
  defaultOrder: ['start_time DESC', 'run_id ASC'],
  pageSize: { default: 10, max: 100 },
}

/** Only tags and attributes, as experiments. */
const EXPERIMENT_SEARCH_SCHEMA: SearchSchema = {
  subject: 'experiments',
  alias: 'e',
  attributes: { name: { column: 'name', type: 'string' } },
  tags: { table: 'experiment_tags', link: { experiment_id: 'experiment_id' } },
  defaultOrder: ['name ASC'],
  pageSize: { default: 10, max: 100 },
}

const pick = (f: string) =>
  parseFilter(f).map(({ type, key, comparator, value }) => [type, key, comparator, value])

function failure(fn: () => unknown): { message: string; details: Record<string, unknown> } {
  try {
    fn()
  } catch (err) {
    expect(isStrataError(err, 'INVALID_ARGUMENT')).toBe(true)
    const e = err as { message: string; details: Record<string, unknown> }
    return { message: e.message, details: e.details }
  }
  throw new Error('expected the call to fail')
}

describe('search filter parser', () => {
  it('parses the MLflow grammar: entity aliases, quoting, numbers, IN, LIKE, IS NULL', () => {
    expect(
      pick(
        "metrics.auc > 0.8 and params.lr = '0.1' AND tags.team != \"x\" and attributes.status = 'FINISHED'",
      ),
    ).toEqual([
      ['metric', 'auc', '>', 0.8],
      ['param', 'lr', '=', '0.1'],
      ['tag', 'team', '!=', 'x'],
      ['attribute', 'status', '=', 'FINISHED'],
    ])
    expect(pick('metrics.`my metric` <= -1.5e-3')).toEqual([['metric', 'my metric', '<=', -0.0015]])
    expect(pick('metric."f1-score" >= 2')).toEqual([['metric', 'f1-score', '>=', 2]])
    expect(pick('tags."mlflow.parentRunId" = \'abc\'')).toEqual([['tag', 'mlflow.parentRunId', '=', 'abc']])
    expect(pick("tags.mlflow.parentRunId = 'abc'")).toEqual([['tag', 'mlflow.parentRunId', '=', 'abc']])
    expect(pick("run_id IN ('a', 'b') and attributes.run_id not in ('c')")).toEqual([
      ['attribute', 'run_id', 'IN', ['a', 'b']],
      ['attribute', 'run_id', 'NOT IN', ['c']],
    ])
    expect(pick("params.model like 'GPT%' and tags.env ILIKE '%Prod%'")).toEqual([
      ['param', 'model', 'LIKE', 'GPT%'],
      ['tag', 'env', 'ILIKE', '%Prod%'],
    ])
    expect(pick('tags.env IS NULL and params.lr is not null')).toEqual([
      ['tag', 'env', 'IS NULL', null],
      ['param', 'lr', 'IS NOT NULL', null],
    ])
    expect(pick("params.name = 'it''s' and metrics.1st <> 3")).toEqual([
      ['param', 'name', '=', "it's"],
      ['metric', '1st', '!=', 3],
    ])
    expect(pick('')).toEqual([])
    expect(pick('   ')).toEqual([])
  })

  it('names the position and token of a syntax error', () => {
    const or = failure(() => parseFilter("params.a = '1' or params.b = '2'"))
    expect(or.message).toContain('at position 15 near "or"')
    expect(or.message).toContain('OR is not supported')
    expect(or.details).toMatchObject({ position: 15, token: 'or' })

    const noValue = failure(() => parseFilter('metrics.auc >'))
    expect(noValue.message).toContain('at position 13 near the end of the input')

    const badOp = failure(() => parseFilter("params.lr == '1'"))
    expect(badOp.details).toMatchObject({ position: 11, token: '=' })

    const entity = failure(() => parseFilter('metricz.auc > 1'))
    expect(entity.message).toContain('near "metricz"')
    expect(entity.message).toContain('metrics, params, tags, attributes or datasets')

    const unterminated = failure(() => parseFilter("params.lr = '0.1"))
    expect(unterminated.message).toContain('at position 12 near "\'0.1": expected a closing \'')

    const list = failure(() => parseFilter("run_id IN ('a' 'b')"))
    expect(list.details).toMatchObject({ position: 15, token: "'b'" })

    const stray = failure(() => parseFilter('metrics.auc > 1 ;'))
    expect(stray.details).toMatchObject({ position: 16, token: ';' })
  })

  it('checks identifiers, operators and value types against the search schema', () => {
    const cases: [string, string][] = [
      ["metrics.auc > '0.8'", 'compares with a number'],
      ['params.lr = 0.1', "compares with a quoted string, got 0.1; write '0.1'"],
      ["metrics.auc LIKE '%1'", 'LIKE does not apply to metric "auc"'],
      ["attributes.start_time = 'x'", 'compares with a number'],
      ["attributes.colour = 'red'", 'unknown attribute "colour" of runs'],
      ["datasets.size = 'x'", 'unknown dataset key "size"'],
      ['attributes.status IS NULL', 'is never missing'],
      ["params.lr > '1'", '> does not apply to param "lr"'],
      ["params.lr LIKE 'a\\'", 'ends with the escape character'],
      ["tags.t ILIKE 'a\\\\\\'", 'ends with the escape character'],
    ]
    for (const [filter, message] of cases) {
      const f = failure(() => parseFilterFor(RUN_SEARCH_SCHEMA, filter))
      expect(f.message, filter).toContain(message)
      expect(f.details.position, filter).toBe(0)
    }
    const second = failure(() => parseFilterFor(RUN_SEARCH_SCHEMA, "params.a = 'x' and metrics.b = 'y'"))
    expect(second.details).toMatchObject({ position: 19, token: 'metrics.b' })
    expect(parseFilterFor(RUN_SEARCH_SCHEMA, 'attributes.end_time IS NULL and created > 5')).toHaveLength(2)
    expect(
      parseFilterFor(RUN_SEARCH_SCHEMA, "params.lr LIKE 'a\\\\' and params.x LIKE 'a\\_b'"),
    ).toHaveLength(2)
    const exp = failure(() => parseFilterFor(EXPERIMENT_SEARCH_SCHEMA, 'metrics.auc > 1'))
    expect(exp.message).toContain(
      'experiments cannot be searched by metrics; use tags.<name>, attributes.<name>',
    )
  })

  it('checks clauses given already parsed against the schema, like text', () => {
    const [clause] = parseFilterFor(RUN_SEARCH_SCHEMA, "tags.team = 'a'")
    expect(parseFilterFor(EXPERIMENT_SEARCH_SCHEMA, clause ? [clause] : [])).toEqual([clause])
    const bad = { ...(clause as FilterClause), type: 'attribute' as const, key: 'colour' }
    const f = failure(() => parseFilterFor(EXPERIMENT_SEARCH_SCHEMA, [bad]))
    expect(f.message).toContain('invalid filter "attributes.colour = \'a\'"')
    expect(f.message).toContain('unknown attribute "colour" of experiments')
  })

  it("appends the default order after the caller's, skipping columns already sorted by", () => {
    const order = (orderBy: string[]) =>
      parseSearch(RUN_SEARCH_SCHEMA, { orderBy }).orderBy.map((o) => `${o.type}:${o.key}:${o.ascending}`)
    expect(order([])).toEqual(['attribute:start_time:false', 'attribute:run_id:true'])
    expect(order(['metrics.auc DESC'])).toEqual([
      'metric:auc:false',
      'attribute:start_time:false',
      'attribute:run_id:true',
    ])
    // `created` is another name of start_time's column.
    expect(order(['created ASC'])).toEqual(['attribute:created:true', 'attribute:run_id:true'])
  })

  it('checks page sizes and page tokens', () => {
    expect(parseSearch(RUN_SEARCH_SCHEMA, {}).maxResults).toBe(10)
    expect(parseSearch(RUN_SEARCH_SCHEMA, { maxResults: 100 }).maxResults).toBe(100)
    for (const maxResults of [0, 101, 1.5]) {
      const f = failure(() => parseSearch(RUN_SEARCH_SCHEMA, { maxResults }))
      expect(f.message).toContain(
        `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be a whole number from 1 to 100`,
      )
    }
    const token = encodePageToken(40)
    expect(JSON.parse(Buffer.from(token, 'base64').toString('utf8'))).toEqual({ offset: 40 })
    expect(parseSearch(RUN_SEARCH_SCHEMA, { pageToken: token }).offset).toBe(40)
    expect(decodePageToken(undefined)).toBe(0)
    const legacy = Buffer.from(JSON.stringify({ o: 40 })).toString('base64url')
    for (const pageToken of ['garbage', legacy, Buffer.from('{"offset":-1}').toString('base64')]) {
      expect(failure(() => decodePageToken(pageToken)).message).toContain('invalid page token')
    }
  })

  it('parses order-by entries', () => {
    expect(parseOrderByFor(RUN_SEARCH_SCHEMA, 'metrics.auc DESC')).toEqual({
      type: 'metric',
      key: 'auc',
      ascending: false,
    })
    expect(parseOrderByFor(RUN_SEARCH_SCHEMA, 'attributes.start_time')).toEqual({
      type: 'attribute',
      key: 'start_time',
      ascending: true,
    })
    expect(parseOrderByFor(RUN_SEARCH_SCHEMA, 'params.`learning rate` asc')).toMatchObject({
      type: 'param',
      key: 'learning rate',
    })
    expect(failure(() => parseOrderByFor(RUN_SEARCH_SCHEMA, 'metrics.auc DOWN')).details).toMatchObject({
      position: 12,
      token: 'DOWN',
    })
    expect(failure(() => parseOrderByFor(RUN_SEARCH_SCHEMA, 'attributes.colour')).message).toContain(
      'an attribute of runs',
    )
  })

  it('translates LIKE patterns to case-sensitive GLOB patterns', () => {
    expect(likeToGlob('GPT-%')).toBe('GPT-*')
    expect(likeToGlob('a_c')).toBe('a?c')
    expect(likeToGlob('100\\%')).toBe('100%')
    expect(likeToGlob('what?*[x]')).toBe('what[?][*][[]x]')
  })
})
