import type { Kysely } from 'kysely'
import { StrataError } from '../../core/errors.js'
import type { ServiceContext } from '../../data/index.js'
import { writeTransaction } from '../../db/index.js'
import type { LabelTables } from './payload-migrations.js'

/** One delayed label. */
export interface LabelInput {
  predictionId: string
  /** The ground truth (a class, a number, or a list for a batched prediction). */
  label: unknown
}

const CHUNK = 500

/**
 * Delayed labels keyed by prediction id. Ingest checks every id against the payload log first
 * (`known`): a label for an unknown prediction is an error naming it, and nothing is stored.
 */
export class LabelStore {
  private readonly db: Kysely<LabelTables>

  constructor(private readonly ctx: ServiceContext) {
    this.db = ctx.metadata.db.withTables<LabelTables>()
  }

  /** Stores labels (replacing earlier ones for the same predictions); resolves how many. */
  async ingest(
    labels: readonly LabelInput[],
    known: (id: string) => Promise<boolean>,
  ): Promise<{ ingested: number }> {
    const unknown: string[] = []
    for (const l of labels) {
      if (
        typeof l.predictionId !== 'string' ||
        l.predictionId === '' ||
        l.label === undefined ||
        l.label === null
      ) {
        throw new StrataError(
          'INVALID_ARGUMENT',
          `label ${JSON.stringify(l)} needs a prediction id and a non-null label`,
        )
      }
      if (!(await known(l.predictionId))) unknown.push(l.predictionId)
    }
    if (unknown.length > 0) {
      throw new StrataError(
        'NOT_FOUND',
        `${unknown.length === 1 ? '1 label names a prediction that is' : `${unknown.length} labels name predictions that are`} not in the payload log, e.g. "${unknown[0]}"; nothing was ingested`,
        { details: { unknown: unknown.slice(0, 20) } },
      )
    }
    const now = this.ctx.clock.now()
    await writeTransaction(this.db, async (trx) => {
      for (let i = 0; i < labels.length; i += CHUNK) {
        const part = labels.slice(i, i + CHUNK)
        await trx
          .deleteFrom('monitoring_labels')
          .where(
            'prediction_id',
            'in',
            part.map((l) => l.predictionId),
          )
          .execute()
        await trx
          .insertInto('monitoring_labels')
          .values(
            part.map((l) => ({
              prediction_id: l.predictionId,
              label: JSON.stringify(l.label),
              arrived_at: now,
            })),
          )
          .execute()
      }
    })
    return { ingested: labels.length }
  }

  /** The labels of the given predictions (those that have one). */
  async labelsOf(ids: readonly string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>()
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('monitoring_labels')
        .select(['prediction_id', 'label'])
        .where('prediction_id', 'in', ids.slice(i, i + CHUNK))
        .execute()
      for (const r of rows) out.set(r.prediction_id, JSON.parse(r.label))
    }
    return out
  }
}
