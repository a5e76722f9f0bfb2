import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isStrataError, StrataError } from '../../core/errors.js'
import type { DataRepository } from '../../data/index.js'
import type { TableEngine } from '../../ports/index.js'
import { writePayloadJson, writePayloadParquet } from './payload-parquet.js'
import type { PayloadStore } from './payload-store.js'
import type { PredictionRecord } from './payload-types.js'

/** The dataset pruned predictions are archived to by default. */
export const PAYLOAD_ARCHIVE = 'payload-log'

/** Commit metadata of an archive commit: the last prediction archived, `<at>:<id>`. */
const THROUGH = 'archivedThrough'

/** A reason to keep predictions from `from` (epoch ms) on: a monitor's window that reads them. */
export interface PayloadHold {
  from: number
  reason: string
}

/** Options of {@link prunePayloadLog}. */
export interface PruneOptions {
  store: Pick<PayloadStore, 'scan' | 'count' | 'deleteBefore' | 'labelsOf'>
  engine: TableEngine
  /** Prune predictions older than this (epoch ms). */
  before: number
  /** Windows still needed: nothing from the earliest `from` on is pruned. */
  holds?: readonly PayloadHold[]
  /** Archive to this dataset before deleting (default {@link PAYLOAD_ARCHIVE}); `null`: delete only. */
  archive?: { repo: DataRepository; dataset?: string } | null
  /** Most predictions per archive segment and delete transaction (default 50,000). */
  segmentRows?: number
  /** Count only. */
  dryRun?: boolean
  /** Called after each step (tests kill the process there). */
  onStep?: (step: { kind: 'archived' | 'deleted'; rows: number; commit?: string }) => void
}

/** What {@link prunePayloadLog} did. */
export interface PruneResult {
  /** The time pruned up to (exclusive): `before`, or earlier when a hold needs older predictions. */
  cutoff: number
  /** The hold that moved the cutoff back, if one did. */
  heldBy: PayloadHold | null
  /** Predictions before the cutoff (what was, or with `dryRun` would be, deleted). */
  eligible: number
  deleted: number
  archived: number
  /** Archive commits made, oldest first. */
  commits: string[]
  archive: string | null
}

const parseThrough = (v: string | undefined) => {
  const i = v?.indexOf(':') ?? -1
  return v === undefined || i < 0 ? undefined : { at: Number(v.slice(0, i)), id: v.slice(i + 1) }
}
const after = (r: { at: number; id: string }, w: { at: number; id: string } | undefined) =>
  w === undefined || r.at > w.at || (r.at === w.at && r.id > w.id)

/**
 * Payload-log retention: removes the predictions older than `before` from the metadata
 * database, segment by segment. Each segment is first committed as Parquet
 * (`segments/<first id>_<last id>.parquet`, the columns of `strata predictions export`) to the
 * archive dataset — so history stays in its log — then deleted in one transaction. The archive
 * head records the last prediction archived: a run killed between the commit and the delete
 * deletes those rows next time without archiving them twice, and a run killed mid-commit or
 * mid-delete leaves both stores as they were. Nothing at or after the earliest hold is touched.
 */
export async function prunePayloadLog(options: PruneOptions): Promise<PruneResult> {
  const holds = options.holds ?? []
  let cutoff = options.before
  let heldBy: PayloadHold | null = null
  for (const h of holds) {
    if (h.from < cutoff) {
      cutoff = h.from
      heldBy = h
    }
  }
  const { store } = options
  const eligible = await store.count({ to: cutoff })
  const archive = options.archive === null ? null : (options.archive?.dataset ?? PAYLOAD_ARCHIVE)
  const result: PruneResult = { cutoff, heldBy, eligible, deleted: 0, archived: 0, commits: [], archive }
  if (options.dryRun === true || eligible === 0) return result
  const repo = options.archive?.repo
  if (archive === null || repo === undefined) {
    result.deleted = await store.deleteBefore(cutoff)
    options.onStep?.({ kind: 'deleted', rows: result.deleted })
    return result
  }
  if (!(await repo.listDatasets()).some((d) => d.name === archive))
    await repo.createDataset(archive, { description: 'predictions pruned from the payload log' })
  const head = (await repo.log(archive, { limit: 1 }))[0]
  let through = parseThrough(head?.metadata[THROUGH])
  // Every archive commit is made on the head this run read last: of two runs at once (two
  // servers), one archives a segment and the other stops, so no prediction is archived twice.
  let expectedHead = head?.id ?? null
  // rows already archived by a run killed before its delete
  if (through !== undefined) {
    const n = await store.deleteBefore(cutoff, through)
    result.deleted += n
    if (n > 0) options.onStep?.({ kind: 'deleted', rows: n })
  }
  const size = options.segmentRows ?? 50_000
  const work = await mkdtemp(join(tmpdir(), 'strata-payload-prune-'))
  try {
    for (;;) {
      const segment: PredictionRecord[] = []
      for await (const r of store.scan({ to: cutoff, limit: Math.min(size, 5000) })) {
        if (!after(r, through)) continue
        segment.push(r)
        if (segment.length >= size) break
      }
      const last = segment.at(-1)
      const first = segment[0]
      if (last === undefined || first === undefined) break
      const pages = (async function* () {
        for (let i = 0; i < segment.length; i += 5000) yield segment.slice(i, i + 5000)
      })()
      const { relation } = await writePayloadJson(pages, join(work, 'segment.ndjson'), (ids) =>
        store.labelsOf(ids),
      )
      const file = join(work, 'segment.parquet')
      await writePayloadParquet(options.engine, relation, file)
      const commit = await repo
        .commit(archive, {
          message: `archive ${segment.length} predictions from ${new Date(first.at).toISOString()} to ${new Date(last.at).toISOString()}`,
          changes: [{ path: `segments/${first.id}_${last.id}.parquet`, source: file }],
          metadata: { [THROUGH]: `${last.at}:${last.id}`, rows: String(segment.length) },
          expectedHead,
        })
        .catch((err: unknown) => {
          if (!isStrataError(err, 'CONFLICT')) throw err
          throw new StrataError(
            'CONFLICT',
            `the archive ${archive} moved while this prune ran (another prune, e.g. on another server, archived these predictions): this one stopped after ${result.archived} archived, nothing twice; run it again to continue`,
            { details: { archive, archived: result.archived, deleted: result.deleted } },
          )
        })
      expectedHead = commit.id
      result.commits.push(commit.id)
      result.archived += segment.length
      options.onStep?.({ kind: 'archived', rows: segment.length, commit: commit.id })
      through = { at: last.at, id: last.id }
      const n = await store.deleteBefore(cutoff, through)
      result.deleted += n
      options.onStep?.({ kind: 'deleted', rows: n })
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  return result
}
