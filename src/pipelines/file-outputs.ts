import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { pipeline as streamPipeline } from 'node:stream/promises'
import { StrataError } from '../core/errors.js'
import type { BlobStore } from '../ports/index.js'

/** A file a command step writes to its step directory, declared in its `outputs` with {@link file}. */
export interface FileOutput {
  readonly kind: 'file'
  /** Where the command writes it, relative to the step directory (`model.onnx`, `out/report.html`). */
  readonly path: string
}

/**
 * A stored output file, as the step's JSON output carries it: content-addressed in the blob
 * store (`pipelines/files/<aa>/<sha256>`). A step that reads it gets `path`, a local copy (in
 * a command step's directory: `inputs/<input>/<field>/<name>`).
 */
export interface FileRef {
  /** The file's name (the declared path's last segment). */
  file: string
  sha256: string
  size: number
  /** Where it was materialized for the reading step; absent in the stored output. */
  path?: string
}

/**
 * Declares an output file of a command step: after the command exits 0 the engine reads
 * `path` from the step directory (`{outputs.<field>}` and `$STRATA_STEP_DIR/<path>`), stores it
 * content-addressed in the blob store with lineage, and passes a {@link FileRef} to the steps
 * that read it (a downstream command step gets the file in its own step directory). A declared
 * file that is missing fails the step naming it.
 *
 * @example
 * outputs: { model: file('model.onnx'), accuracy: 'number' }
 */
export function file(path: string): FileOutput {
  if (path === '' || path.startsWith('/') || path.split(/[\\/]/).some((p) => p === '..' || p === '')) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `file("${path}") is invalid; give a relative path inside the step directory, e.g. file('model.onnx')`,
    )
  }
  return { kind: 'file', path }
}

/** Declares a JSON output field of any shape: the same as the type `'json'`. */
export function json(): 'json' {
  return 'json'
}

/** True for a declared output file. */
export function isFileOutput(v: unknown): v is FileOutput {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'file'
}

/** True for a stored output file's reference in a JSON value. */
export function isFileRef(v: unknown): v is FileRef {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const r = v as Record<string, unknown>
  return (
    typeof r.file === 'string' &&
    typeof r.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(r.sha256) &&
    typeof r.size === 'number'
  )
}

/** The blob key of a stored output file. */
export function fileKey(sha256: string): string {
  return `pipelines/files/${sha256.slice(0, 2)}/${sha256}`
}

/** The lineage node of a stored output file. */
export function fileNode(sha256: string): string {
  return `pipeline-file:${sha256}`
}

/** The stored files of an output value: its top-level fields that are {@link FileRef}s. */
export function fileRefs(value: unknown): FileRef[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return []
  return Object.values(value).filter(isFileRef)
}

/** Stores a local file content-addressed (once per content) and returns its reference. */
export async function storeFile(blobs: BlobStore, path: string): Promise<FileRef> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  const sha256 = hash.digest('hex')
  if ((await blobs.stat(fileKey(sha256))) === undefined)
    await blobs.put(fileKey(sha256), createReadStream(path))
  return { file: basename(path), sha256, size }
}

/** True when `path` is a regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** Writes a stored file to `path` (atomically: a temp file renamed), `INTERNAL` when its blob is missing. */
export async function fetchFile(blobs: BlobStore, ref: FileRef, path: string): Promise<void> {
  if ((await blobs.stat(fileKey(ref.sha256))) === undefined) {
    throw new StrataError(
      'INTERNAL',
      `pipeline file ${ref.file} (${ref.sha256}) is recorded but its blob ${fileKey(ref.sha256)} is missing`,
    )
  }
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  await streamPipeline(await blobs.get(fileKey(ref.sha256)), createWriteStream(tmp))
  await rename(tmp, path)
}

/**
 * An input value with the files it references made local: each top-level {@link FileRef} is
 * written to `dirFor(field, ref)/<name>` and gets its `path`.
 */
export async function materializeFiles(
  blobs: BlobStore,
  value: unknown,
  dirFor: (field: string, ref: FileRef) => string,
): Promise<unknown> {
  if (fileRefs(value).length === 0) return value
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) }
  for (const [field, v] of Object.entries(out)) {
    if (!isFileRef(v)) continue
    const path = join(dirFor(field, v), v.file)
    if (!(await isFile(path))) await fetchFile(blobs, v, path)
    out[field] = { ...v, path }
  }
  return out
}

/** The local directory TypeScript steps get stored files in: one per content, so never stale. */
export function fileCacheDir(ref: FileRef): string {
  return join(tmpdir(), 'strata-pipeline-files', ref.sha256)
}
