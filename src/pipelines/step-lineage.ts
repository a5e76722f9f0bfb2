import type { Kysely } from 'kysely'
import type { RecordInput, ServiceContext } from '../data/index.js'
import { type FileRef, fileNode } from './file-outputs.js'
import type { PipelineRun } from './run-store.js'
import { outputNode } from './step-outputs.js'

const LINEAGE_SLICE = 1000

/** The lineage node of a pipeline run. */
export function runNode(runId: string): string {
  return `pipeline-run:${runId}`
}

/**
 * Records a step's lineage: pipeline run → step run ← its inputs; step run → its output and each
 * output file it stored. Inside `trx` when given (the transaction publishing the step), else in
 * transactions of its own.
 */
export async function recordStepLineage(
  ctx: ServiceContext,
  run: PipelineRun,
  step: string,
  inputs: string[],
  hash: string,
  activity: 'run-step' | 'cached',
  options: { files?: readonly FileRef[]; trx?: Kysely<object> } = {},
): Promise<void> {
  const at = ctx.clock.now()
  const stepNode = {
    id: `pipeline-step:${run.runId}/${step}`,
    label: `${run.pipeline}.${step}${activity === 'cached' ? ' (cached)' : ''}`,
  }
  // In slices: one record binds a few parameters per input, and a fan-in may read thousands
  // (SQLite's limit is 32,766 parameters per statement). Recording is idempotent.
  const all = [runNode(run.runId), ...inputs]
  const records: RecordInput[] = []
  for (let i = 0; i < all.length; i += LINEAGE_SLICE) {
    records.push({ inputs: all.slice(i, i + LINEAGE_SLICE), output: stepNode, activity, at })
  }
  records.push({
    inputs: [stepNode.id],
    output: { id: outputNode(hash), label: `${run.pipeline}.${step} output` },
    activity: activity === 'cached' ? 'reuse' : 'produce',
    at,
  })
  for (const f of options.files ?? []) {
    records.push({
      inputs: [stepNode.id],
      output: { id: fileNode(f.sha256), label: `${run.pipeline}.${step} ${f.file}` },
      activity: 'produce',
      at,
    })
  }
  await ctx.lineage.recordAll(records, options.trx)
}
