/**
 * Helpers for `bench/lineage-upstream.bench.ts`: a throw-away Postgres database, a naive
 * breadth-first traversal (the reference) and latency statistics.
 */
import { type Kysely, sql } from 'kysely'
import { type MetadataDatabase, openMetadataDatabase } from '../src/db/index.js'

type EdgeTables = { lineage_edges: { src: string; dst: string } }

/** A fresh Postgres database next to the one `url` names; `drop` removes it. */
export async function createScratchPostgres(
  url: string,
  name: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = await openMetadataDatabase({ dialect: 'postgres', location: url, url: 'postgres:admin' })
  await sql.raw(`drop database if exists "${name}" with (force)`).execute(admin.db)
  await sql.raw(`create database "${name}"`).execute(admin.db)
  const scratch = new URL(url)
  scratch.pathname = `/${name}`
  return {
    url: scratch.toString(),
    drop: async () => {
      await sql.raw(`drop database if exists "${name}" with (force)`).execute(admin.db)
      await admin.close()
    },
  }
}

/**
 * Breadth-first traversal in JavaScript, one `in (…)` query per level (per 5,000 ids): the
 * node ids reached within `depth` steps, each with its shortest distance. Edges only; it does
 * not load node rows, so it is a lower bound for the reachability part of a traversal.
 */
export async function naiveBfs(
  metadata: MetadataDatabase,
  start: string,
  depth: number,
  direction: 'up' | 'down',
): Promise<Map<string, number>> {
  const db = metadata.db as unknown as Kysely<EdgeTables>
  const [near, far] = direction === 'up' ? (['dst', 'src'] as const) : (['src', 'dst'] as const)
  const reached = new Map([[start, 0]])
  let frontier = [start]
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: string[] = []
    for (let i = 0; i < frontier.length; i += 5000) {
      const rows = await db
        .selectFrom('lineage_edges')
        .select([near, far])
        .where(near, 'in', frontier.slice(i, i + 5000))
        .execute()
      for (const row of rows) {
        const id = row[far]
        if (reached.has(id)) continue
        reached.set(id, d)
        next.push(id)
      }
    }
    frontier = next
  }
  return reached
}

/** Median, 95th percentile and mean of a sample. */
export function summarize(values: number[]): { median: number; p95: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN
  return { median: q(0.5), p95: q(0.95), mean: values.reduce((a, b) => a + b, 0) / values.length }
}
