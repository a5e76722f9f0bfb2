import { blobKeyProblem } from '../core/blob-key.js'
import { isStrataError, StrataError } from '../core/errors.js'
import type { BlobInfo, BlobStore } from '../ports/index.js'
import type { ArtifactEntry } from './tracking-types.js'

/** The URI scheme of artifacts Strata serves itself (MLflow's artifact proxy). */
export const PROXIED_ARTIFACT_SCHEME = 'mlflow-artifacts:'

/**
 * The artifact path behind a `mlflow-artifacts:` URI (`mlflow-artifacts:/1/abc` → `1/abc`,
 * also with `//host` authority), or `undefined` for URIs Strata does not store (s3://, file paths).
 */
export function proxiedArtifactPath(uri: string): string | undefined {
  if (!uri.startsWith(PROXIED_ARTIFACT_SCHEME)) return undefined
  let rest = uri.slice(PROXIED_ARTIFACT_SCHEME.length)
  if (rest.startsWith('//')) rest = rest.slice(2).replace(/^[^/]*/, '')
  return rest.replace(/^\/+/, '').replace(/\/+$/, '')
}

/** Joins artifact path parts, skipping empty ones. */
export function joinArtifactPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/')
}

/**
 * Artifact files in the BlobStore under `artifacts/`, addressed by the paths of MLflow's
 * artifact proxy: a run's files live at `<experimentId>/<runId>/<path>` (blob key
 * `artifacts/<experimentId>/<runId>/<path>`), a logged model's at
 * `<experimentId>/models/<modelId>/artifacts/<path>`. Listing is directory-like, as MLflow's
 * `list_artifacts`: the direct children of a directory, sub-directories marked `isDir`.
 */
export class ArtifactStore {
  constructor(
    private readonly blobs: BlobStore,
    private readonly root = 'artifacts',
  ) {}

  /** The blob key of an artifact path; `INVALID_ARGUMENT` for absolute paths, `..` and the like. */
  key(path: string): string {
    const clean = path.replace(/^\/+/, '')
    const problem = clean === '' ? 'it is empty' : blobKeyProblem(clean)
    if (problem !== undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `invalid artifact path ${JSON.stringify(path)}: ${problem}; expected a relative path such as "model/model.onnx" without "..", "." or empty segments`,
        { details: { path } },
      )
    }
    return `${this.root}/${clean}`
  }

  /** Stores a file (atomically replacing an existing one). */
  put(path: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    return this.blobs.put(this.key(path), body)
  }

  /** Streams a file; `NOT_FOUND` when missing. */
  async get(path: string): Promise<AsyncIterable<Uint8Array>> {
    const key = this.key(path)
    try {
      return await this.blobs.get(key)
    } catch (err) {
      if (isStrataError(err, 'NOT_FOUND')) {
        throw new StrataError('NOT_FOUND', `artifact "${path}" does not exist`, {
          details: { path },
          cause: err,
        })
      }
      throw err
    }
  }

  /** Size of a file, or `undefined` when it is missing (or a directory). */
  async stat(path: string): Promise<{ path: string; size: number } | undefined> {
    const info = await this.blobs.stat(this.key(path))
    return info ? { path, size: info.size } : undefined
  }

  /**
   * The direct children of directory `dir` (`''` = the root), sorted by path; paths are
   * `dir/<name>`. A file path or a missing directory lists as empty.
   */
  async list(dir = ''): Promise<ArtifactEntry[]> {
    const clean = dir.replace(/^\/+/, '').replace(/\/+$/, '')
    const prefix = clean === '' ? `${this.root}/` : `${this.key(clean)}/`
    const entries = new Map<string, ArtifactEntry>()
    for await (const blob of this.blobs.list(prefix)) {
      const rest = blob.key.slice(prefix.length)
      const slash = rest.indexOf('/')
      const name = slash < 0 ? rest : rest.slice(0, slash)
      const path = joinArtifactPath(clean, name)
      if (slash >= 0) entries.set(path, { path, isDir: true })
      else if (!entries.has(path)) entries.set(path, { path, isDir: false, fileSize: blob.size })
    }
    return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }

  /** Every file under `dir` (recursively), with paths relative to the store's root. */
  async *walk(dir = ''): AsyncIterable<{ path: string; size: number }> {
    const clean = dir.replace(/^\/+/, '').replace(/\/+$/, '')
    const prefix = clean === '' ? `${this.root}/` : `${this.key(clean)}/`
    for await (const blob of this.blobs.list(prefix)) {
      yield { path: blob.key.slice(this.root.length + 1), size: blob.size }
    }
  }

  /** Deletes a file, or every file under a directory; deleting nothing is not an error. */
  async delete(path: string): Promise<number> {
    const key = this.key(path)
    let n = 0
    if (await this.blobs.stat(key)) {
      await this.blobs.delete(key)
      n++
    }
    const under: string[] = []
    for await (const blob of this.blobs.list(`${key}/`)) under.push(blob.key)
    for (const k of under) await this.blobs.delete(k)
    return n + under.length
  }
}
