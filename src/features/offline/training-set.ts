import { copyFile, mkdir, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Kysely } from 'kysely'
import type { Clock } from '../../core/clock.js'
import { StrataError } from '../../core/errors.js'
import type { LineageGraphStore } from '../../data/lineage/index.js'
import { translateDbError } from '../../db/index.js'
import type { ColumnInfo, Row, TableEngine } from '../../ports/index.js'
import type { FeatureTables } from '../definitions/index.js'
import { ensureDataset, type FeatureDataRepository } from '../definitions/index.js'
import { readParquetRows } from './typed-rows.js'
import { definitionVersionNode, viewVersionNode } from './view-lineage.js'

/** What a training set was built from, for lineage and reproducibility. */
export interface TrainingSetInput {
  view: string
  version: number
  /** Dataset commit of the computed view data (null for views queried in their source, such as Postgres). */
  dataCommit: string | null
  /** Source dataset commit (null for file and Postgres sources). */
  sourceCommit: string | null
}

/** A registered training set. */
export interface SavedTrainingSet {
  /** `name/version`, also its lineage node `training-set:<id>`. */
  id: string
  name: string
  version: number
  dataset: string
  commitId: string
  path: string
  rows: number
}

/** Everything a {@link TrainingSet} needs to save itself. */
export interface TrainingSetContext {
  engine: TableEngine
  db: Kysely<FeatureTables>
  repository: FeatureDataRepository
  lineage: LineageGraphStore
  /** Stamps `created_at`. */
  clock: Clock
  dataset: string
  /** Entity rows read from a dataset: its commit, for lineage. */
  entityCommit: string | null
  spec: Record<string, unknown>
  /** The feature-service and on-demand-feature versions used, for lineage. */
  definitions: readonly UsedDefinition[]
}

/** A feature-service or on-demand-feature version a training set used. */
export interface UsedDefinition {
  kind: 'feature-service' | 'on-demand-feature'
  name: string
  version: number
}

/**
 * A point-in-time correct table of entity rows and feature values, held as a local Parquet
 * file. Read it as rows or columns, copy it, or `save` it as a versioned, registered artifact
 * with lineage to the feature-view versions and data commits it used.
 */
export class TrainingSet<V = Record<string, unknown>> {
  constructor(
    /** Local Parquet file of the result. */
    readonly path: string,
    readonly rowCount: number,
    /** Result columns: the entity rows' columns, then the features. */
    readonly columns: ColumnInfo[],
    /** Feature columns, in order. */
    readonly features: string[],
    readonly inputs: TrainingSetInput[],
    private readonly context: TrainingSetContext,
  ) {}

  /** Streams rows in entity-row order (ints as numbers, timestamps as `Date`s). */
  batches(): AsyncIterable<(Row & V)[]> {
    return readParquetRows(this.context.engine, this.path) as AsyncIterable<(Row & V)[]>
  }

  /** Every row in memory, in entity-row order. */
  async rows(): Promise<(Row & V)[]> {
    const out: (Row & V)[] = []
    for await (const batch of this.batches()) out.push(...batch)
    return out
  }

  /** Column name → values, in entity-row order. */
  async toColumns(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = Object.fromEntries(this.columns.map((c) => [c.name, []]))
    for await (const batch of this.batches()) {
      for (const row of batch) for (const c of this.columns) out[c.name]?.push(row[c.name])
    }
    return out
  }

  /** Copies the Parquet file to `path`. */
  async writeParquet(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true })
    await copyFile(this.path, path)
  }

  /**
   * Registers the training set as `name`, next version: commits the Parquet to the training-set
   * dataset and records lineage `training-set:<name>/<version>` ← the feature-service version,
   * each on-demand-feature version, each feature-view version, the computed data commits, and
   * the entity rows' commit.
   */
  async save(name: string, options: { description?: string } = {}): Promise<SavedTrainingSet> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `training set name ${JSON.stringify(name)} is invalid; use letters, digits, ".", "_" and "-", starting with a letter or digit, e.g. "delay-q1"`,
      )
    }
    const { repository, db, lineage, dataset, clock } = this.context
    await ensureDataset(repository, dataset, 'Training sets built by the feature store')
    const last = await db
      .selectFrom('features_training_sets')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('name', '=', name)
      .executeTakeFirst()
    const version = Number(last?.v ?? 0) + 1
    const path = `${name}/v${version}.parquet`
    const commit = await repository.commit(dataset, {
      message: `training set ${name} v${version}${options.description ? `: ${options.description}` : ''}`,
      changes: [{ path, source: this.path }],
      metadata: { trainingSet: `${name}/${version}`, rows: String(this.rowCount) },
      allowEmpty: true,
    })
    try {
      await db
        .insertInto('features_training_sets')
        .values({
          name,
          version,
          dataset,
          commit_id: commit.id,
          path,
          rows: this.rowCount,
          spec: JSON.stringify({
            ...this.context.spec,
            inputs: this.inputs,
            definitions: this.context.definitions,
            description: options.description ?? null,
          }),
          created_at: clock.now(),
        })
        .execute()
    } catch (err) {
      const e = translateDbError(err, `training set ${name} v${version}`)
      throw e.code === 'ALREADY_EXISTS'
        ? new StrataError('CONFLICT', `${e.message}; save again`, { cause: err })
        : e
    }
    const id = `${name}/${version}`
    const inputs = [
      ...this.context.definitions.map((d) => ({
        id: definitionVersionNode(d.kind, d.name, d.version),
        label: `${d.name} v${d.version}`,
      })),
      ...this.inputs.map((i) => viewVersionNode(i.view, i.version)),
      ...this.inputs.flatMap((i) => (i.dataCommit === null ? [] : [`dataset-commit:${i.dataCommit}`])),
      ...(this.context.entityCommit === null ? [] : [`dataset-commit:${this.context.entityCommit}`]),
    ]
    const node = { id: `training-set:${id}`, label: `${name} v${version}` }
    const unique = [...new Map(inputs.map((i) => [typeof i === 'string' ? i : i.id, i])).values()]
    await lineage.record({ inputs: unique, output: node, activity: 'join' })
    await lineage.record({ inputs: [node], output: `dataset-commit:${commit.id}`, activity: 'store' })
    return { id, name, version, dataset, commitId: commit.id, path, rows: this.rowCount }
  }

  /** Deletes the local Parquet file (a saved copy stays in the dataset). */
  async dispose(): Promise<void> {
    await rm(this.path, { force: true })
  }
}
