import type { FastifyReply, FastifyRequest } from 'fastify'
import { StrataError } from '../../core/errors.js'
import { joinArtifactPath, proxiedArtifactPath } from '../../tracking/index.js'
import { sendArtifactFile } from './mlflow-artifacts-router.js'
import { invalid } from './mlflow-message.js'
import { parseRegistryArtifactPath } from './mlflow-registry-artifacts.js'

/**
 * MLflow's `validate_path_is_safe`: a path relative to an artifact root, percent-decoded, with
 * no `#`, no backslash, no `..` segment, not absolute (POSIX, Windows drive or `file:` URI).
 * Anything else is `INVALID_PARAMETER_VALUE` "Invalid path", MLflow's own answer.
 */
export function safeArtifactPath(raw: string): string {
  let path = raw
  for (let i = 0; i < 10; i++) {
    let decoded: string
    try {
      decoded = decodeURIComponent(path)
    } catch {
      break
    }
    if (decoded === path) break
    path = decoded
  }
  const refused =
    path.includes('#') ||
    path.includes('\\') ||
    path.startsWith('/') ||
    path.startsWith('file:') ||
    /^[A-Za-z]:/.test(path) ||
    path.split('/').includes('..')
  if (refused) throw new StrataError('INVALID_ARGUMENT', 'Invalid path', { details: { path: raw } })
  return path
}

const RUN_URI = /^runs:\/([^/]+)\/?(.*)$/

/**
 * Sends the file `path` (already checked with {@link safeArtifactPath}) under the artifact root
 * `rootUri` — `mlflow-artifacts:/…` (Strata's artifact store, including registered-version
 * folders) or `runs:/<run_id>/<dir>` — as MLflow's artifact download routes do. A root outside
 * Strata (`s3://`, a file path) is `FAILED_PRECONDITION`; a directory is refused with MLflow's
 * message; a missing file is `NOT_FOUND`.
 */
export async function sendArtifactUnder(
  request: FastifyRequest,
  reply: FastifyReply,
  rootUri: string,
  path: string,
) {
  const tracking = await request.services.tracking()
  const run = RUN_URI.exec(rootUri)
  const root =
    run?.[1] !== undefined
      ? joinArtifactPath(await tracking.runs.artifactRoot(run[1]), (run[2] ?? '').replace(/\/+$/, ''))
      : proxiedArtifactPath(rootUri)
  if (root === undefined) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `the artifacts are stored at ${rootUri}, outside Strata's artifact store; read them from there`,
      { details: { artifactUri: rootUri } },
    )
  }
  const full = joinArtifactPath(root, path.replace(/^\/+|\/+$/g, ''))
  const model = parseRegistryArtifactPath(full)
  if (model !== undefined) {
    const { file, body } = await (await request.services.registry()).openFile(
      model.name,
      model.version,
      model.file,
    )
    return sendArtifactFile(reply, path, body, file.size)
  }
  const stat = await tracking.artifacts.stat(full)
  if (stat === undefined && (await tracking.artifacts.list(full)).length > 0) {
    throw invalid(`Artifact path refers to a directory, not a file: '${path}'`)
  }
  return sendArtifactFile(reply, path, await tracking.artifacts.get(full), stat?.size)
}
