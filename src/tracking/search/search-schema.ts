import { StrataError } from '../../core/errors.js'
import {
  type Comparator,
  type EntityType,
  type FilterClause,
  parseFilter,
  TokenCursor,
} from './filter-parser.js'
import { isKeyword } from './filter-tokens.js'

/** A searchable attribute: the column it reads and whether it compares as a number or a string. */
export interface AttributeSpec {
  column: string
  type: 'string' | 'number'
  /** Attributes that may be absent (e.g. `end_time` of a running run) accept `IS [NOT] NULL`. */
  nullable?: boolean
}

/** What one search accepts: its attributes and which other entity types it knows. */
export interface FilterSchema {
  /** Used in messages: "runs", "experiments", "logged models". */
  subject: string
  attributes: Record<string, AttributeSpec>
  entities: readonly EntityType[]
  /** Keys of `datasets.<key>`. */
  datasetKeys?: readonly string[]
}

const NUMBER_OPS: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<=']
const STRING_OPS: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']
const NULL_OPS: readonly Comparator[] = ['IS NULL', 'IS NOT NULL']

/** Runs: MLflow's searchable run attributes, with its aliases (`created`, `run name`). */
export const RUN_SEARCH_SCHEMA: FilterSchema = {
  subject: 'runs',
  attributes: {
    run_id: { column: 'run_id', type: 'string' },
    run_uuid: { column: 'run_id', type: 'string' },
    run_name: { column: 'run_name', type: 'string' },
    'run name': { column: 'run_name', type: 'string' },
    'Run name': { column: 'run_name', type: 'string' },
    'Run Name': { column: 'run_name', type: 'string' },
    status: { column: 'status', type: 'string' },
    user_id: { column: 'user_id', type: 'string' },
    artifact_uri: { column: 'artifact_uri', type: 'string' },
    experiment_id: { column: 'experiment_id', type: 'string' },
    lifecycle_stage: { column: 'lifecycle_stage', type: 'string' },
    start_time: { column: 'start_time', type: 'number' },
    created: { column: 'start_time', type: 'number' },
    Created: { column: 'start_time', type: 'number' },
    end_time: { column: 'end_time', type: 'number', nullable: true },
  },
  entities: ['metric', 'param', 'tag', 'attribute', 'dataset'],
  datasetKeys: ['name', 'digest', 'context'],
}

/** Experiments: name and times, plus tags. */
export const EXPERIMENT_SEARCH_SCHEMA: FilterSchema = {
  subject: 'experiments',
  attributes: {
    name: { column: 'name', type: 'string' },
    experiment_id: { column: 'experiment_id', type: 'string' },
    creation_time: { column: 'creation_time', type: 'number' },
    last_update_time: { column: 'last_update_time', type: 'number' },
  },
  entities: ['tag', 'attribute'],
}

/** MLflow 3 logged models. */
export const LOGGED_MODEL_SEARCH_SCHEMA: FilterSchema = {
  subject: 'logged models',
  attributes: {
    model_id: { column: 'model_id', type: 'string' },
    name: { column: 'name', type: 'string' },
    status: { column: 'status', type: 'string' },
    model_type: { column: 'model_type', type: 'string', nullable: true },
    source_run_id: { column: 'source_run_id', type: 'string', nullable: true },
    experiment_id: { column: 'experiment_id', type: 'string' },
    creation_time: { column: 'creation_time', type: 'number' },
    creation_timestamp: { column: 'creation_time', type: 'number' },
    last_updated_timestamp: { column: 'last_updated_time', type: 'number' },
  },
  entities: ['metric', 'param', 'tag', 'attribute'],
}

function clauseError(input: string, at: number, message: string): StrataError {
  return new StrataError(
    'INVALID_ARGUMENT',
    `invalid filter ${JSON.stringify(input)}: at position ${at}: ${message}`,
    { details: { filter: input, position: at, token: input.slice(at).split(/\s/)[0] ?? '' } },
  )
}

