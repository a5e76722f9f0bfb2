import { randomUUID } from 'node:crypto'
import { createWriteStream, type Stats, statSync } from 'node:fs'
import { mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { isStrataError, StrataError } from '../../core/errors.js'
import { mapLimit, type ObjectWriter, type StoredObject, sha256Hex } from '../objects/index.js'
import { contentTypeOf, joinDataPath, normalizeDataPath } from './data-paths.js'
import type { FileStatCache } from './file-stat-cache.js'
import type { RepoContext } from './repo-context.js'
import type { DeclaredSchema, FileChange, Progress, TableSchema, ValidationIssue } from './repo-types.js'
import type { TableFormat } from './tabular-hooks.js'
import type { FileLeaf } from './tree-store.js'

/** An edit to apply to the base snapshot, in the order the changes were given. */
export type StagedOp = { kind: 'put'; path: string; leaf: FileLeaf } | { kind: 'delete'; path: string }

type Input =
  | { type: 'file'; local: string; spooled?: boolean }
  | { type: 'bytes'; bytes: Uint8Array }
  | { type: 'stream'; stream: AsyncIterable<Uint8Array> }

type Item =
  | { kind: 'delete'; path: string }
  | { kind: 'put'; path: string; input: Input; table?: TableSchema }

/** Options of {@link stageChanges}. */
export interface StageOptions {
  writer: ObjectWriter
  schema: DeclaredSchema | null
  /** The base snapshot's file at a path, to reuse schemas of unchanged tabular files. */
  baseLeaf: (path: string) => Promise<FileLeaf | undefined>
  onProgress?: ((p: Progress) => void) | undefined
  /** Maximum validation issues reported per file. */
  maxIssues?: number
  /** Skips reading local files whose size, mtime and inode match a previous commit. */
  statCache?: FileStatCache | undefined
}

/** The edits, and what to remember once the commit is published. */
export interface StagedChanges {
  ops: StagedOp[]
  /** Records the local files' objects in the stat cache; call only after the commit was published. */
  remember(): Promise<void>
}

/** Files stored at once. */
const STORE_CONCURRENCY = 16

/**
 * Turns a commit's changes into edits: expands directories, infers the schema of every new
 * tabular file and checks it against the dataset's declared schema — all before any object is
 * uploaded, so a rejected commit writes nothing — then stores the files' objects.
 * Rejects with `INVALID_ARGUMENT` and `details.issues` (file, row, column, value, expected)
 * when any file is malformed or breaks the declared schema.
 */
export async function stageChanges(
  ctx: RepoContext,
  changes: FileChange[],
  opts: StageOptions,
): Promise<StagedChanges> {
  const spool = join(ctx.cacheDir, 'tmp', randomUUID())
  try {
    const items = await expand(changes)
    const puts = items.filter((i): i is Extract<Item, { kind: 'put' }> => i.kind === 'put')
    await inspectTables(ctx, puts, spool, opts)
    const total = puts.length
    let done = 0
    let bytes = 0
    opts.onProgress?.({ phase: 'store', done, total, bytes })
    const seen: { local: string; st: Stats; stored: StoredObject; readAt: number }[] = []
    const cache = opts.statCache
    const leaves = await mapLimit(puts, STORE_CONCURRENCY, async (item) => {
      let stored: StoredObject
      const input = item.input
      if (input.type === 'file' && cache !== undefined && input.spooled !== true) {
        // Compared with the file's mtime (racy-stat check): the wall clock, not the context clock.
        const readAt = Date.now()
        // Synchronous: a page-cached stat takes microseconds, an async one a thread-pool round trip.
        const st = statSync(input.local)
        const hit = await cache.lookup(input.local, st)
        stored =
          hit !== undefined && (await opts.writer.confirm(hit)) ? hit : await opts.writer.putFile(input.local)
        seen.push({ local: input.local, st, stored, readAt })
      } else {
        stored =
          input.type === 'file'
            ? await opts.writer.putFile(input.local)
            : input.type === 'bytes'
              ? await opts.writer.putBytes(input.bytes)
              : await opts.writer.putStream(input.stream)
      }
      done++
      bytes += stored.size
      opts.onProgress?.({ phase: 'store', done, total, bytes })
      const leaf: FileLeaf = { object: stored.id, size: stored.size, contentType: contentTypeOf(item.path) }
      if (stored.chunks !== undefined) leaf.chunks = stored.chunks
      if (item.table !== undefined) leaf.table = item.table
      return leaf
    })
    const byItem = new Map(puts.map((p, i) => [p, leaves[i] as FileLeaf]))
    const ops = items.map(
      (i): StagedOp =>
        i.kind === 'delete' ? i : { kind: 'put', path: i.path, leaf: byItem.get(i) as FileLeaf },
    )
    return {
      ops,
      remember: async () => {
        if (cache === undefined) return
        for (const s of seen) cache.record(s.local, s.st, s.stored, s.readAt)
        await cache.save()
      },
    }
  } finally {
    await rm(spool, { recursive: true, force: true })
  }
}

/** Expands `source` directories into files; validates every path. */
async function expand(changes: FileChange[]): Promise<Item[]> {
  const items: Item[] = []
  for (const change of changes) {
    if (typeof change !== 'object' || change === null) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `a change must be an object with a path, got ${String(change)}`,
      )
    }
    if ('delete' in change) {
      items.push({ kind: 'delete', path: normalizeDataPath(change.path, { allowRoot: true }) })
    } else if ('source' in change) {
      const info = await stat(change.source).catch((err: unknown) => {
        throw new StrataError('NOT_FOUND', `cannot read ${change.source}: ${(err as Error).message}`, {
          cause: err,
          details: { source: change.source },
        })
      })
      if (info.isDirectory()) {
        const prefix = normalizeDataPath(change.path, { allowRoot: true })
        for (const f of await walkDir(change.source)) {
          items.push({
            kind: 'put',
            path: normalizeDataPath(joinDataPath(prefix, f.rel)),
            input: { type: 'file', local: f.abs },
          })
        }
      } else if (info.isFile()) {
        items.push({
          kind: 'put',
          path: normalizeDataPath(change.path),
          input: { type: 'file', local: change.source },
        })
      } else {
        throw new StrataError('INVALID_ARGUMENT', `${change.source} is neither a file nor a directory`)
      }
    } else if ('bytes' in change) {
      items.push({
        kind: 'put',
        path: normalizeDataPath(change.path),
        input: { type: 'bytes', bytes: change.bytes },
      })
    } else if ('stream' in change) {
      items.push({
        kind: 'put',
        path: normalizeDataPath(change.path),
        input: { type: 'stream', stream: change.stream },
      })
    } else {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `change for ${JSON.stringify((change as { path?: unknown }).path)} has none of source, bytes, stream or delete`,
      )
    }
  }
  return items
}

