import { stat } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import type { Kysely } from 'kysely'
import { StrataError } from '../core/errors.js'
import type { LineageGraphStore } from '../data/lineage/index.js'
import type { MetadataDatabase } from '../db/index.js'
import type { TableEngine } from '../ports/index.js'
import { timed } from './debug-timer.js'
import { ensureDataset, type FeatureDataRepository } from './feature-data-repository.js'
import type { FeatureRegistry, RegisteredDefinition } from './feature-registry.js'
import { sha256 } from './feature-spec.js'
import type { FeatureView } from './feature-view.js'
import type { FeatureTables } from './features-migrations.js'
import { fileRelation } from './sql.js'
import { computeFeatureView } from './view-compute.js'

/** Where the feature store keeps computed view data and how it reads sources. */
export interface ViewDataStoreConfig {
  engine: TableEngine
  metadata: MetadataDatabase
  registry: FeatureRegistry
  repository: FeatureDataRepository | undefined
  lineage: LineageGraphStore | undefined
  /** Local scratch and cache directory. */
  workDir: string
  /** Project root: relative file-source paths resolve against it. */
  root: string
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
  /** Dataset commit holding the data (null without a data repository). */
  commitId: string | null
  /** Source dataset commit it was computed from (null for file sources). */
  sourceCommit: string | null
  rows: number
  minTime: number | null
  maxTime: number | null
}

/** A view's source as DuckDB reads it, with the snapshot it represents. */
export interface ResolvedSource {
  relation: string
  /** Changes whenever the source's content may have changed. */
  key: string
  /** The dataset commit, for dataset sources. */
  commit: string | null
}

const FORMAT_EXT = { parquet: /\.parquet$/i, csv: /\.csv$/i, json: /\.jsonl?$/i } as const

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
    if (view.source.kind === 'postgres') {
      throw new StrataError(
        'INTERNAL',
        `feature view "${view.name}" reads Postgres; it is not computed to Parquet`,
      )
    }
    const version = await this.config.registry.resolve(view)
    const source = await timed(`resolve source ${view.name}`, () => this.resolveSource(view))
    const dataHash = version.dataHash ?? ''
    const key = `${view.name}/${dataHash}/${source.key}`
    let pending = this.inflight.get(key)
    if (pending === undefined) {
      pending = this.load(view, version, source).finally(() => this.inflight.delete(key))
      this.inflight.set(key, pending)
    }
    return pending
  }

  /** Resolves a dataset or file source to a DuckDB relation and a snapshot key. */
  async resolveSource(view: FeatureView): Promise<ResolvedSource> {
    const source = view.source
    if (source.kind === 'dataset') {
      const repo = this.requireRepository(`feature view "${view.name}" reads dataset "${source.dataset}"`)
      const commit = await repo.resolve(source.dataset, source.ref)
      const files = await repo.files(
        source.dataset,
        commit.id,
        source.path === undefined ? {} : { prefix: source.path },
      )
      const wanted = files
        .map((f) => f.path)
        .filter((p) => p === source.path || FORMAT_EXT[source.format].test(p))
        .sort()
      if (wanted.length === 0) {
        throw new StrataError(
          'NOT_FOUND',
          `feature view "${view.name}": dataset ${source.dataset}@${source.ref} has no ${source.format} file at "${source.path ?? ''}"`,
        )
      }
      const local = await Promise.all(wanted.map((p) => repo.localFile(source.dataset, commit.id, p)))
      return { relation: fileRelation(local, source.format), key: commit.id, commit: commit.id }
    }
    if (source.kind === 'file') {
      const pattern = isAbsolute(source.path) ? source.path : resolve(this.config.root, source.path)
      const { rows } = await this.config.engine.query('SELECT file FROM glob($1) ORDER BY file', [pattern])
      const files = rows.map((r) => String(r.file))
      if (files.length === 0) {
        throw new StrataError('NOT_FOUND', `feature view "${view.name}": no file matches "${pattern}"`)
      }
      const signature = await Promise.all(
        files.map(async (f) => {
          const s = await stat(f)
          return `${f}:${s.size}:${s.mtimeMs}`
        }),
      )
      return {
        relation: fileRelation(files, source.format),
        key: `files-${sha256(signature.join('\n')).slice(0, 40)}`,
        commit: null,
      }
    }
    throw new StrataError('INTERNAL', `feature view "${view.name}" has a ${source.kind} source`)
  }

  private async load(
    view: FeatureView,
    version: RegisteredDefinition,
    source: ResolvedSource,
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
          rows: Number(found.rows),
          minTime: found.min_time === null ? null : Number(found.min_time),
          maxTime: found.max_time === null ? null : Number(found.max_time),
        }
      }
    }
    const short = `${dataHash.slice(0, 12)}-${sha256(source.key).slice(0, 12)}`
    const out = join(this.config.workDir, 'computed', view.name, `${short}.parquet`)
    const computed = await timed(`compute ${view.name}`, () =>
      computeFeatureView({
        engine: this.config.engine,
        view,
        source: source.relation,
        outPath: out,
        tempDir: join(this.config.workDir, 'tmp'),
      }),
    )
    let commitId: string | null = null
    let storedPath = out
    if (this.config.repository !== undefined) {
      const repo = this.config.repository
      await ensureDataset(repo, this.config.dataset, 'Computed feature views (written by the feature store)')
      storedPath = `${view.name}/${dataHash.slice(0, 12)}/data.parquet`
      const commit = await timed(`commit ${view.name}`, () =>
        repo.commit(this.config.dataset, {
          message: `compute ${view.name} v${version.version}${source.commit ? ` from ${view.source.kind === 'dataset' ? view.source.dataset : ''}@${source.commit.slice(0, 12)}` : ''}`,
          changes: [{ path: storedPath, source: out }],
          metadata: { view: view.name, version: String(version.version), dataHash, sourceKey: source.key },
          allowEmpty: true,
        }),
      )
      commitId = commit.id
    }
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
        computed_at: Date.now(),
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
      rows: computed.rows,
      minTime: computed.minTime,
      maxTime: computed.maxTime,
    }
  }

  private async localPath(commitId: string | null, path: string): Promise<string | undefined> {
    if (commitId === null) return (await stat(path).catch(() => undefined)) === undefined ? undefined : path
    const repo = this.requireRepository('computed feature data is stored in the data repository')
    return repo.localFile(this.config.dataset, commitId, path)
  }

  private async recordLineage(
    view: FeatureView,
    version: RegisteredDefinition,
    sourceCommit: string | null,
    computedCommit: string | null,
  ): Promise<void> {
    const lineage = this.config.lineage
    if (lineage === undefined) return
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

  private requireRepository(why: string): FeatureDataRepository {
    if (this.config.repository === undefined) {
      throw new StrataError('FAILED_PRECONDITION', `${why}, but the feature store has no data repository`)
    }
    return this.config.repository
  }
}

/** The lineage node id of a feature-view version. */
export function viewVersionNode(view: string, version: number): string {
  return `feature-view-version:${view}/${version}`
}
