import { StrataError } from '../../core/errors.js'
import type { ModelRegistry, ModelVersion } from '../../registry/index.js'

/**
 * The champion a deployment of `model` serves: version `given` when passed, else the version the
 * model's `champion` alias points at. `FAILED_PRECONDITION` when neither is there (naming both ways
 * to give one); the checks of {@link servableVersion} apply to a given version.
 */
export async function championVersion(
  registry: ModelRegistry,
  model: string,
  given: number | undefined,
): Promise<ModelVersion> {
  if (given !== undefined) return servableVersion(registry, model, given, 'champion')
  try {
    return await registry.getVersionByAlias(model, 'champion')
  } catch (err) {
    if ((err as { code?: string }).code !== 'NOT_FOUND') throw err
    await registry.getModel(model)
    throw new StrataError(
      'FAILED_PRECONDITION',
      `model "${model}" has no "champion" alias; pass the champion version (--champion <version>) or set the alias with "strata models alias ${model} champion <version>"`,
    )
  }
}

/**
 * Version `version` of `model`, checked to be servable in `role` (`champion` or `candidate`):
 * a whole number ≥ 1, registered (`NOT_FOUND` lists the known versions), READY and with a signature.
 */
export async function servableVersion(
  registry: ModelRegistry,
  model: string,
  version: number,
  role: string,
): Promise<ModelVersion> {
  if (!Number.isInteger(version) || version < 1) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${role} version "${version}" is invalid; expected a version number ≥ 1`,
    )
  }
  let v: ModelVersion
  try {
    v = await registry.getVersion(model, version)
  } catch (err) {
    if ((err as { code?: string }).code !== 'NOT_FOUND') throw err
    const known = await registry.listVersions(model).catch(() => [])
    throw new StrataError(
      'NOT_FOUND',
      `${role} version ${version} of model "${model}" does not exist${
        known.length > 0
          ? ` (versions: ${known
              .map((k) => k.version)
              .sort((a, b) => a - b)
              .join(', ')})`
          : ''
      }`,
      { details: { model, version, known: known.map((k) => k.version) } },
    )
  }
  if (v.status !== 'READY') {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `${role} version ${version} of model "${model}" is ${v.status}, not READY`,
    )
  }
  if (v.signature === null) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `${role} version ${version} of model "${model}" has no signature; it cannot be served`,
    )
  }
  return v
}
