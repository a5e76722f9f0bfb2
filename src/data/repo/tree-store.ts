import { compareUtf8 } from '../../core/blob-key.js'
import { StrataError } from '../../core/errors.js'
import {
  canonicalJson,
  isObjectId,
  type ObjectId,
  type ObjectStore,
  type ObjectWriter,
  sha256Hex,
} from '../objects/index.js'
import { joinDataPath } from './data-paths.js'
import type { FileEntry } from './repo-types.js'

/** A file as a tree records it (a {@link FileEntry} without its path). */
export type FileLeaf = Omit<FileEntry, 'path'>

/** One entry of a stored directory. */
export type TreeEntry =
  | ({ name: string } & FileLeaf)
  | { name: string; tree: ObjectId; files: number; size: number }

/** A stored directory: its entries sorted by name in UTF-8 byte order. */
export interface TreeObject {
  entries: TreeEntry[]
}

/** True for a subdirectory entry. */
export function isDirEntry(e: TreeEntry): e is Extract<TreeEntry, { tree: ObjectId }> {
  return 'tree' in e
}

/** Serializes a directory canonically; its SHA-256 is the tree id. */
export function encodeTree(tree: TreeObject): { id: ObjectId; bytes: Uint8Array } {
  const entries = [...tree.entries].sort((a, b) => compareUtf8(a.name, b.name))
  const bytes = Buffer.from(canonicalJson({ v: 1, entries }), 'utf8')
  return { id: sha256Hex(bytes), bytes }
}

/** The id of the empty directory. */
export const EMPTY_TREE_ID = encodeTree({ entries: [] }).id

/** What a path names in a tree. */
export type TreeLookup =
  | { kind: 'file'; leaf: FileLeaf }
  | { kind: 'dir'; tree: ObjectId; files: number; size: number }

/**
 * Reads the directory objects of dataset snapshots. Trees are immutable (named by their hash),
 * so parsed ones are kept in a bounded cache and shared by every operation.
 */
export class TreeStore {
  private readonly cache = new Map<ObjectId, TreeObject>()

  constructor(
    readonly objects: ObjectStore,
    private readonly cacheSize = 4096,
  ) {}

  /**
   * One directory; `INTERNAL` when it is missing or does not hash to its id. `fresh` reads
   * (and re-verifies) it from the blob store even when cached, for fsck.
   */
  async get(id: ObjectId, fresh = false): Promise<TreeObject> {
    const hit = fresh ? undefined : this.cache.get(id)
    if (hit !== undefined) {
      this.cache.delete(id)
      this.cache.set(id, hit)
      return hit
    }
    if (id === EMPTY_TREE_ID) return { entries: [] }
    let bytes: Buffer
    try {
      bytes = await this.objects.readBlob('tree', id)
    } catch (err) {
      throw new StrataError('INTERNAL', `tree ${id} cannot be read: ${(err as Error).message}`, {
        cause: err,
      })
    }
    const tree = parseTree(bytes, id)
    this.cache.set(id, tree)
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string)
    return tree
  }

  /** Stores a directory (unless this writer already did) and returns its id. */
  async put(tree: TreeObject, writer: ObjectWriter): Promise<ObjectId> {
    const { id, bytes } = encodeTree(tree)
    await writer.putRaw('tree', id, bytes)
    return id
  }

  /** What `path` names under the tree `root` (`''` is the root itself). */
  async lookup(root: ObjectId, path: string): Promise<TreeLookup | undefined> {
    if (path === '') {
      const t = await this.get(root)
      const files = t.entries.reduce((n, e) => n + (isDirEntry(e) ? e.files : 1), 0)
      const size = t.entries.reduce((n, e) => n + e.size, 0)
      return { kind: 'dir', tree: root, files, size }
    }
    let dir = root
    const segments = path.split('/')
    for (let i = 0; i < segments.length; i++) {
      const entry = findEntry(await this.get(dir), segments[i] as string)
      if (entry === undefined) return undefined
      const last = i === segments.length - 1
      if (isDirEntry(entry)) {
        if (last) return { kind: 'dir', tree: entry.tree, files: entry.files, size: entry.size }
        dir = entry.tree
      } else {
        if (!last) return undefined
        const { name: _name, ...leaf } = entry
        return { kind: 'file', leaf }
      }
    }
    return undefined
  }

  /** Every file under `root`, depth first; `prefix` is prepended to the paths. */
  async *walk(root: ObjectId, prefix = ''): AsyncGenerator<FileEntry> {
    const tree = await this.get(root)
    for (const e of tree.entries) {
      const path = joinDataPath(prefix, e.name)
      if (isDirEntry(e)) yield* this.walk(e.tree, path)
      else {
        const { name: _name, ...leaf } = e
        yield { path, ...leaf }
      }
    }
  }

  /** The files under `prefix` (a directory or a single file), sorted by path in UTF-8 byte order. */
  async list(root: ObjectId, prefix = ''): Promise<FileEntry[]> {
    const found = await this.lookup(root, prefix)
    if (found === undefined) return []
    if (found.kind === 'file') return [{ path: prefix, ...found.leaf }]
    const out: FileEntry[] = []
    for await (const f of this.walk(found.tree, prefix)) out.push(f)
    return out.sort((a, b) => compareUtf8(a.path, b.path))
  }
}

/** Binary search by name (entries are sorted in UTF-8 byte order). */
export function findEntry(tree: TreeObject, name: string): TreeEntry | undefined {
  let lo = 0
  let hi = tree.entries.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const e = tree.entries[mid] as TreeEntry
    const c = compareUtf8(e.name, name)
    if (c === 0) return e
    if (c < 0) lo = mid + 1
    else hi = mid - 1
  }
  return undefined
}

function parseTree(bytes: Buffer, id: ObjectId): TreeObject {
  const fail = (why: string) =>
    new StrataError('INTERNAL', `tree ${id} is corrupt: ${why}; run "strata data fsck"`, {
      details: { tree: id },
    })
  if (sha256Hex(bytes) !== id) throw fail('its bytes do not hash to its id')
  let parsed: { v?: unknown; entries?: unknown }
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed
  } catch {
    throw fail('it is not JSON')
  }
  if (parsed.v !== 1 || !Array.isArray(parsed.entries)) throw fail('it lacks version 1 or entries')
  for (const e of parsed.entries as Record<string, unknown>[]) {
    const ok =
      typeof e.name === 'string' &&
      typeof e.size === 'number' &&
      (isObjectId(e.tree)
        ? typeof e.files === 'number'
        : isObjectId(e.object) && typeof e.contentType === 'string')
    if (!ok) throw fail(`entry ${JSON.stringify(e).slice(0, 200)} is malformed`)
  }
  return { entries: parsed.entries as TreeEntry[] }
}
