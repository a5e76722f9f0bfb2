import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { StrataError } from '../../core/errors.js'
import type { Tracing } from '../../core/tracing.js'
import type { LineageGraphStore } from '../../data/lineage/index.js'
import type { MetadataDatabase } from '../../db/index.js'
import {
  ensureDataset,
  type FeatureRegistry,
  type FeatureTables,
  type FeatureView,
  type RegisteredDefinition,
  type SourceContext,
  type SourceSnapshot,
  sha256,
  sourceAdapterOf,
} from '../definitions/index.js'
import { computeFeatureView } from './view-compute.js'
import { viewVersionNode } from './view-lineage.js'

/** Where the feature store keeps computed view data and how it reads sources. */
export interface ViewDataStoreConfig {
  /** How sources are read (engine, data repository, project root, connections). */
  sources: SourceContext
  metadata: MetadataDatabase
  registry: FeatureRegistry
  lineage: LineageGraphStore
  /** Stamps `computed_at`. */
  clock: Clock
  /** Times resolving, computing and committing (area `features`). */
  tracing: Tracing
  /** Local scratch and cache directory. */
  workDir: string
  /** Dataset holding computed feature views. */
  dataset: string
}

/** A feature view's computed data, ready for DuckDB. */
export interface ViewData {
  view: FeatureView
  version: RegisteredDefinition
  dataHash: string
  /** Local Parquet file of the computed rows. */
  path: string
  /** Dataset commit holding the data (null for data computed before views were always committed). */
  commitId: string | null
  /** Source dataset commit it was computed from (null for file sources). */
  sourceCommit: string | null
  /** The source snapshot it was computed from (a commit id, or a file signature). */
  sourceKey: string
  rows: number
  minTime: number | null
  maxTime: number | null
}

/**
 * Computes feature views to Parquet once per (definition data, source snapshot) and keeps the
 * result as a commit of the feature dataset, so features are versioned and carry lineage:
 * `feature-view-version:<view>/<version>` ← the source commit, and the computed commit ← the
 * view version.
 */
export class ViewDataStore {
  private readonly db: Kysely<FeatureTables>
  private readonly inflight = new Map<string, Promise<ViewData>>()

  constructor(private readonly config: ViewDataStoreConfig) {
    this.db = config.metadata.db.withTables<FeatureTables>()
  }

  /** The view's data for its current source snapshot, computing and committing it when new. */
  async get(view: FeatureView): Promise<ViewData> {
    const reading = sourceAdapterOf(view.source).reading
    if (reading.mode !== 'snapshot') {
      throw new StrataError(
        'INTERNAL',
        `feature view "${view.name}" is queried in ${reading.engine}; it is not computed to Parquet`,
      )
    }
    const version = await this.config.registry.resolve(view)
    const source = await this.config.tracing.timed('features', `resolve source ${view.name}`, () =>
      reading.snapshot(view, this.config.sources),
    )
    const dataHash = version.dataHash ?? ''
    const key = `${view.name}/${dataHash}/${source.key}`
    let pending = this.inflight.get(key)
    if (pending === undefined) {
      pending = this.load(view, version, source).finally(() => this.inflight.delete(key))
      this.inflight.set(key, pending)
    }
    return pending
  }

