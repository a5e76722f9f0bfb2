import { type Expression, type Kysely, type SqlBool, sql } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { StrataError } from '../../core/errors.js'
import {
  type ArgOf,
  type MetadataDatabase,
  preparedByShape,
  preparedQuery,
  writeTransaction,
} from '../../db/index.js'
import type { LineageTables } from './lineage-migrations.js'
import type {
  LineageEdge,
  LineageGraph,
  LineageNode,
  NodeId,
  NodeInput,
  RecordInput,
} from './lineage-types.js'

const NODE_ID = /^([a-z][a-z0-9-]{0,62}):(\S.{0,447})$/
const ACTIVITY = /^[a-z][a-z0-9_.-]{0,127}$/
/** Depth used when a traversal is not given one; deep enough for any real pipeline. */
const DEFAULT_DEPTH = 64
/**
 * Ids per lookup: SQLite binds one parameter per id (its limit is 32,766); Postgres takes the ids
 * as one array parameter (`= any($1)`), which it plans and parses about 3× faster than a long
 * `in ($1, …)` list.
 */
const CHUNK = { sqlite: 1000, postgres: 10_000 } as const
/** Edges or nodes per insert: four parameters each, within SQLite's 32,766 per statement. */
const EDGE_CHUNK = 5000

type NodeRow = { id: string; kind: string; label: string | null; created_at: number }
type EdgeRow = { src: string; dst: string; activity: string; at: number }
const rowsOf = <R>(n: number, arg: ArgOf<readonly R[]>, row: (get: <T>(f: (r: R) => T) => T) => object) =>
  Array.from({ length: n }, (_, i) => row((f) => arg((rows) => f(rows[i] as R))))

// Recording runs for every pipeline step: its inserts are compiled once per row count.
const nodeValues = (n: number, arg: ArgOf<readonly NodeRow[]>) =>
  rowsOf<NodeRow>(n, arg, (get) => ({
    id: get((r) => r.id),
    kind: get((r) => r.kind),
    label: get((r) => r.label),
    created_at: get((r) => r.created_at),
  })) as NodeRow[]
const prepareShapes = () => ({
  // One statement for every node: a new one is inserted; an existing one gets the label given
  // (a node given without a label keeps its own, and its row is not written).
  upsertNodes: preparedByShape((n: number) =>
    preparedQuery<readonly NodeRow[]>((db: Kysely<LineageTables>, arg) =>
      db
        .insertInto('lineage_nodes')
        .values(nodeValues(n, arg))
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet((eb) => ({ label: eb.ref('excluded.label') }))
            .where('excluded.label', 'is not', null),
        ),
    ),
  ),
  insertEdges: preparedByShape((n: number) =>
    preparedQuery<readonly EdgeRow[]>((db: Kysely<LineageTables>, arg) =>
      db
        .insertInto('lineage_edges')
        .values(
          rowsOf<EdgeRow>(n, arg, (get) => ({
            src: get((r) => r.src),
            dst: get((r) => r.dst),
            activity: get((r) => r.activity),
            at: get((r) => r.at),
          })) as EdgeRow[],
        )
        .onConflict((oc) => oc.columns(['dst', 'src', 'activity']).doNothing()),
    ),
  ),
})
let shapes: ReturnType<typeof prepareShapes> | undefined
/** The prepared inserts, made on first use (not while modules load, when an import cycle may leave `preparedQuery` unset). */
const prepared = () => (shapes ??= prepareShapes())

/** Splits and validates a node id (`kind:id`), failing with `INVALID_ARGUMENT` otherwise. */
export function parseNodeId(id: string): { kind: string; key: string } {
  const m = NODE_ID.exec(id)
  if (!m?.[1] || m[2] === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `lineage node id "${id}" is invalid; expected "<kind>:<id>" with a lower-case kind, e.g. "dataset-commit:3f2a9c" or "model-version:flights/3"`,
    )
  }
  return { kind: m[1], key: m[2] }
}

/**
 * The provenance graph across every artifact kind. Nodes are `kind:id`; an edge says the
 * `to` artifact was produced from the `from` artifact by an activity. Recording is
 * idempotent; traversals are breadth-first, one indexed query per level (per chunk of ids) on
 * the primary key `(dst, …)` upstream and `lineage_edges_src` downstream.
 */
export class LineageGraphStore {
  private readonly db: Kysely<LineageTables>
  private readonly dialect: MetadataDatabase['dialect']

  /**
   * Part of the service context, so built by `platform/` only (`createServiceContext`).
   *
   * @param clock - the time of an edge or node recorded without an explicit `at`
   */
  constructor(
    metadata: MetadataDatabase,
    private readonly clock: Clock,
  ) {
    this.db = metadata.db.withTables<LineageTables>()
    this.dialect = metadata.dialect
  }