/** Regular files under `dir` (following symlinks, each directory once), with `/`-separated relative paths, sorted. */
async function walkDir(dir: string): Promise<{ rel: string; abs: string }[]> {
  const out: { rel: string; abs: string }[] = []
  const visited = new Set<string>()
  const visit = async (abs: string, rel: string): Promise<void> => {
    const real = await realpath(abs)
    if (visited.has(real)) return
    visited.add(real)
    const entries = await readdir(abs, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      const childAbs = join(abs, e.name)
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`
      let isDir = e.isDirectory()
      let isFile = e.isFile()
      if (e.isSymbolicLink()) {
        const s = await stat(childAbs).catch(() => undefined)
        isDir = s?.isDirectory() ?? false
        isFile = s?.isFile() ?? false
      }
      if (isDir) await visit(childAbs, childRel)
      else if (isFile) out.push({ rel: childRel, abs: childAbs })
    }
  }
  await visit(dir, '')
  return out
}

/** Infers and validates every tabular file; rejects the commit when any has issues. */
async function inspectTables(
  ctx: RepoContext,
  puts: Extract<Item, { kind: 'put' }>[],
  spool: string,
  opts: StageOptions,
): Promise<void> {
  const tabular = await ctx.tabular()
  const tables = puts.flatMap((item) => {
    const format = tabular.detect(item.path)
    return format === undefined ? [] : [{ item, format }]
  })
  if (tables.length === 0) return
  const issues: ValidationIssue[] = []
  let done = 0
  opts.onProgress?.({ phase: 'validate', done, total: tables.length, bytes: 0 })
  await mapLimit(tables, 2, async ({ item, format }) => {
    const local = await localCopy(item, spool)
    const reused = await reusableSchema(item.path, local, format, opts)
    if (reused !== undefined) item.table = reused
    else {
      try {
        item.table = await tabular.infer(ctx.engine, local, format, item.path)
        if (opts.schema !== null) {
          issues.push(
            ...(await tabular.validate(
              ctx.engine,
              local,
              format,
              opts.schema,
              item.path,
              opts.maxIssues ?? 20,
            )),
          )
        }
      } catch (err) {
        if (!isStrataError(err, 'INVALID_ARGUMENT')) throw err
        const line = (err as { details?: { line?: unknown } }).details?.line
        issues.push({
          file: item.path,
          row: typeof line === 'number' ? line : null,
          column: null,
          value: null,
          expected: `a well-formed ${format} file`,
          message: err.message,
        })
      }
    }
    done++
    opts.onProgress?.({ phase: 'validate', done, total: tables.length, bytes: 0 })
  })
  if (issues.length === 0) return
  const files = new Set(issues.map((i) => i.file))
  const first = issues[0] as ValidationIssue
  throw new StrataError(
    'INVALID_ARGUMENT',
    // every issue's message names its file, line and column
    `commit rejected, nothing was committed: ${issues.length} ${issues.length === 1 ? 'problem' : 'problems'} in ${files.size} ${files.size === 1 ? 'file' : 'files'}; first: ${first.message}`,
    { details: { issues } },
  )
}

/** The schema of the base snapshot's file at the same path when its bytes are unchanged (small files only). */
async function reusableSchema(
  path: string,
  local: string,
  format: TableFormat,
  opts: StageOptions,
): Promise<TableSchema | undefined> {
  const base = await opts.baseLeaf(path)
  if (base?.table === undefined || base.chunks !== undefined || base.table.format !== format) return undefined
  const info = await stat(local)
  if (info.size !== base.size || info.size > 64 * 1024 * 1024) return undefined
  return sha256Hex(await readFile(local)) === base.object ? base.table : undefined
}

/** A local file with the item's bytes: the source itself, or a spooled copy (which then becomes the input). */
async function localCopy(item: Extract<Item, { kind: 'put' }>, spool: string): Promise<string> {
  if (item.input.type === 'file') return item.input.local
  await mkdir(spool, { recursive: true })
  // Keep the name's extensions (".csv.gz"): DuckDB picks decompression from them.
  const name = item.path.slice(item.path.lastIndexOf('/') + 1)
  const local = join(spool, `${randomUUID()}-${name.replace(/[^A-Za-z0-9._-]/g, '_') || extname(name)}`)
  if (item.input.type === 'bytes') await writeFile(local, item.input.bytes)
  else await pipeline(item.input.stream, createWriteStream(local))
  item.input = { type: 'file', local, spooled: true }
  return local
}
