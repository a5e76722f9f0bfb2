import { fileNode, fileRefs } from './file-outputs.js'
import type { PipelineRun } from './run-store.js'
import type { JsonValue, Step } from './step.js'
import { outputNode } from './step-outputs.js'

/** A finished step of a run: its output's content hash and value. */
export type Done = { hash: string; value: JsonValue }

/**
 * A step's input values (what its job receives), their content addresses (for its cache key:
 * output hashes and dataset commit ids, never names) and their lineage nodes.
 */
export function stepInputs(run: PipelineRun, s: Step<string, unknown>, done: ReadonlyMap<string, Done>) {
  const values: Record<string, unknown> = {}
  const addresses: Record<string, string> = {}
  const lineageInputs: string[] = []
  for (const [name, input] of Object.entries(s.inputs)) {
    if (input.kind === 'step') {
      const out = done.get(input.name) as Done
      values[name] = out.value
      addresses[name] = `output:${out.hash}`
      lineageInputs.push(outputNode(out.hash), ...fileRefs(out.value).map((f) => fileNode(f.sha256)))
    } else {
      const commit = run.resolved[`${s.name}.${name}`] as string
      values[name] = { dataset: input.dataset, ref: input.ref, commit }
      addresses[name] = `dataset-commit:${commit}`
      lineageInputs.push(`dataset-commit:${commit}`)
    }
  }
  return { values, addresses, lineageInputs }
}
