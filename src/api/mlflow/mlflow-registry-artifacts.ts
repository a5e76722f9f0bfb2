import { StrataError } from '../../core/errors.js'
import { type ModelRegistry, type ModelVersion, parseVersion } from '../../registry/index.js'

/**
 * The artifact-proxy folder that exposes the files of versions registered through Strata
 * (`strata models register`, `registry.registerVersion`): `<root>/<name>/<version>/<file>`.
 * Experiment folders are numeric, so the name cannot collide with run artifacts.
 */
export const REGISTRY_ARTIFACTS_ROOT = '_strata-models'

/** The `mlflow-artifacts:` URI of a Strata-registered version's files. */
export function registryArtifactUri(v: ModelVersion): string {
  return `mlflow-artifacts:/${REGISTRY_ARTIFACTS_ROOT}/${encodeURIComponent(v.name)}/${v.version}`
}

/** Splits `<root>/<name>/<version>[/<file>]`, or `undefined` for any other path. */
export function parseRegistryArtifactPath(
  path: string,
): { name: string; version: number; file: string } | undefined {
  const parts = path.split('/')
  if (parts[0] !== REGISTRY_ARTIFACTS_ROOT) return undefined
  const [, name, version, ...rest] = parts
  if (name === undefined || name === '' || version === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `artifact path "${path}" is incomplete; expected ${REGISTRY_ARTIFACTS_ROOT}/<model>/<version>[/<file>]`,
    )
  }
  return { name: decodeURIComponent(name), version: parseVersion(version), file: rest.join('/') }
}

/** The direct children of `dir` (a folder inside the version) among the version's files. */
export async function listRegistryArtifacts(
  registry: ModelRegistry,
  at: { name: string; version: number; file: string },
): Promise<{ path: string; is_dir: boolean; file_size?: number }[]> {
  const v = await registry.getVersion(at.name, at.version)
  const prefix = at.file === '' ? '' : `${at.file.replace(/\/+$/, '')}/`
  const children = new Map<string, { path: string; is_dir: boolean; file_size?: number }>()
  for (const f of v.files) {
    if (!f.path.startsWith(prefix)) continue
    const rest = f.path.slice(prefix.length)
    const slash = rest.indexOf('/')
    const child = slash < 0 ? rest : rest.slice(0, slash)
    children.set(
      child,
      slash < 0 ? { path: child, is_dir: false, file_size: f.size } : { path: child, is_dir: true },
    )
  }
  return [...children.values()].sort((a, b) => a.path.localeCompare(b.path))
}
