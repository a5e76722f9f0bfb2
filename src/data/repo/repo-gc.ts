import { StrataError } from '../../core/errors.js'
import { BLOB_KINDS, blobKeyOf, DATA_BLOB_PREFIX, type ObjectId } from '../objects/index.js'
import type { RepoContext } from './repo-context.js'
import type { GcReport } from './repo-types.js'
import { isDirEntry } from './tree-store.js'

/** Options of {@link gcRepository}. */
export interface GcOptions {
  /** Only report (default true). */
  dryRun?: boolean
  /** Keep unreachable blobs younger than this (default one hour): a second guard besides the leases. */
  graceMs?: number
}

/**
 * Removes data-layer blobs (objects, chunks, manifests, trees) that no commit references.
 *
 * Safety against concurrent commits (see {@link LeaseTable}): the mark and the listing run
 * without blocking anyone; then, unless `dryRun`, gc takes the gc lease (waiting for running
 * commits to finish and holding new ones back), marks again from the commits that appeared
 * meanwhile, and only then deletes — so an object a commit re-used or wrote is either
 * referenced by the time gc looks again or still covered by that commit's lease. Blobs younger
 * than `graceMs` are kept regardless. If any reachable tree or manifest cannot be read, gc
 * stops with `FAILED_PRECONDITION` rather than guess (run fsck).
 */
export async function gcRepository(ctx: RepoContext, opts: GcOptions = {}): Promise<GcReport> {
  const dryRun = opts.dryRun ?? true
  const graceMs = opts.graceMs ?? 60 * 60 * 1000
  const reachable = new Set<string>()
  const visitedTrees = new Set<ObjectId>()
  const mark = async () => {
    for (const c of await ctx.db.allCommitRoots()) await markTree(ctx, c.tree, reachable, visitedTrees)
  }
  await mark()
  // Compared with the blob store's modification times, which are wall-clock: not the context clock.
  const startedAt = Date.now()
  const candidates: { key: string; size: number; young: boolean }[] = []
  let scanned = 0
  for (const kind of BLOB_KINDS) {
    for await (const info of ctx.blobs.list(`${DATA_BLOB_PREFIX}${kind}s/`)) {
      scanned++
      if (reachable.has(info.key)) continue
      const age = info.modifiedAt === undefined ? 0 : startedAt - info.modifiedAt.getTime()
      candidates.push({ key: info.key, size: info.size, young: age < graceMs })
    }
  }
  const report: GcReport = {
    dryRun,
    scanned,
    reachable: scanned - candidates.length,
    unreachable: 0,
    unreachableBytes: 0,
    young: 0,
    deleted: 0,
    leasesCleared: 0,
  }
  const tally = () => {
    report.unreachable = 0
    report.unreachableBytes = 0
    report.young = 0
    for (const c of candidates) {
      if (reachable.has(c.key)) continue
      if (c.young) report.young++
      else {
        report.unreachable++
        report.unreachableBytes += c.size
      }
    }
  }
  if (dryRun) {
    tally()
    return report
  }
  report.leasesCleared = await ctx.leases.clearStale('commit')
  const lease = await ctx.leases.acquireGc()
  try {
    await mark()
    tally()
    report.reachable = scanned - report.unreachable - report.young
    let sinceRenew = 0
    // Manifests and trees before the objects they name: a gc stopped midway leaves orphan
    // chunks (garbage), never a manifest whose chunks are gone.
    candidates.sort(
      (a, b) => Number(a.key.startsWith('data/objects/')) - Number(b.key.startsWith('data/objects/')),
    )
    for (const c of candidates) {
      if (c.young || reachable.has(c.key)) continue
      if (++sinceRenew >= 100) {
        sinceRenew = 0
        if (!(await lease.renew())) {
          throw new StrataError(
            'UNAVAILABLE',
            `gc lost its lease after deleting ${report.deleted} blobs; run it again`,
          )
        }
      }
      await ctx.blobs.delete(c.key)
      report.deleted++
    }
  } finally {
    await lease.release().catch(() => {})
  }
  return report
}

async function markTree(
  ctx: RepoContext,
  id: ObjectId,
  reachable: Set<string>,
  visited: Set<ObjectId>,
): Promise<void> {
  if (visited.has(id)) return
  let tree: Awaited<ReturnType<typeof ctx.trees.get>>
  try {
    tree = await ctx.trees.get(id)
  } catch (err) {
    throw unreadable('tree', id, err)
  }
  visited.add(id)
  reachable.add(blobKeyOf('tree', id))
  for (const e of tree.entries) {
    if (isDirEntry(e)) await markTree(ctx, e.tree, reachable, visited)
    else if (e.chunks === undefined) reachable.add(blobKeyOf('object', e.object))
    else {
      const key = blobKeyOf('manifest', e.object)
      if (reachable.has(key)) continue
      reachable.add(key)
      try {
        for (const chunk of (await ctx.objects.readManifest(e.object)).chunks)
          reachable.add(blobKeyOf('object', chunk.id))
      } catch (err) {
        throw unreadable('manifest', e.object, err)
      }
    }
  }
}

function unreadable(kind: string, id: string, err: unknown): StrataError {
  return new StrataError(
    'FAILED_PRECONDITION',
    `gc stopped without deleting anything: reachable ${kind} ${id} cannot be read (${(err as Error).message}); run "strata data fsck"`,
    { cause: err, details: { kind, id } },
  )
}
