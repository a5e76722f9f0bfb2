import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { StrataError } from '../../core/errors.js'
import { importUserModule } from '../../core/user-module.js'
import { checkGraphSpec, type InferenceGraph, isInferenceGraph } from './graph-definition.js'

/**
 * Loads the inference graphs a project declares: every `inferenceGraph(...)` exported by the
 * module named by `graphs` in strata.config.ts, sorted by name. Two graphs with one name fail
 * with `INVALID_ARGUMENT`.
 */
export async function loadGraphs(root: string, entry: string | undefined): Promise<InferenceGraph[]> {
  if (entry === undefined) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `no inference graphs configured; set graphs: 'graphs.ts' in strata.config.ts (a module exporting inferenceGraph(...) definitions)`,
    )
  }
  const file = isAbsolute(entry) ? entry : resolve(root, entry)
  if (!existsSync(file))
    throw new StrataError('NOT_FOUND', `graphs file ${file} does not exist (graphs in strata.config.ts)`)
  const mod = await importUserModule(file)
  const byName = new Map<string, InferenceGraph>()
  for (const [exportName, value] of Object.entries(mod)) {
    if (!isInferenceGraph(value)) continue
    const other = byName.get(value.name)
    if (other !== undefined && other !== value) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${file}: two inference graphs are named "${value.name}" (one exported as ${exportName})`,
      )
    }
    // re-check: the module may build the object by hand
    checkGraphSpec(value)
    byName.set(value.name, value)
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
}
