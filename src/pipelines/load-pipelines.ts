import { existsSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorMessage, StrataError } from '../core/errors.js'
import { isPipeline, type Pipeline } from './pipeline.js'
import type { PipelineCatalog } from './pipeline-engine.js'

/**
 * Loads a project's pipelines module (TypeScript compiled on the fly) and collects every
 * exported pipeline. `import … from 'strata'` inside it resolves to this package. Two
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
  let mod: Record<string, unknown>
  try {
    const { createJiti } = await import('jiti')
    const jiti = createJiti(import.meta.url, { moduleCache: false, alias: { strata: strataEntry() } })
    mod = (await jiti.import(file)) as Record<string, unknown>
  } catch (err) {
    if (typeof err === 'object' && err !== null && (err as { strata?: unknown }).strata === true) throw err
    throw new StrataError('INVALID_ARGUMENT', `cannot load ${file}: ${errorMessage(err).split('\n')[0]}`, {
      cause: err,
    })
  }
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
  if (byName.size === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${file} exports no pipelines; export pipeline(...) definitions`,
    )
  }
  return catalogOf([...byName.values()])
}

/** A catalog over a list of pipelines (listed by name). */
export function catalogOf(pipelines: readonly Pipeline[]): PipelineCatalog {
  const sorted = [...pipelines].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const byName = new Map(sorted.map((p) => [p.name, p]))
  return { get: async (name) => byName.get(name), list: async () => [...byName.values()] }
}

/** The package's entry (`strata`), built or, when run from source, the TypeScript one. */
function strataEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const built = resolve(here, '..', 'index.js')
  return existsSync(built) ? built : resolve(here, '..', 'index.ts')
}
