import { mapLimit, type ObjectId } from '../objects/index.js'
import type { RepoContext } from './repo-context.js'
import { computeCommitId } from './repo-names.js'
import type { FsckProblem, FsckReport } from './repo-types.js'
import { type FileLeaf, isDirEntry } from './tree-store.js'

/** Options of {@link fsckRepository}. */
export interface FsckOptions {
  /** Only this dataset (default all). */
  dataset?: string
  /** Re-hash every reachable object (default true); false checks presence and structure only. */
  verifyContent?: boolean
  onProgress?: (p: { phase: string; done: number; total: number; bytes: number }) => void
}

/**
 * Checks the repository: every ref points to a commit of its dataset; every commit's id is the
 * hash of its content and its parents exist; every tree reachable from a commit exists, hashes
 * to its id and has correct file counts and sizes; every file object exists and (by default)
 * re-hashes to its id, chunk by chunk for large files. Unreachable blobs (left by failed or
 * killed commits) are not problems: `gc` removes them.
 */
export async function fsckRepository(ctx: RepoContext, opts: FsckOptions = {}): Promise<FsckReport> {
  const problems: FsckProblem[] = []
  const datasets = (await ctx.db.datasets()).filter(
    (d) => opts.dataset === undefined || d.name === opts.dataset,
  )
  const names = new Set(datasets.map((d) => d.name))
  const commits = (await ctx.db.allCommits()).filter((c) => names.has(c.dataset))
  const byId = new Map(commits.map((c) => [c.id, c]))
  for (const c of commits) {
    if (computeCommitId(c) !== c.id) {
      problems.push({ kind: 'commit', subject: c.id, message: `commit ${c.id} does not hash to its id` })
    }
    for (const p of c.parents) {
      const parent = byId.get(p)
      if (parent === undefined || parent.dataset !== c.dataset) {
        problems.push({ kind: 'commit', subject: c.id, message: `commit ${c.id} names missing parent ${p}` })
      }
    }
  }
  const refs = (await ctx.db.refs()).filter((r) => names.has(r.dataset))
  for (const r of refs) {
    if (r.commit === null) {
      if (r.kind === 'tag')
        problems.push({ kind: 'ref', subject: `${r.dataset}@${r.name}`, message: 'tag points to nothing' })
      continue
    }
    const c = byId.get(r.commit)
    if (c === undefined || c.dataset !== r.dataset) {
      problems.push({
        kind: 'ref',
        subject: `${r.dataset}@${r.name}`,
        message: `${r.kind} ${r.dataset}@${r.name} points to missing commit ${r.commit}`,
      })
    }
  }

  // Trees: each distinct tree once; aggregates checked against the parent's entry.
  const treeTotals = new Map<ObjectId, { files: number; size: number } | null>()
  const files = new Map<ObjectId, { leaf: FileLeaf; path: string }>()
  const walk = async (id: ObjectId, where: string): Promise<{ files: number; size: number } | null> => {
    if (treeTotals.has(id)) return treeTotals.get(id) ?? null
    let totals: { files: number; size: number } | null = null
    try {
      const tree = await ctx.trees.get(id, true)
      totals = { files: 0, size: 0 }
      for (const e of tree.entries) {
        const path = where === '' ? e.name : `${where}/${e.name}`
        if (isDirEntry(e)) {
          const sub = await walk(e.tree, path)
          if (sub !== null && (sub.files !== e.files || sub.size !== e.size)) {
            problems.push({
              kind: 'tree',
              subject: id,
              message: `tree ${id} says "${path}" holds ${e.files} files / ${e.size} bytes, it holds ${sub.files} / ${sub.size}`,
            })
          }
          totals.files += e.files
        } else {
          const { name: _n, ...leaf } = e
          if (!files.has(leaf.object)) files.set(leaf.object, { leaf, path })
          totals.files += 1
        }
        totals.size += e.size
      }
    } catch (err) {
      problems.push({
        kind: 'tree',
        subject: id,
        message: `${(err as Error).message} (at "${where || '/'}")`,
      })
    }
    treeTotals.set(id, totals)
    return totals
  }
  for (const c of commits) await walk(c.tree, '')

  // Objects: presence, or a full re-hash.
  const seen = new Set<string>()
  let bytesVerified = 0
  let done = 0
  const entries = [...files.values()]
  await mapLimit(entries, 4, async ({ leaf, path }) => {
    const chunked = leaf.chunks !== undefined
    if (opts.verifyContent === false) {
      const present = await ctx.objects.has(chunked ? 'manifest' : 'object', leaf.object)
      if (!present) {
        problems.push({
          kind: chunked ? 'manifest' : 'object',
          subject: leaf.object,
          message: `${chunked ? 'manifest' : 'object'} ${leaf.object} of "${path}" is missing`,
        })
      }
    } else {
      const r = await ctx.objects.verify(leaf.object, chunked, leaf.size, seen)
      bytesVerified += r.bytes
      for (const message of r.problems) {
        problems.push({
          kind: chunked ? 'manifest' : 'object',
          subject: leaf.object,
          message: `${message} ("${path}")`,
        })
      }
    }
    done++
    opts.onProgress?.({ phase: 'verify', done, total: entries.length, bytes: bytesVerified })
  })

  return {
    ok: problems.length === 0,
    datasets: datasets.length,
    refs: refs.length,
    commits: commits.length,
    trees: treeTotals.size,
    objects: files.size,
    bytesVerified,
    problems,
    staleLeases: await ctx.leases.countStale(),
  }
}