  private async load(
    view: FeatureView,
    version: RegisteredDefinition,
    source: SourceSnapshot,
  ): Promise<ViewData> {
    const dataHash = version.dataHash ?? ''
    const found = await this.db
      .selectFrom('features_computations')
      .selectAll()
      .where('view', '=', view.name)
      .where('data_hash', '=', dataHash)
      .where('source_key', '=', source.key)
      .executeTakeFirst()
    if (found !== undefined) {
      const path = await this.localPath(found.commit_id, found.path)
      if (path !== undefined) {
        await this.recordLineage(view, version, source.commit, found.commit_id)
        return {
          view,
          version,
          dataHash,
          path,
          commitId: found.commit_id,
          sourceCommit: source.commit,
          sourceKey: source.key,
          rows: Number(found.rows),
          minTime: found.min_time === null ? null : Number(found.min_time),
          maxTime: found.max_time === null ? null : Number(found.max_time),
        }
      }
    }
    const short = `${dataHash.slice(0, 12)}-${sha256(source.key).slice(0, 12)}`
    const out = join(this.config.workDir, 'computed', view.name, `${short}.parquet`)
    const { tracing } = this.config
    const computed = await tracing.timed('features', `compute ${view.name}`, () =>
      computeFeatureView({
        engine: this.config.sources.engine,
        view,
        source: source.relation,
        outPath: out,
        tempDir: join(this.config.workDir, 'tmp'),
      }),
    )
    const repo = this.config.sources.repository
    await ensureDataset(repo, this.config.dataset, 'Computed feature views (written by the feature store)')
    const storedPath = `${view.name}/${dataHash.slice(0, 12)}/data.parquet`
    const commit = await tracing.timed('features', `commit ${view.name}`, () =>
      repo.commit(this.config.dataset, {
        message: `compute ${view.name} v${version.version}${source.origin === null ? '' : ` from ${source.origin}`}`,
        changes: [{ path: storedPath, source: out }],
        metadata: { view: view.name, version: String(version.version), dataHash, sourceKey: source.key },
        allowEmpty: true,
      }),
    )
    const commitId = commit.id
    await this.db
      .insertInto('features_computations')
      .values({
        view: view.name,
        data_hash: dataHash,
        source_key: source.key,
        commit_id: commitId,
        path: storedPath,
        rows: computed.rows,
        min_time: computed.minTime,
        max_time: computed.maxTime,
        computed_at: this.config.clock.now(),
      })
      .onConflict((oc) => oc.columns(['view', 'data_hash', 'source_key']).doNothing())
      .execute()
    await this.recordLineage(view, version, source.commit, commitId)
    return {
      view,
      version,
      dataHash,
      path: out,
      commitId,
      sourceCommit: source.commit,
      sourceKey: source.key,
      rows: computed.rows,
      minTime: computed.minTime,
      maxTime: computed.maxTime,
    }
  }

  /**
   * The local Parquet of the view's data computed earlier from source snapshot `sourceKey`, or
   * `undefined` when there is no such computation (or its data is gone).
   */
  async computedPath(view: FeatureView, dataHash: string, sourceKey: string): Promise<string | undefined> {
    const found = await this.db
      .selectFrom('features_computations')
      .select(['commit_id', 'path'])
      .where('view', '=', view.name)
      .where('data_hash', '=', dataHash)
      .where('source_key', '=', sourceKey)
      .executeTakeFirst()
    return found === undefined ? undefined : this.localPath(found.commit_id, found.path)
  }

  /** Where a recorded computation's Parquet is locally; `undefined` when it must be computed again. */
  private async localPath(commitId: string | null, path: string): Promise<string | undefined> {
    // Rows without a commit were kept only in a local cache, which may be gone.
    if (commitId === null) return (await stat(path).catch(() => undefined)) === undefined ? undefined : path
    return this.config.sources.repository.localFile(this.config.dataset, commitId, path)
  }

  private async recordLineage(
    view: FeatureView,
    version: RegisteredDefinition,
    sourceCommit: string | null,
    computedCommit: string | null,
  ): Promise<void> {
    const lineage = this.config.lineage
    const node = {
      id: viewVersionNode(view.name, version.version),
      label: `${view.name} v${version.version}`,
    }
    if (sourceCommit !== null) {
      await lineage.record({ inputs: [`dataset-commit:${sourceCommit}`], output: node, activity: 'define' })
    } else await lineage.upsertNode(node)
    if (computedCommit !== null) {
      await lineage.record({
        inputs: [node],
        output: `dataset-commit:${computedCommit}`,
        activity: 'compute',
      })
    }
  }
}
