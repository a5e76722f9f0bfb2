import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from 'kysely'

/** Marks where a value of the arguments goes in a {@link PreparedQuery}. */
class Arg {
  constructor(readonly get: (args: never) => unknown) {}
}

/** Reads one value of the arguments; used inside a {@link preparedQuery} builder. */
export type ArgOf<A> = <T>(get: (args: A) => T) => T

/** What a {@link PreparedQuery} runs on: any `Kysely` or transaction. */
export interface QueryRunner {
  getExecutor(): { readonly adapter: DialectAdapter }
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>
}

interface Compiled {
  sql: string
  query: CompiledQuery['query']
  /** Per parameter position: the argument getter, or one returning a constant of the query. */
  slots: readonly ((args: never) => unknown)[]
}

/**
 * A Kysely query built and compiled once per dialect, then run with new argument values: the
 * same query as writing it out each time (one definition, both dialects), without paying
 * Kysely's building and compiling per execution — on a hot path of small statements that costs
 * more than SQLite running them (better-sqlite3 keeps the prepared statement by SQL text).
 */
export interface PreparedQuery<A, R> {
  /** Runs the query on `db` (a `Kysely` or a transaction) with `args`. */
  execute(db: QueryRunner, args: A): Promise<QueryResult<R>>
}

/**
 * Prepares a query: `build` writes it with Kysely, placing each argument with `arg(get)`
 * (e.g. `.where('run_id', '=', arg((a) => a.runId))`). `build` runs once per dialect; an
 * argument must be a value Kysely binds as a parameter (not `sql.lit`, not a list whose length
 * varies — prepare one query per shape for those).
 *
 * @example
 * const byKey = preparedQuery<{ key: string }, { value: string }>((db, arg) =>
 *   db.selectFrom('cache').select('value').where('key', '=', arg((a) => a.key)))
 * const { rows } = await byKey.execute(db, { key })
 */
export function preparedQuery<A, R = unknown>(
  // biome-ignore lint/suspicious/noExplicitAny: the builder sees the caller's tables; the result row is R
  build: (db: Kysely<any>, arg: ArgOf<A>) => Compilable<any>,
): PreparedQuery<A, R> {
  const byAdapter = new WeakMap<DialectAdapter, Compiled>()
  const compile = (db: QueryRunner): Compiled => {
    const compiled = build(
      db as Kysely<never>,
      ((get: (args: A) => unknown) => new Arg(get as (a: never) => unknown)) as ArgOf<A>,
    ).compile()
    const slots = compiled.parameters.map((p) => (p instanceof Arg ? p.get : () => p))
    return { sql: compiled.sql, query: compiled.query, slots }
  }
  return {
    execute(db, args) {
      const adapter = db.getExecutor().adapter
      let c = byAdapter.get(adapter)
      if (c === undefined) {
        c = compile(db)
        byAdapter.set(adapter, c)
      }
      const slots = c.slots as readonly ((args: A) => unknown)[]
      const parameters = new Array<unknown>(slots.length)
      for (let i = 0; i < slots.length; i++) parameters[i] = (slots[i] as (args: A) => unknown)(args)
      return db.executeQuery<R>({ sql: c.sql, query: c.query, parameters, queryId: QUERY_ID })
    },
  }
}

/** No plugin of the metadata database keys results by query id, so one id serves every execution. */
const QUERY_ID = { queryId: 'prepared' } as CompiledQuery['queryId']

/**
 * Prepared queries by shape (e.g. the number of rows of a multi-row insert): the first
 * `memo` shapes are kept, others are built for each execution.
 */
export function preparedByShape<S, A, R = unknown>(
  prepare: (shape: S) => PreparedQuery<A, R>,
  memo = 64,
): (shape: S) => PreparedQuery<A, R> {
  const kept = new Map<S, PreparedQuery<A, R>>()
  return (shape) => {
    let q = kept.get(shape)
    if (q === undefined) {
      q = prepare(shape)
      if (kept.size < memo) kept.set(shape, q)
    }
    return q
  }
}
