import { StrataError } from '../../core/errors.js'
import type { PredictionRecord } from './payload-types.js'

/**
 * The name ingested ground truth has next to a prediction's values: `@label`. It is its own
 * namespace — a model input or output of the same name makes the join fail (see
 * {@link joinLabels}) instead of hiding one behind the other.
 */
export const GROUND_TRUTH = '@label'

/** Looks up the ground truth of predictions by id (those that have one): `LabelStore.labelsOf`. */
export type LabelLookup = (ids: readonly string[]) => Promise<Map<string, unknown>>

/** One logged prediction with its ground truth (`null` while its label has not arrived). */
export interface LabeledRecord {
  record: PredictionRecord
  label: unknown
}

/**
 * The label join — the one place delayed labels meet the payload log (monitor windows,
 * label-based delivery guards): each record with the label ingested for its prediction id,
 * `null` while none arrived. The truth never becomes an input or output of the record; a record
 * that logged an input or output named `@label` is an error naming it.
 */
export async function joinLabels(
  records: readonly PredictionRecord[],
  lookup: LabelLookup,
): Promise<LabeledRecord[]> {
  for (const r of records) {
    if (Object.hasOwn(r.inputs, GROUND_TRUTH) || Object.hasOwn(r.outputs ?? {}, GROUND_TRUTH)) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `prediction ${r.id} of model ${r.modelName} v${r.modelVersion} logged a value named "${GROUND_TRUTH}", the name reserved for ingested ground truth; rename that model input or output`,
      )
    }
  }
  const labels = records.length === 0 ? new Map<string, unknown>() : await lookup(records.map((r) => r.id))
  return records.map((record) => ({ record, label: labels.get(record.id) ?? null }))
}
