import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { StrataError } from '../../core/errors.js'
import { importUserModule } from '../../core/user-module.js'
import { FeatureCatalog } from './feature-catalog.js'

/**
 * Loads a project's feature definitions module (TypeScript compiled on the fly) and collects
 * every exported entity, view, on-demand feature and service. `import … from 'strata-ml'` inside
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
  const mod = await importUserModule(file)
  const catalog = FeatureCatalog.from(mod)
  if (catalog.views.size === 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${file} exports no feature views; export featureView(...) definitions`,
    )
  }
  return catalog
}
