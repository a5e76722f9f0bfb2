import { existsSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorMessage, StrataError } from '../../core/errors.js'
import { FeatureCatalog } from './feature-catalog.js'

/**
 * Loads a project's feature definitions module (TypeScript compiled on the fly) and collects
 * every exported entity, view, on-demand feature and service. `import … from 'strata'` inside
 * it resolves to this package, so a project run from a clone needs no install.
 *
 * @example
 * const catalog = await loadFeatureDefinitions('/path/to/project', 'features.ts')
 */
export async function loadFeatureDefinitions(
  root: string,
  entry: string | undefined,
): Promise<FeatureCatalog> {
  if (entry === undefined) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `no feature definitions configured; set features: 'features.ts' in strata.config.ts (a module exporting entities, feature views and services)`,
    )
  }
  const file = isAbsolute(entry) ? entry : resolve(root, entry)
  if (!existsSync(file)) {
    throw new StrataError(
      'NOT_FOUND',
      `feature definitions file ${file} does not exist (features in strata.config.ts)`,
    )
  }
  let mod: Record<string, unknown>
  try {
    const { createJiti } = await import('jiti')
    const jiti = createJiti(import.meta.url, { moduleCache: false, alias: { strata: strataEntry() } })
    mod = (await jiti.import(file)) as Record<string, unknown>
  } catch (err) {
    throw new StrataError('INVALID_ARGUMENT', `cannot load ${file}: ${errorMessage(err).split('\n')[0]}`, {
      cause: err,
    })
  }
  const catalog = FeatureCatalog.from(mod)
  if (catalog.views.size === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${file} exports no feature views; export featureView(...) definitions`,
    )
  }
  return catalog
}

/** The package's entry (`strata`), built or, when run from source, the TypeScript one. */
function strataEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const built = resolve(here, '..', '..', 'index.js')
  return existsSync(built) ? built : resolve(here, '..', '..', 'index.ts')
}
