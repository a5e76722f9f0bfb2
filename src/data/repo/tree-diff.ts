import { compareUtf8 } from '../../core/blob-key.js'
import type { ObjectId } from '../objects/index.js'
import { joinDataPath } from './data-paths.js'
import { type FileLeaf, isDirEntry, type TreeEntry, type TreeStore } from './tree-store.js'

/** A path whose file differs between two trees: added (no `before`), removed (no `after`) or changed. */
export interface TreeChange {
  path: string
  before?: FileLeaf
  after?: FileLeaf
}

/** True when two leaves hold the same content. */
export function sameLeaf(a: FileLeaf | undefined, b: FileLeaf | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.object === b.object && a.size === b.size && (a.chunks ?? 0) === (b.chunks ?? 0)
}

/**
 * The file-level differences between two trees (`null` is the empty tree), sorted by path.
 * Subtrees with equal ids are skipped without being read, so the cost follows the size of the
 * change, not of the dataset.
 */
export async function diffTrees(
  store: TreeStore,
  a: ObjectId | null,
  b: ObjectId | null,
): Promise<TreeChange[]> {
  const out: TreeChange[] = []
  await diffDirs(store, a, b, '', out)
  return out.sort((x, y) => compareUtf8(x.path, y.path))
}

async function diffDirs(
  store: TreeStore,
  a: ObjectId | null,
  b: ObjectId | null,
  prefix: string,
  out: TreeChange[],
): Promise<void> {
  if (a === b) return
  const left = a === null ? [] : (await store.get(a)).entries
  const right = b === null ? [] : (await store.get(b)).entries
  const byName = new Map<string, { l?: TreeEntry; r?: TreeEntry }>()
  for (const e of left) byName.set(e.name, { l: e })
  for (const e of right) byName.set(e.name, { ...byName.get(e.name), r: e })
  const nested: Promise<void>[] = []
  for (const [name, { l, r }] of byName) {
    const path = joinDataPath(prefix, name)
    const lDir = l !== undefined && isDirEntry(l) ? l.tree : null
    const rDir = r !== undefined && isDirEntry(r) ? r.tree : null
    const lFile = l !== undefined && !isDirEntry(l) ? leafOf(l) : undefined
    const rFile = r !== undefined && !isDirEntry(r) ? leafOf(r) : undefined
    if (lDir !== null || rDir !== null) nested.push(diffDirs(store, lDir, rDir, path, out))
    if (lFile !== undefined || rFile !== undefined) {
      if (lFile === undefined) out.push({ path, after: rFile as FileLeaf })
      else if (rFile === undefined) out.push({ path, before: lFile })
      else if (!sameLeaf(lFile, rFile)) out.push({ path, before: lFile, after: rFile })
    }
  }
  await Promise.all(nested)
}

function leafOf(e: TreeEntry): FileLeaf {
  const { name: _name, ...leaf } = e as { name: string } & FileLeaf
  return leaf
}
