import { StrataError } from '../../core/errors.js'
import type { ObjectId } from '../objects/index.js'
import type { RepoDb } from './repo-db.js'
import type { Commit } from './repo-types.js'
import type { TreeStore } from './tree-store.js'

/**
 * Loads commits of one dataset for a history walk, a page at a time: parents are usually
 * just older than their children, so one query serves many steps.
 */
export class CommitLoader {
  private readonly cache = new Map<ObjectId, Commit>()

  constructor(
    private readonly db: RepoDb,
    readonly dataset: string,
  ) {}

  /** A commit of this dataset; `INTERNAL` when a parent link points nowhere. */
  async get(id: ObjectId, near?: number): Promise<Commit> {
    let c = this.cache.get(id)
    if (c !== undefined) return c
    if (near !== undefined) {
      for (const p of await this.db.commitsBefore(this.dataset, near, 200)) this.cache.set(p.id, p)
      c = this.cache.get(id)
      if (c !== undefined) return c
    }
    c = await this.db.commit(id)
    if (c === undefined || c.dataset !== this.dataset) {
      throw new StrataError(
        'INTERNAL',
        `commit ${id} of dataset "${this.dataset}" is missing; run "strata data fsck"`,
      )
    }
    this.cache.set(id, c)
    return c
  }

  /** Every ancestor of `id`, itself included. */
  async ancestors(id: ObjectId): Promise<Set<ObjectId>> {
    const seen = new Set<ObjectId>([id])
    let frontier = [id]
    while (frontier.length > 0) {
      const next: ObjectId[] = []
      for (const cid of frontier) {
        const c = await this.get(cid, undefined)
        for (const p of c.parents) {
          if (!seen.has(p)) {
            seen.add(p)
            next.push(p)
          }
        }
      }
      frontier = next
    }
    return seen
  }

  /** True when `ancestor` is `descendant` or one of its ancestors. */
  async isAncestor(ancestor: ObjectId, descendant: ObjectId): Promise<boolean> {
    if (ancestor === descendant) return true
    return (await this.ancestors(descendant)).has(ancestor)
  }

  /** A nearest common ancestor of `a` and `b` (breadth first from `b`), or `null` when they share no history. */
  async mergeBase(a: ObjectId, b: ObjectId): Promise<ObjectId | null> {
    const fromA = await this.ancestors(a)
    const seen = new Set<ObjectId>([b])
    let frontier = [b]
    while (frontier.length > 0) {
      const next: ObjectId[] = []
      for (const id of frontier) {
        if (fromA.has(id)) return id
        for (const p of (await this.get(id)).parents) {
          if (!seen.has(p)) {
            seen.add(p)
            next.push(p)
          }
        }
      }
      frontier = next
    }
    return null
  }

  /**
   * History from `head`, newest first (by time, then id), optionally only commits that changed
   * one of `paths` relative to their first parent.
   */
  async log(
    head: ObjectId,
    opts: { paths?: string[]; limit?: number; trees?: TreeStore },
  ): Promise<Commit[]> {
    const limit = opts.limit ?? Number.POSITIVE_INFINITY
    const out: Commit[] = []
    const queued = new Set<ObjectId>([head])
    const queue: Commit[] = [await this.get(head)]
    while (queue.length > 0 && out.length < limit) {
      queue.sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? -1 : 1))
      const c = queue.shift() as Commit
      if (
        opts.paths === undefined ||
        opts.paths.length === 0 ||
        (await this.touches(c, opts.paths, opts.trees))
      ) {
        out.push(c)
      }
      for (const p of c.parents) {
        if (queued.has(p)) continue
        queued.add(p)
        queue.push(await this.get(p, c.createdAt))
      }
    }
    return out
  }

  private async touches(c: Commit, paths: string[], trees: TreeStore | undefined): Promise<boolean> {
    if (trees === undefined) return true
    const parent = c.parents[0] === undefined ? undefined : await this.get(c.parents[0], c.createdAt)
    for (const path of paths) {
      const now = await trees.lookup(c.tree, path)
      const before = parent === undefined ? undefined : await trees.lookup(parent.tree, path)
      if (signature(now) !== signature(before)) return true
    }
    return false
  }
}

function signature(found: Awaited<ReturnType<TreeStore['lookup']>>): string {
  if (found === undefined) return ''
  return found.kind === 'dir' ? `d:${found.tree}` : `f:${found.leaf.object}`
}

/**
 * Resolves a ref string of `dataset`: a branch or tag name, a full or unique-prefix commit id
 * (at least 4 hex digits), each optionally followed by `~N` (the N-th first-parent ancestor).
 */
export async function resolveRef(db: RepoDb, dataset: string, ref: string): Promise<Commit> {
  if (typeof ref !== 'string' || ref === '') {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `ref ${JSON.stringify(ref)} is empty; give a branch, tag or commit id`,
    )
  }
  const m = /^(.*?)(?:~(\d+))?$/.exec(ref)
  const name = m?.[1] ?? ref
  const back = Number(m?.[2] ?? 0)
  let commit = await resolveName(db, dataset, name)
  const loader = new CommitLoader(db, dataset)
  for (let i = 0; i < back; i++) {
    const parent = commit.parents[0]
    if (parent === undefined) {
      throw new StrataError(
        'NOT_FOUND',
        `${dataset}@${ref}: commit ${commit.id.slice(0, 12)} has no parent (it is only ${i} commit(s) deep)`,
      )
    }
    commit = await loader.get(parent, commit.createdAt)
  }
  return commit
}

async function resolveName(db: RepoDb, dataset: string, name: string): Promise<Commit> {
  // A full commit id is that commit, whatever refs exist (no ref can impersonate it).
  if (/^[0-9a-f]{64}$/.test(name)) {
    const c = await db.commit(name)
    if (c !== undefined && c.dataset === dataset) return c
  }
  const ref = await db.ref(dataset, name)
  if (ref !== undefined) {
    if (ref.commit === null) {
      throw new StrataError('NOT_FOUND', `${ref.kind} "${name}" of dataset "${dataset}" has no commits yet`, {
        details: { dataset, ref: name, empty: true },
      })
    }
    const c = await db.commit(ref.commit)
    if (c === undefined)
      throw new StrataError('INTERNAL', `${ref.kind} "${name}" points to missing commit ${ref.commit}`)
    return c
  }
  if (/^[0-9a-f]{4,64}$/.test(name)) {
    const found = await db.commitsByPrefix(dataset, name, 2)
    if (found.length === 1) return found[0] as Commit
    if (found.length > 1) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `commit prefix "${name}" is ambiguous in dataset "${dataset}"; give more digits`,
        {
          details: { dataset, ref: name },
        },
      )
    }
  }
  const refs = await db.refs(dataset)
  throw new StrataError(
    'NOT_FOUND',
    `dataset "${dataset}" has no branch, tag or commit "${name}"; branches: ${
      refs
        .filter((r) => r.kind === 'branch')
        .map((r) => r.name)
        .join(', ') || '(none)'
    }`,
    { details: { dataset, ref: name } },
  )
}
