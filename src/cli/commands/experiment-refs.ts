import { StrataError } from '../../core/errors.js'
import type { Experiment, TrackingStore } from '../../tracking/index.js'

/**
 * The experiment a user named: by name first (deleted ones too), else by numeric id; a name
 * that matches nothing is `NOT_FOUND` with the command that lists them.
 */
export async function resolveExperiment(tracking: TrackingStore, nameOrId: string): Promise<Experiment> {
  const byName = await tracking.experiments.findByName(nameOrId)
  if (byName) return byName
  if (/^\d+$/.test(nameOrId)) return tracking.experiments.get(nameOrId)
  throw new StrataError(
    'NOT_FOUND',
    `experiment "${nameOrId}" does not exist; list them with "strata experiments list --view all"`,
  )
}

/** The experiments named (see {@link resolveExperiment}), or every active one when none is. */
export async function resolveExperiments(tracking: TrackingStore, wanted: string[]): Promise<Experiment[]> {
  if (wanted.length > 0) return Promise.all(wanted.map((w) => resolveExperiment(tracking, w)))
  const all: Experiment[] = []
  let pageToken: string | undefined
  do {
    const page = await tracking.experiments.search(pageToken ? { pageToken } : {})
    all.push(...page.items)
    pageToken = page.nextPageToken
  } while (pageToken)
  return all
}
