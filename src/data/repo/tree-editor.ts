import { StrataError } from '../../core/errors.js'
import type { ObjectId, ObjectWriter } from '../objects/index.js'
import { type FileLeaf, isDirEntry, type TreeEntry, type TreeStore } from './tree-store.js'

interface DirNode {
  /** The stored tree this node started from (`null` for a new directory). */
  id: ObjectId | null
  files: number
  size: number
  /** Loaded lazily, on the first edit below this directory. */
  children?: Map<string, Child>
  dirty: boolean
}

type Child = { kind: 'file'; leaf: FileLeaf } | { kind: 'dir'; node: DirNode }

/**
 * Applies file puts and deletes to a snapshot and writes the result. Only directories on the
 * paths of edits are loaded and re-written; every other subtree keeps its id, so a commit costs
 * in proportion to what it changes, not to the size of the dataset. Directories left empty
 * disappear.
 *
 * A file and a directory cannot share a path: putting `a/b` while `a` is a file (or `a` while
 * it is a directory) fails with `INVALID_ARGUMENT` naming the path, `details.path` and
 * `details.collision: true` (callers merging histories turn it into a conflict).
 */
export class TreeEditor {
  private readonly root: DirNode

  constructor(
    private readonly store: TreeStore,
    root: { id: ObjectId; files: number; size: number } | null,
  ) {
    this.root =
      root === null
        ? { id: null, files: 0, size: 0, children: new Map(), dirty: true }
        : { id: root.id, files: root.files, size: root.size, dirty: false }
  }

  /** Adds or replaces the file at `path`. */
  async put(path: string, leaf: FileLeaf): Promise<void> {
    const segments = path.split('/')
    const name = segments.pop() as string
    let dir = this.root
    const walked: string[] = []
    for (const segment of segments) {
      walked.push(segment)
      const children = await this.load(dir)
      dir.dirty = true
      const child = children.get(segment)
      if (child === undefined) {
        const node: DirNode = { id: null, files: 0, size: 0, children: new Map(), dirty: true }
        children.set(segment, { kind: 'dir', node })
        dir = node
      } else if (child.kind === 'file') {
        throw collision(walked.join('/'), path, 'a file')
      } else {
        dir = child.node
      }
    }
    const children = await this.load(dir)
    dir.dirty = true
    if (children.get(name)?.kind === 'dir') throw collision(path, path, 'a directory')
    children.set(name, { kind: 'file', leaf })
  }

  /** Removes the file at `path`, or every file under the directory `path` (`''`: everything). Resolves how many. */
  async remove(path: string): Promise<number> {
    if (path === '') {
      const n = this.root.files
      this.root.children = new Map()
      this.root.dirty = true
      return n
    }
    const segments = path.split('/')
    const name = segments.pop() as string
    const chain: DirNode[] = [this.root]
    let dir = this.root
    for (const segment of segments) {
      const child = (await this.load(dir)).get(segment)
      if (child?.kind !== 'dir') return 0
      dir = child.node
      chain.push(dir)
    }
    const children = await this.load(dir)
    const target = children.get(name)
    if (target === undefined) return 0
    children.delete(name)
    for (const d of chain) d.dirty = true
    return target.kind === 'file' ? 1 : target.node.files
  }

  /** Writes every changed directory (children first) and resolves the new root. */
  async write(writer: ObjectWriter): Promise<{ id: ObjectId; files: number; size: number }> {
    return this.writeNode(this.root, writer)
  }

  private async writeNode(
    node: DirNode,
    writer: ObjectWriter,
  ): Promise<{ id: ObjectId; files: number; size: number }> {
    if (!node.dirty && node.id !== null) return { id: node.id, files: node.files, size: node.size }
    const children = await this.load(node)
    const names = [...children.keys()]
    const written = await Promise.all(
      names.map(async (name): Promise<TreeEntry | undefined> => {
        const child = children.get(name) as Child
        if (child.kind === 'file') return { name, ...child.leaf }
        const sub = await this.writeNode(child.node, writer)
        return sub.files === 0 ? undefined : { name, tree: sub.id, files: sub.files, size: sub.size }
      }),
    )
    const entries = written.filter((e): e is TreeEntry => e !== undefined)
    let files = 0
    let size = 0
    for (const e of entries) {
      files += isDirEntry(e) ? e.files : 1
      size += e.size
    }
    const id = await this.store.put({ entries }, writer)
    Object.assign(node, { id, files, size, dirty: false })
    return { id, files, size }
  }

  private async load(node: DirNode): Promise<Map<string, Child>> {
    if (node.children !== undefined) return node.children
    const children = new Map<string, Child>()
    if (node.id !== null) {
      for (const e of (await this.store.get(node.id)).entries) {
        if (isDirEntry(e)) {
          children.set(e.name, {
            kind: 'dir',
            node: { id: e.tree, files: e.files, size: e.size, dirty: false },
          })
        } else {
          const { name, ...leaf } = e
          children.set(name, { kind: 'file', leaf })
        }
      }
    }
    node.children = children
    return children
  }
}

function collision(at: string, path: string, what: string): StrataError {
  return new StrataError(
    'INVALID_ARGUMENT',
    `cannot put "${path}": "${at}" is ${what} in this snapshot; delete "${at}" in the same commit first`,
    { details: { path: at, collision: true } },
  )
}
