import type { Kysely } from 'kysely'
import { writeTransaction } from '../db/index.js'
import type { PipelineTables } from './pipeline-migrations.js'
import type { StepRunStatus } from './run-store.js'

type Db = Kysely<PipelineTables>
type Row = PipelineTables['pipeline_map_elements']
type CacheRow = PipelineTables['pipeline_cache']

/** One element of a mapped step of a run, as stored. */
export interface MapElement {
  index: number
  /** The index, or the datum's path. */
  key: string
  /** The item's content address (`datum:<hash>` or `value:<sha256>`). */
  address: string
  status: StepRunStatus
  attempt: number
  cacheKey: string | null
  outputHash: string | null
  cached: boolean
  startedAt: number | null
  endedAt: number | null
  error: string | null
}

/** Element counts of a mapped step of a run, per state. */
export type ElementCounts = Partial<Record<StepRunStatus, number>> & { total: number }

/** Rows per statement: 13 columns × 500 stays far below SQLite's 32,766 and Postgres's 65,535 parameters. */
const BATCH = 500

const num = (v: number | string | null): number | null => (v === null ? null : Number(v))

function toElement(r: Row): MapElement {
  return {
    index: Number(r.idx),
    key: r.item_key,
    address: r.address,
    status: r.status as StepRunStatus,
    attempt: Number(r.attempt),
    cacheKey: r.cache_key,
    outputHash: r.output_hash,
    cached: Number(r.cached) === 1,
    startedAt: num(r.started_at),
    endedAt: num(r.ended_at),
    error: r.error,
  }
}

function toRow(runId: string, step: string, e: MapElement): Row {
  return {
    run_id: runId,
    step,
    idx: e.index,
    item_key: e.key,
    address: e.address,
    status: e.status,
    attempt: e.attempt,
    cache_key: e.cacheKey,
    output_hash: e.outputHash,
    cached: e.cached ? 1 : 0,
    started_at: e.startedAt,
    ended_at: e.endedAt,
    error: e.error,
  }
}

/**
 * The element rows of mapped steps. Writes are batched: many elements per statement (a
 * multi-row insert, or an upsert that updates only elements still `pending` or `running`, so an
 * element of a cancelled run cannot publish), never one round trip per element.
 */
export class MapStore {
  constructor(readonly db: Db) {}

  /** The elements of a mapped step of a run, by index. */
  async elements(runId: string, step: string): Promise<MapElement[]> {
    const rows = await this.db
      .selectFrom('pipeline_map_elements')
      .selectAll()
      .where('run_id', '=', runId)
      .where('step', '=', step)
      .orderBy('idx')
      .execute()
    return rows.map(toElement)
  }

  /** A page of elements, optionally in one state. */
  async page(
    runId: string,
    step: string,
    o: { status?: StepRunStatus; offset?: number; limit?: number } = {},
  ): Promise<MapElement[]> {
    let q = this.db
      .selectFrom('pipeline_map_elements')
      .selectAll()
      .where('run_id', '=', runId)
      .where('step', '=', step)
    if (o.status !== undefined) q = q.where('status', '=', o.status)
    const rows = await q
      .orderBy('idx')
      .offset(o.offset ?? 0)
      .limit(o.limit ?? 100)
      .execute()
    return rows.map(toElement)
  }

