import { isStrataError, StrataError } from '../core/errors.js'
import { parseSearch, searchPage, writeTransaction } from '../db/index.js'
import {
  chunks,
  dbCall,
  groupBy,
  requireExperimentRow,
  type TrackingContext,
  type TrackingDb,
  toExperiment,
} from './tracking-context.js'
import { EXPERIMENT_SEARCH_SCHEMA } from './tracking-search-schemas.js'
import { DEFAULT_EXPERIMENT_ID, type Experiment, type Page, type SearchOptions } from './tracking-types.js'
import { TRACKING_LIMITS, validateExperimentName, validateKey, validateValue } from './tracking-validation.js'

/** Options of {@link ExperimentStore.create}. */
export interface CreateExperimentOptions {
  /** Where the runs' artifacts go; default `mlflow-artifacts:/<id>` (served by Strata). */
  artifactLocation?: string
  tags?: Record<string, string>
}

/**
 * Experiments: named groups of runs with MLflow's semantics. Ids are decimal strings handed out
 * in order; `"0"` (`Default`) always exists. Names are unique across active and deleted
 * experiments; delete is soft and also soft-deletes the experiment's runs (restore brings them back).
 */
export class ExperimentStore {
  constructor(private readonly ctx: TrackingContext) {}

  /** Creates an experiment; `ALREADY_EXISTS` when the name is taken (also by a deleted one). */
  async create(name: string, options: CreateExperimentOptions = {}): Promise<Experiment> {
    validateExperimentName(name)
    const tags = Object.entries(options.tags ?? {})
    for (const [k, v] of tags) {
      validateKey('experiment tag', k)
      validateValue('experiment tag', k, v, TRACKING_LIMITS.experimentTagValueLength)
    }
    if (options.artifactLocation !== undefined && /[#?]/.test(options.artifactLocation)) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `artifact location "${options.artifactLocation}" is invalid; it must not contain a query or fragment`,
      )
    }
    const id = await dbCall(`experiment "${name}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        await this.assertNameFree(trx, name)
        const seq = await trx
          .updateTable('tracking_sequences')
          .set((eb) => ({ value: eb('value', '+', 1) }))
          .where('name', '=', 'experiment')
          .returning('value')
          .executeTakeFirstOrThrow()
        const experimentId = String(seq.value)
        const now = this.ctx.now()
        await trx
          .insertInto('tracking_experiments')
          .values({
            experiment_id: experimentId,
            name,
            artifact_location: options.artifactLocation ?? `mlflow-artifacts:/${experimentId}`,
            lifecycle_stage: 'active',
            creation_time: now,
            last_update_time: now,
          })
          .execute()
        if (tags.length > 0) {
          await trx
            .insertInto('tracking_experiment_tags')
            .values(tags.map(([key, value]) => ({ experiment_id: experimentId, key, value })))
            .execute()
        }
        return experimentId
      }),
    )
    return this.get(id)
  }

  private async assertNameFree(db: TrackingDb, name: string, exceptId?: string): Promise<void> {
    const other = await db
      .selectFrom('tracking_experiments')
      .select(['experiment_id', 'lifecycle_stage'])
      .where('name', '=', name)
      .executeTakeFirst()
    if (!other || other.experiment_id === exceptId) return
    const deleted = other.lifecycle_stage === 'deleted'
    throw new StrataError(
      'ALREADY_EXISTS',
      `experiment "${name}" already exists${deleted ? ' in deleted state; restore it or choose another name' : ` (id ${other.experiment_id}); choose another name`}`,
      { details: { name, experimentId: other.experiment_id } },
    )
  }

  /** One experiment by id (deleted ones too), or `NOT_FOUND`. */
  async get(experimentId: string): Promise<Experiment> {
    const row = await requireExperimentRow(this.ctx.db, experimentId)
    const tags = await this.ctx.db
      .selectFrom('tracking_experiment_tags')
      .select(['key', 'value'])
      .where('experiment_id', '=', experimentId)
      .execute()
    return toExperiment(row, tags)
  }

  /** One experiment by name (deleted ones too), or `undefined`. */
  async findByName(name: string): Promise<Experiment | undefined> {
    const row = await this.ctx.db
      .selectFrom('tracking_experiments')
      .select('experiment_id')
      .where('name', '=', name)
      .executeTakeFirst()
    return row ? this.get(row.experiment_id) : undefined
  }

  /** One experiment by name, or `NOT_FOUND`. */
  async getByName(name: string): Promise<Experiment> {
    const found = await this.findByName(name)
    if (found) return found
    throw new StrataError('NOT_FOUND', `experiment "${name}" does not exist`, {
      details: { entity: 'experimentName', name },
    })
  }

  /** The experiment named `name`, created when missing; a deleted one fails with `FAILED_PRECONDITION`. */
  async getOrCreate(name: string): Promise<Experiment> {
    let exp = await this.findByName(name)
    if (!exp) {
      try {
        exp = await this.create(name)
      } catch (err) {
        if (!isStrataError(err, 'ALREADY_EXISTS')) throw err
        exp = await this.getByName(name)
      }
    }
    if (exp.lifecycleStage !== 'active') {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `experiment "${name}" is deleted; restore it (id ${exp.experimentId}) or use another name`,
        { details: { name, experimentId: exp.experimentId } },
      )
    }
    return exp
  }

  /** Renames an active experiment; `ALREADY_EXISTS` when the new name is taken. */
  async rename(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName)
    await dbCall(`experiment "${newName}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        requireActive(await requireExperimentRow(trx, experimentId))
        await this.assertNameFree(trx, newName, experimentId)
        await trx
          .updateTable('tracking_experiments')
          .set({ name: newName, last_update_time: this.ctx.now() })
          .where('experiment_id', '=', experimentId)
          .execute()
      }),
    )
  }

  /** Soft-deletes an experiment and its active runs. The default experiment cannot be deleted. */
  async delete(experimentId: string): Promise<void> {
    if (experimentId === DEFAULT_EXPERIMENT_ID) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `the default experiment "${DEFAULT_EXPERIMENT_ID}" cannot be deleted; runs without an experiment land there`,
      )
    }
    await this.setStage(experimentId, 'deleted')
  }

  /** Restores a deleted experiment and the runs deleted with it. */
  async restore(experimentId: string): Promise<void> {
    await this.setStage(experimentId, 'active')
  }

  private async setStage(experimentId: string, stage: 'active' | 'deleted'): Promise<void> {
    await dbCall(`experiment "${experimentId}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        const row = await requireExperimentRow(trx, experimentId)
        if (row.lifecycle_stage === stage) return
        const now = this.ctx.now()
        await trx
          .updateTable('tracking_experiments')
          .set({ lifecycle_stage: stage, last_update_time: now })
          .where('experiment_id', '=', experimentId)
          .execute()
        const runs = trx.updateTable('tracking_runs').where('experiment_id', '=', experimentId)
        if (stage === 'deleted') {
          await runs
            .set({ lifecycle_stage: 'deleted', deleted_time: now, deleted_with_experiment: 1 })
            .where('lifecycle_stage', '=', 'active')
            .execute()
        } else {
          await runs
            .set({ lifecycle_stage: 'active', deleted_time: null, deleted_with_experiment: 0 })
            .where('deleted_with_experiment', '=', 1)
            .execute()
        }
      }),
    )
  }

  /** Sets (or overwrites) an experiment tag. */
  async setTag(experimentId: string, key: string, value: string): Promise<void> {
    validateKey('experiment tag', key)
    validateValue('experiment tag', key, value, TRACKING_LIMITS.experimentTagValueLength)
    await dbCall(`experiment tag "${key}"`, () =>
      writeTransaction(this.ctx.db, async (trx) => {
        requireActive(await requireExperimentRow(trx, experimentId))
        await trx
          .insertInto('tracking_experiment_tags')
          .values({ experiment_id: experimentId, key, value })
          .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value }))
          .execute()
        await trx
          .updateTable('tracking_experiments')
          .set({ last_update_time: this.ctx.now() })
          .where('experiment_id', '=', experimentId)
          .execute()
      }),
    )
  }

  /** Deletes an experiment tag; `NOT_FOUND` when it is not set. */
  async deleteTag(experimentId: string, key: string): Promise<void> {
    requireActive(await requireExperimentRow(this.ctx.db, experimentId))
    const res = await this.ctx.db
      .deleteFrom('tracking_experiment_tags')
      .where('experiment_id', '=', experimentId)
      .where('key', '=', key)
      .executeTakeFirst()
    if (Number(res.numDeletedRows) === 0) {
      // MLflow's wording.
      throw new StrataError('NOT_FOUND', `No tag with name: ${key} in experiment with id ${experimentId}`, {
        details: { experimentId, key },
      })
    }
  }

  /**
   * Searches experiments with MLflow's filter language over `name`, `creation_time`,
   * `last_update_time` and `tags.<key>`; default order is newest first.
   *
   * @example
   * await tracking.experiments.search({ filter: "name LIKE 'flights%'", orderBy: ['name'] })
   */
  async search(options: SearchOptions = {}): Promise<Page<Experiment>> {
    const search = parseSearch(EXPERIMENT_SEARCH_SCHEMA, options)
    const view = options.viewType ?? 'active'
    let q = this.ctx.db.selectFrom('tracking_experiments as e').select('e.experiment_id')
    if (view !== 'all') q = q.where('e.lifecycle_stage', '=', view)
    const page = await searchPage(this.ctx.dialect, search, q)
    const items = await this.loadMany(page.items.map((r) => r.experiment_id))
    return page.nextPageToken === undefined ? { items } : { items, nextPageToken: page.nextPageToken }
  }

  private async loadMany(ids: string[]): Promise<Experiment[]> {
    const rows = []
    const tags: { experiment_id: string; key: string; value: string }[] = []
    for (const part of chunks(ids)) {
      rows.push(
        ...(await this.ctx.db
          .selectFrom('tracking_experiments')
          .selectAll()
          .where('experiment_id', 'in', part)
          .execute()),
      )
      tags.push(
        ...(await this.ctx.db
          .selectFrom('tracking_experiment_tags')
          .selectAll()
          .where('experiment_id', 'in', part)
          .execute()),
      )
    }
    const byId = new Map(rows.map((r) => [r.experiment_id, r]))
    const tagsById = groupBy(tags, (t) => t.experiment_id)
    return ids.flatMap((id) => {
      const row = byId.get(id)
      return row ? [toExperiment(row, tagsById.get(id) ?? [])] : []
    })
  }
}

/**
 * Refuses a change to a deleted experiment (`FAILED_PRECONDITION`, in MLflow's wording): tags
 * of a deleted experiment are frozen until it is restored.
 */
function requireActive(row: { experiment_id: string; lifecycle_stage: string }): void {
  if (row.lifecycle_stage !== 'active') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `The experiment ${row.experiment_id} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      { details: { experimentId: row.experiment_id, lifecycleStage: row.lifecycle_stage } },
    )
  }
}
