import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { StrataError } from '../core/errors.js'
import { importUserModule } from '../core/user-module.js'
import { isPipeline, type Pipeline } from './pipeline.js'
import type { PipelineCatalog } from './pipeline-engine.js'
import { sourceClosureHash } from './source-closure.js'

/**
 * Loads a project's pipelines module (TypeScript compiled on the fly) and collects every
 * exported pipeline, each with the `sourceHash` of the module and its local imports. `import … from 'strata-ml'` inside it resolves to this package. Two
 * pipelines with one name fail with `INVALID_ARGUMENT`; so does a module exporting none.
 *
 * @example
 * const catalog = await loadPipelines('/path/to/project', 'pipelines.ts')
 */
export async function loadPipelines(root: string, entry: string | undefined): Promise<PipelineCatalog> {
  if (entry === undefined) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `no pipelines configured; set pipelines: 'pipelines.ts' in strata.config.ts (a module exporting pipeline(...) definitions)`,
    )
  }
  const file = isAbsolute(entry) ? entry : resolve(root, entry)
  if (!existsSync(file)) {
    throw new StrataError(
      'NOT_FOUND',
      `pipelines file ${file} does not exist (pipelines in strata.config.ts)`,
    )
  }
  const mod = await importUserModule(file)
  const sourceHash = sourceClosureHash(file)
  const byName = new Map<string, Pipeline>()
  for (const [exportName, value] of Object.entries(mod)) {
    if (!isPipeline(value)) continue
    const seen = byName.get(value.name)
    if (seen !== undefined && seen !== value) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `${file}: two pipelines are named "${value.name}" (one exported as ${exportName})`,
      )
    }
    byName.set(value.name, value)
  }
  const loaded = [...byName.values()].map((p) => ({ ...p, sourceHash, module: file }))
  if (byName.size === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${file} exports no pipelines; export pipeline(...) definitions`,
    )
  }
  return catalogOf(loaded)
}

/** A catalog over a list of pipelines (listed by name). */
export function catalogOf(pipelines: readonly Pipeline[]): PipelineCatalog {
  const sorted = [...pipelines].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const byName = new Map(sorted.map((p) => [p.name, p]))
  return { get: async (name) => byName.get(name), list: async () => [...byName.values()] }
}
