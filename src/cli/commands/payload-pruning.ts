import { payloadHolds } from '../../monitoring/index.js'
import type { Strata } from '../../platform/index.js'
import { PAYLOAD_ARCHIVE, type PruneOptions, type PruneResult, prunePayloadLog } from '../../serving/index.js'

/** Options of {@link prunePayloadLogOf}: what `strata predictions prune` takes. */
export interface ProjectPruneOptions {
  /** Prune predictions older than this (epoch ms). */
  before: number
  /** Delete without archiving, whatever `payloadLog.archive` says. */
  noArchive?: boolean
  segmentRows?: number
  dryRun?: boolean
  onStep?: PruneOptions['onStep']
}

/** The archive dataset of the config (`payloadLog.archive`), or null when archiving is off. */
export function payloadArchiveOf(strata: Strata, off: boolean): string | null {
  const configured = strata.config.payloadLog.archive
  return off || configured === false ? null : (configured ?? PAYLOAD_ARCHIVE)
}

/**
 * Payload-log retention of a project: {@link prunePayloadLog} with the project's archive
 * (`payloadLog.archive`) and the windows its monitors still read held back. One way for
 * `strata predictions prune` and the schedule of `strata server`.
 */
export async function prunePayloadLogOf(strata: Strata, options: ProjectPruneOptions): Promise<PruneResult> {
  const monitors = await (await strata.monitoring()).list()
  const archive = payloadArchiveOf(strata, options.noArchive === true)
  return prunePayloadLog({
    store: await strata.payloads(),
    engine: await strata.offline(),
    before: options.before,
    holds: payloadHolds(monitors, Date.now()),
    archive: archive === null ? null : { repo: await strata.data(), dataset: archive },
    ...(options.segmentRows === undefined ? {} : { segmentRows: options.segmentRows }),
    ...(options.dryRun === true ? { dryRun: true } : {}),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  })
}