function checkEntity(schema: FilterSchema, input: string, type: EntityType, key: string, at: number): void {
  if (!schema.entities.includes(type)) {
    throw clauseError(
      input,
      at,
      `${schema.subject} cannot be searched by ${type}s; use ${schema.entities.map((e) => `${e}s.<name>`).join(', ')}`,
    )
  }
  if (type === 'attribute' && schema.attributes[key] === undefined) {
    throw clauseError(
      input,
      at,
      `unknown attribute "${key}" of ${schema.subject}; valid attributes are ${Object.keys(schema.attributes).join(', ')}`,
    )
  }
  if (type === 'dataset' && !schema.datasetKeys?.includes(key)) {
    throw clauseError(
      input,
      at,
      `unknown dataset key "${key}"; valid keys are ${(schema.datasetKeys ?? []).join(', ')}`,
    )
  }
}

/** Whether a clause compares as a number (metrics, numeric attributes) or a string. */
export function valueType(schema: FilterSchema, type: EntityType, key: string): 'number' | 'string' {
  if (type === 'metric') return 'number'
  if (type === 'attribute') return schema.attributes[key]?.type ?? 'string'
  return 'string'
}

/**
 * Parses a filter and checks every clause against `schema`: known identifiers, operators that
 * fit the value's type (numbers for metrics and times, quoted strings for params, tags and text
 * attributes), and `IS [NOT] NULL` only where a value can be missing.
 */
export function parseFilterFor(schema: FilterSchema, filter: string | undefined): FilterClause[] {
  const input = filter ?? ''
  const clauses = parseFilter(filter)
  for (const c of clauses) {
    checkEntity(schema, input, c.type, c.key, c.position)
    const kind = valueType(schema, c.type, c.key)
    const what = c.type === 'attribute' ? `attribute "${c.key}"` : `${c.type} "${c.key}"`
    if (NULL_OPS.includes(c.comparator)) {
      const nullable =
        c.type === 'param' ||
        c.type === 'tag' ||
        c.type === 'metric' ||
        (c.type === 'attribute' && schema.attributes[c.key]?.nullable === true)
      if (!nullable)
        throw clauseError(input, c.position, `${what} is never missing, so ${c.comparator} does not apply`)
      continue
    }
    const allowed = kind === 'number' ? NUMBER_OPS : STRING_OPS
    if (!allowed.includes(c.comparator)) {
      throw clauseError(
        input,
        c.position,
        `${c.comparator} does not apply to ${what}; use one of ${[...allowed, ...NULL_OPS].join(', ')}`,
      )
    }
    if (kind === 'number' && !c.numeric) {
      throw clauseError(input, c.position, `${what} compares with a number, got ${JSON.stringify(c.value)}`)
    }
    if (kind === 'string' && c.numeric) {
      throw clauseError(
        input,
        c.position,
        `${what} compares with a quoted string, got ${String(c.value)}; write '${String(c.value)}'`,
      )
    }
  }
  return clauses
}

/** One parsed `order_by` entry. */
export interface OrderByClause {
  type: EntityType
  key: string
  ascending: boolean
}

/**
 * Parses an order-by entry such as `metrics.auc DESC`, `attributes.start_time` or `name ASC`
 * (ascending unless `DESC`), checking the identifier against `schema`.
 */
export function parseOrderByFor(schema: FilterSchema, entry: string): OrderByClause {
  const cur = new TokenCursor('order_by', entry)
  const id = cur.identifier()
  let ascending = true
  const dir = cur.peek()
  if (isKeyword(dir, 'ASC') || isKeyword(dir, 'DESC')) {
    ascending = isKeyword(dir, 'ASC')
    cur.next()
  }
  if (cur.peek().type !== 'end') cur.fail('ASC, DESC or the end of the order_by entry')
  if (id.type === 'dataset' || !schema.entities.includes(id.type)) {
    cur.fail(
      `an orderable identifier of ${schema.subject}: ${schema.entities
        .filter((e) => e !== 'dataset')
        .map((e) => `${e}s.<name>`)
        .join(', ')}`,
      cur.tokens[0],
    )
  }
  if (id.type === 'attribute' && schema.attributes[id.key] === undefined) {
    cur.fail(`an attribute of ${schema.subject}: ${Object.keys(schema.attributes).join(', ')}`, cur.tokens[0])
  }
  return { type: id.type, key: id.key, ascending }
}
