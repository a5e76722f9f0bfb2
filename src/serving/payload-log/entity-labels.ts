import { StrataError } from '../../core/errors.js'
import type { LabelInput } from './label-store.js'
import type { PredictionPage, PredictionQuery } from './payload-types.js'

/** A delayed label keyed by entity and time instead of prediction id. */
export interface EntityLabelInput {
  /** The entity key the prediction was made for (the payload log's `entityKey`, e.g. `{ flight_id: 'AA100-0401' }`). */
  entity: Record<string, unknown>
  /** When the outcome happened (epoch ms or ISO time): the label belongs to the latest prediction for the entity at or before it. */
  time: number | string
  /** The ground truth. */
  label: unknown
}

/** Default lookback for an entity label: predictions older than this before its time are not matched. */
export const ENTITY_LABEL_LOOKBACK_MS = 7 * 86_400_000

const PAGE = 10_000

/** Whether `l` is keyed by entity and time. */
export function isEntityLabel(l: LabelInput | EntityLabelInput): l is EntityLabelInput {
  return typeof (l as EntityLabelInput).entity === 'object' && (l as EntityLabelInput).entity !== null
}

function timeOf(l: EntityLabelInput): number {
  const t = typeof l.time === 'number' ? l.time : Date.parse(String(l.time))
  if (!Number.isFinite(t)) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `label for entity ${JSON.stringify(l.entity)} has time ${JSON.stringify(l.time)}; expected epoch ms or an ISO time`,
    )
  }
  return t
}

/**
 * Resolves labels keyed by entity + time to the prediction each belongs to: the latest
 * successful prediction logged for exactly that entity key in [time − lookback, time]. A
 * label no prediction matches fails the whole batch, naming the entity and time (nothing is
 * ingested); labels keyed by prediction id pass through.
 */
export async function resolveEntityLabels(
  labels: readonly (LabelInput | EntityLabelInput)[],
  query: (q: PredictionQuery) => Promise<PredictionPage>,
  lookbackMs = ENTITY_LABEL_LOOKBACK_MS,
): Promise<LabelInput[]> {
  const out: LabelInput[] = []
  const unmatched: string[] = []
  for (const l of labels) {
    if (!isEntityLabel(l)) {
      out.push(l)
      continue
    }
    const time = timeOf(l)
    let latest: string | undefined
    let pageToken: string | undefined
    do {
      const page = await query({
        entityKey: l.entity,
        from: time - lookbackMs,
        to: time + 1,
        status: 'ok',
        limit: PAGE,
        ...(pageToken === undefined ? {} : { pageToken }),
      })
      latest = page.records.at(-1)?.id ?? latest
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
    if (latest === undefined) unmatched.push(`${JSON.stringify(l.entity)} at ${new Date(time).toISOString()}`)
    else out.push({ predictionId: latest, label: l.label })
  }
  if (unmatched.length > 0) {
    throw new StrataError(
      'NOT_FOUND',
      `${unmatched.length === 1 ? '1 label matches' : `${unmatched.length} labels match`} no prediction in the payload log (the latest for the entity within ${lookbackMs / 3_600_000} h before the label's time), e.g. entity ${unmatched[0]}; nothing was ingested`,
      { details: { unmatched: unmatched.slice(0, 20) } },
    )
  }
  return out
}
