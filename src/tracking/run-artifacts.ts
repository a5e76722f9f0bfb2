/**
 * A run's artifact files in the artifact store, under the run's artifact root (paths relative
 * to it): store, list, open and delete.
 */
import { StrataError } from '../core/errors.js'
import { type ArtifactStore, joinArtifactPath, proxiedArtifactPath } from './artifact-store.js'
import { requireActiveRunRow, requireRunRow, type TrackingDb } from './tracking-context.js'
import type { ArtifactEntry } from './tracking-types.js'

/** The artifacts of the runs of one database in one artifact store. */
export class RunArtifacts {
  constructor(
    private readonly db: TrackingDb,
    private readonly store: ArtifactStore,
  ) {}

  /** The artifact-store path of a run's artifact root (`<experimentId>/<runId>` by default). */
  async root(runId: string): Promise<string> {
    const row = await requireRunRow(this.db, runId)
    const root = proxiedArtifactPath(row.artifact_uri)
    if (root === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `run "${runId}" keeps its artifacts at ${row.artifact_uri}, outside Strata's blob store; read them from there`,
        { details: { runId, artifactUri: row.artifact_uri } },
      )
    }
    return root
  }

  /** Stores one artifact file of an active run at `path`. */
  async put(runId: string, path: string, body: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await requireActiveRunRow(this.db, runId)
    await this.store.put(joinArtifactPath(await this.root(runId), this.relative(path)), body)
  }

  /** The direct children of `dir`; paths are relative to the run's root. */
  async list(runId: string, dir = ''): Promise<ArtifactEntry[]> {
    const root = await this.root(runId)
    const clean = this.relative(dir, true)
    const entries = await this.store.list(joinArtifactPath(root, clean))
    return entries.map((e) => ({ ...e, path: e.path.slice(root.length + 1) }))
  }

  /** Streams one artifact file; `NOT_FOUND` when missing. */
  async open(runId: string, path: string): Promise<AsyncIterable<Uint8Array>> {
    return this.store.get(joinArtifactPath(await this.root(runId), this.relative(path)))
  }

  /** Deletes an artifact file or directory; resolves the number of files removed. */
  async delete(runId: string, path: string): Promise<number> {
    return this.store.delete(joinArtifactPath(await this.root(runId), this.relative(path)))
  }

  private relative(path: string, allowEmpty = false): string {
    const clean = path.replace(/^\/+/, '').replace(/\/+$/, '')
    if (clean === '' && allowEmpty) return ''
    this.store.key(clean)
    return clean
  }
}