  /** Element counts per mapped step of a run and state (one grouped query). */
  async counts(runId: string): Promise<Map<string, ElementCounts>> {
    const rows = await this.db
      .selectFrom('pipeline_map_elements')
      .select(['step', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('run_id', '=', runId)
      .groupBy(['step', 'status'])
      .execute()
    const out = new Map<string, ElementCounts>()
    for (const r of rows) {
      const c = out.get(r.step) ?? { total: 0 }
      const n = Number(r.n)
      c[r.status as StepRunStatus] = n
      c.total += n
      out.set(r.step, c)
    }
    return out
  }

  /** Inserts the elements of a mapped step, all `pending`, in a few multi-row statements. */
  async insertPending(runId: string, step: string, items: readonly { key: string; address: string }[]) {
    await writeTransaction(this.db, async (trx) => {
      for (let i = 0; i < items.length; i += BATCH) {
        const rows = items.slice(i, i + BATCH).map((it, j) =>
          toRow(runId, step, {
            index: i + j,
            key: it.key,
            address: it.address,
            status: 'pending',
            attempt: 0,
            cacheKey: null,
            outputHash: null,
            cached: false,
            startedAt: null,
            endedAt: null,
            error: null,
          }),
        )
        await trx.insertInto('pipeline_map_elements').values(rows).execute()
      }
    })
  }

  /** Turns the elements that did not succeed back to `pending` (a resumed run runs them again). */
  async resetUnfinished(runId: string, step: string): Promise<void> {
    await writeTransaction(this.db, (trx) =>
      trx
        .updateTable('pipeline_map_elements')
        .set({ status: 'pending', ended_at: null, error: null })
        .where('run_id', '=', runId)
        .where('step', '=', step)
        .where('status', '!=', 'succeeded')
        .execute(),
    )
  }

  /** The cached output hash of each key that has one (a few `IN` queries, not one per key). */
  async cachedMany(keys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>()
    const unique = [...new Set(keys)]
    for (let i = 0; i < unique.length; i += BATCH) {
      const rows = await this.db
        .selectFrom('pipeline_cache')
        .select(['cache_key', 'output_hash'])
        .where('cache_key', 'in', unique.slice(i, i + BATCH))
        .execute()
      for (const r of rows) out.set(r.cache_key, r.output_hash)
    }
    return out
  }

  /**
   * Writes element states and cache entries in batches: `set` and `cache` buffer, and a flush
   * (every `flushMs`, when `maxBuffered` are waiting, and at `close`) writes them in one
   * transaction. Only the latest state of an element is written.
   */
  writer(runId: string, step: string, o: { flushMs?: number; maxBuffered?: number } = {}): ElementWriter {
    return new ElementWriter(this.db, runId, step, o.flushMs ?? 100, o.maxBuffered ?? 1000)
  }
}

/** Buffered element writes of one mapped step (see {@link MapStore.writer}). */
export class ElementWriter {
  private states = new Map<number, MapElement>()
  private caches: CacheRow[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Db,
    private readonly runId: string,
    private readonly step: string,
    private readonly flushMs: number,
    private readonly maxBuffered: number,
  ) {}

  /** Buffers an element's new state (and, for a fresh output, its cache entry). */
  set(e: MapElement, cache?: CacheRow): void {
    this.states.set(e.index, { ...e })
    if (cache !== undefined) this.caches.push(cache)
    if (this.states.size >= this.maxBuffered) void this.flush()
    else this.timer ??= setTimeout(() => void this.flush(), this.flushMs)
  }

  /** Writes what is buffered; resolves when every earlier flush is written. */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const states = [...this.states.values()]
    const caches = this.caches
    this.states = new Map()
    this.caches = []
    if (states.length === 0 && caches.length === 0) return this.flushing
    this.flushing = this.flushing.then(() => this.write(states, caches))
    return this.flushing
  }

  private async write(states: MapElement[], caches: CacheRow[]): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      for (let i = 0; i < caches.length; i += BATCH) {
        await trx
          .insertInto('pipeline_cache')
          .values(caches.slice(i, i + BATCH))
          .onConflict((oc) => oc.column('cache_key').doNothing())
          .execute()
      }
      for (let i = 0; i < states.length; i += BATCH) {
        await trx
          .insertInto('pipeline_map_elements')
          .values(states.slice(i, i + BATCH).map((e) => toRow(this.runId, this.step, e)))
          .onConflict((oc) =>
            oc
              .columns(['run_id', 'step', 'idx'])
              .doUpdateSet((eb) => ({
                status: eb.ref('excluded.status'),
                attempt: eb.ref('excluded.attempt'),
                cache_key: eb.ref('excluded.cache_key'),
                output_hash: eb.ref('excluded.output_hash'),
                cached: eb.ref('excluded.cached'),
                started_at: eb.ref('excluded.started_at'),
                ended_at: eb.ref('excluded.ended_at'),
                error: eb.ref('excluded.error'),
              }))
              .where('pipeline_map_elements.status', 'in', ['pending', 'running']),
          )
          .execute()
      }
    })
  }
}
