import { isStrataError, StrataError } from '../../core/errors.js'
import type { TrackingStore } from '../../tracking/index.js'

/** What a model version's source is checked against: the run or logged model the request names. */
export interface VersionSourceRefs {
  /** The request's `run_id` (empty: none). */
  runId: string
  /** The request's `model_id` (empty: none). */
  modelId: string
}

/**
 * MLflow's server's guard on a model version's `source` (handlers.py `_validate_source_run` /
 * `_validate_source_model`), so a version cannot point the registry — and whoever downloads it
 * — at files on the server or outside the resource it claims:
 * - a local path (no scheme, `file:`) is refused unless it lies inside the artifact directory of
 *   the named run (or logged model), which then must be local too;
 * - `..` segments or NUL (after percent-decoding) are refused;
 * - `runs:/<id>/…` must name the request's `run_id`; `models:/<model_id>` the request's
 *   `model_id` (with a `model_id`, a `runs:/` source is refused);
 * - `mlflow-artifacts:` sources (and `http(s)` URLs of the artifact proxy) must lie inside the
 *   named run's (or logged model's) artifact location.
 * Refusals are `INVALID_ARGUMENT` with MLflow's messages. Other URIs (`s3://`, `gs://`, …) pass.
 */
export async function checkVersionSource(
  source: string,
  refs: VersionSourceRefs,
  tracking: TrackingStore,
): Promise<void> {
  // No source: the logged model named by model_id is the source (filled in by the caller).
  if (source === '' && refs.modelId !== '') return
  const byModel = refs.modelId !== ''
  const idName = byModel ? 'model_id' : 'run_id'
  const wrongResource = () =>
    refuse(
      source,
      `Invalid model version source: '${source}'. The ${idName} request parameter must identify the resource that contains the source.`,
    )
  // The artifact root of the named resource; a missing one is a wrong resource, as MLflow says.
  const root = async (): Promise<string | undefined> => {
    try {
      if (byModel) return (await tracking.loggedModels.get(refs.modelId)).artifactUri
      if (refs.runId !== '') return (await tracking.runs.get(refs.runId)).info.artifactUri
      return undefined
    } catch (err) {
      if (isStrataError(err, 'NOT_FOUND')) throw wrongResource()
      throw err
    }
  }

  if (isLocal(source)) {
    const base = await root()
    if (base !== undefined && isLocal(base) && within(localPath(source), localPath(base))) return
    throw refuse(
      source,
      `Invalid model version source: '${source}'. To use a local path as a model version source, the ${idName} request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the ${idName}.`,
    )
  }
  const decoded = fullyDecoded(source)
  if (decoded.includes('\u0000') || decoded.split('/').includes('..') || source.split('/').includes('..')) {
    throw refuse(
      source,
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    )
  }
  const scheme = schemeOf(source)
  if (scheme === 'runs') {
    const match = /^runs:\/([^/]*)/.exec(source)
    if (byModel || source.startsWith('runs://') || match?.[1] !== refs.runId) throw wrongResource()
    return
  }
  if (scheme === 'models') {
    if (source.startsWith('models://')) throw wrongResource()
    const logged = /^models:\/(m-[^/]+)\/?$/.exec(source)?.[1]
    if (logged !== undefined && logged !== refs.modelId) throw wrongResource()
    return
  }
  if (isProxiedArtifact(source)) {
    const base = await root()
    if (base === undefined || !within(uriParts(source), uriParts(base))) throw wrongResource()
  }
}

function refuse(source: string, message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message, { details: { source } })
}

function schemeOf(uri: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)
  // A Windows drive letter is a local path, not a scheme.
  return m?.[1] === undefined || /^[A-Za-z]:[\\/]/.test(uri) ? '' : m[1].toLowerCase()
}

function isLocal(uri: string): boolean {
  const scheme = schemeOf(uri)
  return scheme === '' || scheme === 'file'
}

/** The path segments of a local path or `file:` URI, `.` resolved, `..` kept (refused later). */
function localPath(uri: string): string[] {
  const path = uri.replace(/^file:(\/\/[^/]*)?/i, '')
  return path.split('/').filter((p) => p !== '' && p !== '.')
}

/** Scheme, authority and decoded path segments of a URI. */
function uriParts(uri: string): string[] {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/]*))?(.*)$/.exec(uri)
  if (m === null) return localPath(uri)
  const path = (m[3] ?? '').split(/[?#]/)[0] ?? ''
  return [
    (m[1] ?? '').toLowerCase(),
    (m[2] ?? '').toLowerCase(),
    ...path
      .split('/')
      .filter((p) => p !== '')
      .map(fullyDecoded),
  ]
}

function within(child: string[], root: string[]): boolean {
  return root.length > 0 && root.every((part, i) => child[i] === part)
}

function isProxiedArtifact(uri: string): boolean {
  const scheme = schemeOf(uri)
  if (scheme === 'mlflow-artifacts') return true
  return (
    (scheme === 'http' || scheme === 'https') &&
    uriParts(uri).join('/').includes('api/2.0/mlflow-artifacts/artifacts')
  )
}

function fullyDecoded(value: string): string {
  let current = value
  for (let i = 0; i < 10; i++) {
    let next: string
    try {
      next = decodeURIComponent(current.replaceAll('+', ' '))
    } catch {
      return current
    }
    if (next === current) return current
    current = next
  }
  return current
}
