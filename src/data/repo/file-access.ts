import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { StrataError } from '../../core/errors.js'
import { blobKeyOf, mapLimit, verifyLocalFile } from '../objects/index.js'
import { isUnder, normalizeDataPath } from './data-paths.js'
import type { RepoContext } from './repo-context.js'
import type { Commit, FileEntry, Progress } from './repo-types.js'

/** The file at `path` in a commit, or `NOT_FOUND` (also when `path` is a directory). */
export async function fileAt(ctx: RepoContext, commit: Commit, path: string): Promise<FileEntry> {
  const p = normalizeDataPath(path)
  const found = await ctx.trees.lookup(commit.tree, p)
  if (found?.kind !== 'file') {
    throw new StrataError(
      'NOT_FOUND',
      found?.kind === 'dir'
        ? `"${p}" is a directory in ${commit.dataset}@${commit.id.slice(0, 12)}, not a file; list it with files()`
        : `${commit.dataset}@${commit.id.slice(0, 12)} has no file "${p}"`,
      { details: { dataset: commit.dataset, commit: commit.id, path: p } },
    )
  }
  return { path: p, ...found.leaf }
}

/** How a corruption error names a file: `file "data/x.csv" of dataset flights@main`. */
export function placeOf(dataset: string, ref: string, path: string): string {
  return `file "${path}" of dataset ${dataset}@${ref.length === 64 ? ref.slice(0, 12) : ref}`
}

/**
 * A local path holding exactly the file's bytes, verified: the blob itself when the store
 * keeps local files and the file is stored whole, re-hashed before it is handed out (DuckDB
 * reads it directly, so it cannot be hashed while it streams); otherwise a copy under
 * `<cacheDir>/objects/` (written through a verified read; re-used while its size matches,
 * after the same re-hash), named with the file's extension so tools can sniff it. A mismatch
 * is `DATA_LOSS` naming the object, `where` and `fsck`; a corrupt cached copy is rewritten.
 */
export async function localFileOf(ctx: RepoContext, file: FileEntry, where?: string): Promise<string> {
  const place = where ?? `file "${file.path}"`
  if (file.chunks === undefined && ctx.blobs.capabilities.localPaths && ctx.blobs.localPath !== undefined) {
    const local = ctx.blobs.localPath(blobKeyOf('object', file.object))
    if (local !== undefined) {
      const info = await stat(local).catch(() => undefined)
      if (info !== undefined) {
        await verifyLocalFile(local, file.object, place)
        return local
      }
    }
  }
  const name = file.path.slice(file.path.lastIndexOf('/') + 1)
  const ext = /(\.[A-Za-z0-9]{1,10}){1,2}$/.exec(name)?.[0] ?? ''
  const target = join(ctx.cacheDir, 'objects', file.object.slice(0, 2), `${file.object}${ext}`)
  const info = await stat(target).catch(() => undefined)
  if (info?.size === file.size && file.chunks === undefined) {
    const intact = await verifyLocalFile(target, file.object, place).then(
      () => true,
      () => false,
    )
    if (intact) return target
  } else if (info?.size === file.size) {
    // A chunked file's id is its manifest's: the cached copy was verified chunk by chunk when written.
    return target
  }
  await writeAtomically(ctx, file, target, place)
  return target
}

/** Streams a stored file to `target` through a temporary file and a rename. */
export async function writeAtomically(
  ctx: RepoContext,
  file: FileEntry,
  target: string,
  where?: string,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true })
  const temp = `${target}.${randomUUID().slice(0, 8)}.strata-tmp`
  try {
    await pipeline(
      await ctx.objects.open(file.object, file.chunks !== undefined, where ?? `file "${file.path}"`),
      createWriteStream(temp),
    )
    const written = (await stat(temp)).size
    if (written !== file.size) {
      throw new StrataError(
        'INTERNAL',
        `"${file.path}" came back with ${written} bytes instead of ${file.size}; run "strata data fsck"`,
      )
    }
    await rename(temp, target)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

/** Writes the files of a commit (optionally only under `paths`) into `dir`. */
export async function exportCommit(
  ctx: RepoContext,
  commit: Commit,
  dir: string,
  opts: { paths?: string[]; onProgress?: (p: Progress) => void; ref?: string } = {},
): Promise<{ files: number; bytes: number }> {
  const prefixes = (opts.paths ?? []).map((p) => normalizeDataPath(p, { allowRoot: true }))
  const all = await ctx.trees.list(commit.tree)
  const files = prefixes.length === 0 ? all : all.filter((f) => prefixes.some((p) => isUnder(f.path, p)))
  if (prefixes.length > 0 && files.length === 0) {
    throw new StrataError(
      'NOT_FOUND',
      `${commit.dataset}@${commit.id.slice(0, 12)} has no files under ${prefixes.map((p) => `"${p}"`).join(', ')}`,
    )
  }
  const total = files.length
  let done = 0
  let bytes = 0
  opts.onProgress?.({ phase: 'export', done, total, bytes })
  await mapLimit(files, 4, async (f) => {
    await writeAtomically(
      ctx,
      f,
      join(dir, ...f.path.split('/')),
      placeOf(commit.dataset, opts.ref ?? commit.id, f.path),
    )
    done++
    bytes += f.size
    opts.onProgress?.({ phase: 'export', done, total, bytes })
  })
  return { files: files.length, bytes }
}
