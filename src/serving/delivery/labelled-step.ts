import {
  joinLabels,
  type LabeledRecord,
  type LabelLookup,
  type PayloadStore,
  type PredictionRecord,
} from '../payload-log/index.js'

/** What a label-based guard reads: the step's logged predictions with their labels. */
export interface LabelledStep {
  /** Records of the rollout's primary answers (`<revision>`) and mirrored calls (`<revision>/shadow`). */
  records: readonly LabeledRecord[]
  /** The rollout's revisions the records come from. */
  revisions: readonly number[]
  champion: number
  candidate: number
}

/**
 * The revisions of the rollout running in revision `current`: walking back from it while the
 * champion and candidate stay the same, up to the revision that started it (`create`). Pauses,
 * resumes and steps are revisions of the same rollout.
 */
export function rolloutRevisions(
  history: readonly {
    revision: number
    action: string
    policy: { champion: number; candidate: number | null }
  }[],
  current: { revision: number; policy: { champion: number; candidate: number | null } },
): number[] {
  const out = [current.revision]
  const older = history.filter((r) => r.revision < current.revision).sort((a, b) => b.revision - a.revision)
  const start = history.find((r) => r.revision === current.revision)
  if (start?.action === 'create') return out
  for (const r of older) {
    if (r.policy.champion !== current.policy.champion || r.policy.candidate !== current.policy.candidate)
      break
    out.push(r.revision)
    if (r.action === 'create') break
  }
  return out.sort((a, b) => a - b)
}

/**
 * Reads what label-based guards judge: the logged primary answers (`<revision>`) and mirrored
 * calls (`<revision>/shadow`) of every revision of the running rollout (all its steps so far,
 * so the champion's arm of earlier steps still counts at a 100 % step), with their delayed
 * labels through the payload log's label join. Undefined when no rollout runs.
 */
export async function readLabelledStep(
  d: { name: string; policy: { champion: number; candidate: number | null } },
  revisions: readonly number[],
  payloads: Pick<PayloadStore, 'query'>,
  labels: { labelsOf: LabelLookup },
): Promise<LabelledStep | undefined> {
  const { champion, candidate } = d.policy
  if (candidate === null) return undefined
  const records: PredictionRecord[] = []
  for (const revision of revisions.flatMap((r) => [String(r), `${r}/shadow`])) {
    let pageToken: string | undefined
    do {
      const page = await payloads.query({
        endpoint: d.name,
        deploymentRevision: revision,
        status: 'ok',
        limit: 10_000,
        ...(pageToken === undefined ? {} : { pageToken }),
      })
      records.push(...page.records)
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
  }
  return {
    records: await joinLabels(records, (ids) => labels.labelsOf(ids)),
    revisions: [...revisions],
    champion,
    candidate,
  }
}
