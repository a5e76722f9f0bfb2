/**
 * The SQL statements of a step's lifecycle that run for every step (its publication, its cache
 * entry and lookup, a cache hit), compiled once with {@link preparedQuery}.
 */
import type { Kysely } from 'kysely'
import { preparedQuery } from '../db/index.js'
import type { PipelineTables } from './pipeline-migrations.js'

type Db = Kysely<PipelineTables>

/** What `RunStore.succeedStep` writes to the step row. */
export interface Success {
  runId: string
  step: string
  attempt: number
  cached: boolean
  at: number
  outputHash: string
  /** When the attempt's start was not recorded by `RunStore.startStep`: its start and cache key. */
  started?: { at: number; cacheKey: string }
}

// The statements of a step's publication, compiled once (see `preparedQuery`): they run for
// every step, and building them with Kysely each time cost more than running them.
const succeedQuery = (withStart: boolean) =>
  preparedQuery<Success>((db: Db, arg) =>
    db
      .updateTable('pipeline_step_runs')
      .set({
        status: 'succeeded',
        attempt: arg((s) => s.attempt),
        output_hash: arg((s) => s.outputHash),
        cached: arg((s) => (s.cached ? 1 : 0)),
        ended_at: arg((s) => s.at),
        error: null,
        ...(withStart
          ? {
              started_at: arg((s) => s.started?.at ?? null),
              cache_key: arg((s) => s.started?.cacheKey ?? null),
            }
          : {}),
      })
      .where(
        'run_id',
        '=',
        arg((s) => s.runId),
      )
      .where(
        'step',
        '=',
        arg((s) => s.step),
      )
      .where('status', 'in', ['pending', 'running'])
      .where(
        'attempt',
        '<=',
        arg((s) => s.attempt),
      ),
  )

type CacheRow = PipelineTables['pipeline_cache']

const insertCache = () =>
  preparedQuery<CacheRow>((db: Db, arg) =>
    db
      .insertInto('pipeline_cache')
      .values({
        cache_key: arg((c) => c.cache_key),
        pipeline: arg((c) => c.pipeline),
        step: arg((c) => c.step),
        code_hash: arg((c) => c.code_hash),
        params_hash: arg((c) => c.params_hash),
        inputs_hash: arg((c) => c.inputs_hash),
        output_hash: arg((c) => c.output_hash),
        run_id: arg((c) => c.run_id),
        created_at: arg((c) => c.created_at),
      })
      .onConflict((oc) => oc.column('cache_key').doNothing()),
  )

const cachedQuery = () =>
  preparedQuery<string, CacheRow>((db: Db, arg) =>
    db
      .selectFrom('pipeline_cache')
      .selectAll()
      .where(
        'cache_key',
        '=',
        arg((key) => key),
      ),
  )

const cacheHitQuery = () =>
  preparedQuery<{
    runId: string
    step: string
    cacheKey: string
    outputHash: string
    at: number
  }>((db: Db, arg) =>
    db
      .updateTable('pipeline_step_runs')
      .set({
        status: 'succeeded',
        cached: 1,
        cache_key: arg((h) => h.cacheKey),
        output_hash: arg((h) => h.outputHash),
        started_at: arg((h) => h.at),
        ended_at: arg((h) => h.at),
      })
      .where(
        'run_id',
        '=',
        arg((h) => h.runId),
      )
      .where(
        'step',
        '=',
        arg((h) => h.step),
      ),
  )
let prepared:
  | {
      succeed: ReturnType<typeof succeedQuery>
      succeedStarted: ReturnType<typeof succeedQuery>
      insertCache: ReturnType<typeof insertCache>
      cached: ReturnType<typeof cachedQuery>
      cacheHit: ReturnType<typeof cacheHitQuery>
    }
  | undefined
/** The prepared statements, made on first use (not while modules load, when an import cycle may leave `preparedQuery` unset). */
export const stepStatements = () =>
  (prepared ??= {
    succeed: succeedQuery(false),
    succeedStarted: succeedQuery(true),
    insertCache: insertCache(),
    cached: cachedQuery(),
    cacheHit: cacheHitQuery(),
  })