  /** Creates a node (or updates its label when given). */
  async upsertNode(node: NodeId | NodeInput, at = this.clock.now()): Promise<void> {
    await this.upsertNodes(this.db, [typeof node === 'string' ? { id: node } : node], at)
  }

  /**
   * Records that `output` was produced from each of `inputs` by `activity`, creating nodes as
   * needed. Re-recording the same step is a no-op. Runs in one transaction (or inside `trx`).
   */
  async record(input: RecordInput, trx?: Kysely<object>): Promise<void> {
    await this.recordAll([input], trx)
  }

  /**
   * Records several {@link record} inputs at once: their nodes in at most two statements and
   * their edges in one (per chunk), in one transaction (or inside `trx`). Nodes are created with
   * the first record's time.
   */
  async recordAll(records: readonly RecordInput[], trx?: Kysely<object>): Promise<void> {
    if (records.length === 0) return
    const nodes: NodeInput[] = []
    const edges: { src: string; dst: string; activity: string; at: number }[] = []
    for (const input of records) {
      if (!ACTIVITY.test(input.activity)) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `lineage activity "${input.activity}" is invalid; expected a lower-case word such as "commit" or "train"`,
        )
      }
      const at = input.at ?? this.clock.now()
      const output = typeof input.output === 'string' ? { id: input.output } : input.output
      for (const n of input.inputs) {
        const node = typeof n === 'string' ? { id: n } : n
        if (node.id === output.id)
          throw new StrataError(
            'INVALID_ARGUMENT',
            `lineage node "${node.id}" cannot be produced from itself`,
          )
        nodes.push(node)
        edges.push({ src: node.id, dst: output.id, activity: input.activity, at })
      }
      nodes.push(output)
    }
    const at = records[0]?.at ?? this.clock.now()
    const write = async (db: Kysely<LineageTables>) => {
      await this.upsertNodes(db, nodes, at)
      for (let i = 0; i < edges.length; i += EDGE_CHUNK) {
        const chunk = edges.slice(i, i + EDGE_CHUNK)
        await prepared().insertEdges(chunk.length).execute(db, chunk)
      }
    }
    if (trx) await write(trx.withTables<LineageTables>())
    else await writeTransaction(this.db, write)
  }

  /** One node, or `NOT_FOUND`. */
  async node(id: NodeId): Promise<LineageNode> {
    parseNodeId(id)
    const row = await this.db.selectFrom('lineage_nodes').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new StrataError('NOT_FOUND', `lineage node "${id}" does not exist`)
    return { id: row.id, kind: row.kind, label: row.label, createdAt: Number(row.created_at) }
  }

  /**
   * The full id of a node given exactly or as `kind:<unique prefix of the key>` (e.g.
   * `dataset-commit:3f2a1b`): `NOT_FOUND` when nothing matches, `INVALID_ARGUMENT` listing a
   * few candidates when the prefix is ambiguous.
   */
  async resolve(idOrPrefix: string): Promise<NodeId> {
    const { kind, key } = parseNodeId(idOrPrefix)
    const exact = await this.db
      .selectFrom('lineage_nodes')
      .select('id')
      .where('id', '=', idOrPrefix)
      .executeTakeFirst()
    if (exact) return exact.id
    const like = `${kind}:${key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    const candidates = await this.db
      .selectFrom('lineage_nodes')
      .select('id')
      .where(sql<SqlBool>`${sql.ref('id')} like ${like} escape '\\'`)
      .orderBy('id')
      .limit(6)
      .execute()
    // SQLite's LIKE ignores ASCII case; ids are case-sensitive.
    const rows = candidates.filter((r) => r.id.startsWith(idOrPrefix))
    if (rows.length === 1) return (rows[0] as { id: string }).id
    if (rows.length === 0) throw new StrataError('NOT_FOUND', `lineage node "${idOrPrefix}" does not exist`)
    throw new StrataError(
      'INVALID_ARGUMENT',
      `"${idOrPrefix}" matches several lineage nodes (${rows
        .slice(0, 5)
        .map((r) => r.id)
        .join(', ')}${rows.length > 5 ? ', …' : ''}); give more of the id`,
    )
  }

  /** Everything `id` was produced from, up to `depth` steps back. */
  upstream(id: NodeId, depth = DEFAULT_DEPTH): Promise<LineageGraph> {
    return this.traverse(id, depth, 'up')
  }

  /** Everything produced from `id`, up to `depth` steps forward. */
  downstream(id: NodeId, depth = DEFAULT_DEPTH): Promise<LineageGraph> {
    return this.traverse(id, depth, 'down')
  }

  /**
   * A shortest chain of edges leading from `from` to `to` (following production direction),
   * or `undefined` when `to` was not produced, directly or indirectly, from `from`.
   */
  async path(from: NodeId, to: NodeId, maxDepth = DEFAULT_DEPTH): Promise<LineageEdge[] | undefined> {
    await this.node(from)
    await this.node(to)
    const parent = new Map<string, LineageEdge>()
    let frontier = [from]
    const seen = new Set(frontier)
    for (let depth = 0; depth < maxDepth && frontier.length > 0; depth++) {
      const edges = await this.edgesOf(frontier, 'down')
      const next: string[] = []
      for (const e of edges) {
        if (seen.has(e.to)) continue
        seen.add(e.to)
        parent.set(e.to, e)
        next.push(e.to)
        if (e.to === to) return this.unwind(parent, from, to)
      }
      frontier = next
    }
    return from === to ? [] : undefined
  }

  private unwind(parent: Map<string, LineageEdge>, from: string, to: string): LineageEdge[] {
    const chain: LineageEdge[] = []
    for (let at = to; at !== from; ) {
      const e = parent.get(at)
      if (!e) break
      chain.unshift(e)
      at = e.from
    }
    return chain
  }

  /** `column` is one of `ids`, in this dialect's fastest form (see {@link CHUNK}). */
  private isIn(column: 'id' | 'src' | 'dst', ids: string[]): Expression<SqlBool> {
    return this.dialect === 'postgres'
      ? sql<SqlBool>`${sql.ref(column)} = any(${ids}::varchar[])`
      : sql<SqlBool>`${sql.ref(column)} in (${sql.join(ids)})`
  }

  /** `ids` in slices of {@link CHUNK} for this dialect. */
  private chunks(ids: string[]): string[][] {
    const size = CHUNK[this.dialect]
    const out: string[][] = []
    for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size))
    return out
  }

  /** The edges leaving (`down`) or entering (`up`) any of `ids`. */
  private async edgesOf(ids: string[], direction: 'up' | 'down'): Promise<LineageEdge[]> {
    const out: LineageEdge[] = []
    for (const chunk of this.chunks(ids)) {
      const rows = await this.db
        .selectFrom('lineage_edges')
        .selectAll()
        .where(this.isIn(direction === 'up' ? 'dst' : 'src', chunk))
        .execute()
      for (const r of rows) out.push({ from: r.src, to: r.dst, activity: r.activity, at: Number(r.at) })
    }
    return out
  }

  /**
   * Breadth-first, one level at a time: each node is expanded once, at its shortest distance,
   * and the edges read while expanding are the subgraph's edges. (A recursive CTE re-expands a
   * node at every distinct path length; on the 100k-node benchmark graph that was 13–16× the
   * rows and up to 6× the time, see bench/RESULTS.md.)
   */
  private async traverse(id: NodeId, depth: number, direction: 'up' | 'down'): Promise<LineageGraph> {
    if (!Number.isInteger(depth) || depth < 0) {
      throw new StrataError('INVALID_ARGUMENT', `depth ${depth} is invalid; expected a whole number ≥ 0`)
    }
    await this.node(id)
    const depths = new Map([[id, 0]])
    const edges: LineageEdge[] = []
    let frontier = [id]
    for (let d = 1; d <= depth && frontier.length > 0; d++) {
      const next: string[] = []
      for (const e of await this.edgesOf(frontier, direction)) {
        edges.push(e)
        const other = direction === 'up' ? e.from : e.to
        if (depths.has(other)) continue
        depths.set(other, d)
        next.push(other)
      }
      frontier = next
    }
    const nodes: LineageNode[] = []
    for (const chunk of this.chunks([...depths.keys()])) {
      const rows = await this.db
        .selectFrom('lineage_nodes')
        .selectAll()
        .where(this.isIn('id', chunk))
        .execute()
      for (const r of rows) {
        nodes.push({
          id: r.id,
          kind: r.kind,
          label: r.label,
          createdAt: Number(r.created_at),
          depth: depths.get(r.id) ?? 0,
        })
      }
    }
    nodes.sort((a, b) => (a.depth ?? 0) - (b.depth ?? 0) || a.id.localeCompare(b.id))
    return { root: id, nodes, edges }
  }

  /** Inserts missing nodes and sets given labels: one statement per 5,000 nodes. */
  private async upsertNodes(db: Kysely<LineageTables>, nodes: NodeInput[], at: number): Promise<void> {
    const unique = new Map<string, NodeInput>()
    for (const n of nodes) {
      const prev = unique.get(n.id)
      unique.set(n.id, prev?.label !== undefined && n.label === undefined ? prev : n)
    }
    // Each distinct id is validated once (in first-seen order, as before), its kind kept.
    const rows = [...unique.values()].map((n) => ({
      id: n.id,
      kind: parseNodeId(n.id).kind,
      label: n.label ?? null,
      created_at: at,
    }))
    for (let i = 0; i < rows.length; i += EDGE_CHUNK) {
      const chunk = rows.slice(i, i + EDGE_CHUNK)
      await prepared().upsertNodes(chunk.length).execute(db, chunk)
    }
  }
}
