import { randomUUID } from 'node:crypto'
import type { Stats } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { StoredObject } from '../objects/index.js'

/** A file must have been unmodified this long before it was read for its entry to be trusted. */
const RACY_MS = 2000
/** Entries kept at most (the oldest recorded go first). */
const MAX_ENTRIES = 1_000_000

type Entry = [size: number, mtimeMs: number, ino: number, id: string, chunks: number, recordedAt: number]

/**
 * Remembers the object of each local file committed before, keyed by absolute path, size,
 * modification time and inode (like git's index or DVC's state database), so re-committing a
 * directory reads and hashes only the files that changed.
 *
 * Trust rules: an entry is recorded only after the commit that stored the object was published
 * (a committed object is never garbage-collected), and only when the file had not been modified
 * for 2 s before it was read, so a write landing within the file system's timestamp
 * granularity cannot go unnoticed. Callers still confirm the object exists in the blob store
 * (one stat) before using a hit, which also covers a project whose blob store was switched.
 * The cache is a JSON file under the cache directory, replaced atomically; concurrent writers
 * may drop each other's entries, which only costs a re-hash.
 */
export class FileStatCache {
  private entries = new Map<string, Entry>()
  private loaded: Promise<void> | undefined
  private dirty = false

  constructor(private readonly file: string) {}

  /** The stored object for `path` if its size, mtime and inode still match. */
  async lookup(path: string, st: Stats): Promise<StoredObject | undefined> {
    await this.load()
    const e = this.entries.get(path)
    if (e === undefined || e[0] !== st.size || e[1] !== st.mtimeMs || e[2] !== st.ino) return undefined
    return e[4] > 0 ? { id: e[3], size: e[0], chunks: e[4] } : { id: e[3], size: e[0] }
  }

  /** Records what `path` (stat'ed at `readAt`, before it was read) was stored as. */
  record(path: string, st: Stats, stored: StoredObject, readAt: number): void {
    if (st.size !== stored.size || st.mtimeMs > readAt - RACY_MS) return
    this.entries.delete(path)
    this.entries.set(path, [st.size, st.mtimeMs, st.ino, stored.id, stored.chunks ?? 0, readAt])
    this.dirty = true
  }

  /** Writes the cache if it changed. */
  async save(): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string)
    await mkdir(dirname(this.file), { recursive: true })
    const temp = `${this.file}.${randomUUID().slice(0, 8)}.tmp`
    try {
      await writeFile(temp, JSON.stringify({ v: 1, entries: Object.fromEntries(this.entries) }))
      await rename(temp, this.file)
    } catch (err) {
      await rm(temp, { force: true })
      throw err
    }
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      try {
        const parsed = JSON.parse(await readFile(this.file, 'utf8')) as {
          v?: number
          entries?: Record<string, Entry>
        }
        if (parsed.v === 1 && parsed.entries !== undefined)
          this.entries = new Map(Object.entries(parsed.entries))
      } catch {
        // Missing or unreadable: start empty (the cache is only a hint).
      }
    })()
    return this.loaded
  }
}
