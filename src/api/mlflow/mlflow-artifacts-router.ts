import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ArtifactStore } from '../../tracking/index.js'
import { setAttachmentHeaders } from '../http/index.js'
import { mlflowContentType } from './mlflow-content-type.js'
import { invalid } from './mlflow-message.js'
import { listRegistryArtifacts, parseRegistryArtifactPath } from './mlflow-registry-artifacts.js'

/** Where the artifact proxy is mounted (MLflow's `mlflow-artifacts` service). */
export const MLFLOW_ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts'

/**
 * MLflow's artifact proxy (`mlflow server --serve-artifacts`) over the project's BlobStore, for
 * `mlflow-artifacts:/<path>` URIs, registered on `scope` (mounted at
 * {@link MLFLOW_ARTIFACTS_PREFIX}):
 * - `PUT /artifacts/<path>`: the raw body, of any content type, streamed into the store (one
 *   request per file; no size or total-time limit, the idle limit applies).
 * - `GET /artifacts/<path>`: the file, streamed with its `content-length` (the client refuses
 *   redirects, so no 302 to S3); never gzipped.
 * - `GET /artifacts?path=<dir>`: the directory's direct children as basenames.
 * - `DELETE /artifacts/<path>`: a file or a whole directory.
 * Paths with `..`, `.` or empty segments are refused with `INVALID_PARAMETER_VALUE`.
 * The read-only folder `_strata-models/<name>/<version>` serves the files of versions
 * registered through Strata, so the mlflow client can download them by `models:/` URI.
 */
export function mlflowArtifactRoutes(scope: FastifyInstance): void {
  // Artifacts are raw bytes of any type (a .json file too): nothing parses or buffers them.
  scope.removeAllContentTypeParsers()
  scope.addContentTypeParser('*', (_request, _payload, done) => done(null))
  const store = async (request: FastifyRequest) => (await request.services.tracking()).artifacts
  const raw = { compress: false as const, config: { streamingBody: true } }

  scope.put('/artifacts/*', raw, async (request) => {
    const path = readOnly(requirePath(request))
    await (await store(request)).put(path, request.raw)
    return {}
  })
  const list = async (request: FastifyRequest) => {
    const dir = (request.query as { path?: string }).path ?? ''
    const model = parseRegistryArtifactPath(dir)
    if (model === undefined) return listing(await store(request), dir)
    const files = await listRegistryArtifacts(await request.services.registry(), model)
    return files.length === 0 ? {} : { files }
  }
  scope.get('/artifacts', list)
  scope.get('/artifacts/*', raw, async (request, reply) => {
    if (pathOf(request) === '') return list(request)
    const path = requirePath(request)
    const model = parseRegistryArtifactPath(path)
    if (model !== undefined) {
      const registry = await request.services.registry()
      const { file, body } = await registry.openFile(model.name, model.version, model.file)
      return sendArtifactFile(reply, path, body, file.size)
    }
    const artifacts = await store(request)
    const [stat, body] = [await artifacts.stat(path), await artifacts.get(path)]
    return sendArtifactFile(reply, path, body, stat?.size)
  })
  scope.delete('/artifacts/*', async (request) => {
    await (await store(request)).delete(readOnly(requirePath(request)))
    return {}
  })
}

/**
 * Sends an artifact file as MLflow's server does: always an attachment, with MLflow's content
 * type for the file name (script-capable types as `text/plain`) and `nosniff`; streamed, with
 * its `content-length` when known.
 */
export function sendArtifactFile(
  reply: FastifyReply,
  path: string,
  body: AsyncIterable<Uint8Array>,
  size: number | undefined,
) {
  setAttachmentHeaders(reply, mlflowContentType(path), path)
  if (size !== undefined) reply.header('content-length', size)
  return reply.send(Readable.from(body, { objectMode: false }))
}

function readOnly(path: string): string {
  if (parseRegistryArtifactPath(path) !== undefined) {
    throw invalid(`"${path}" holds registered model files and is read-only`)
  }
  return path
}

async function listing(store: ArtifactStore, dir: string) {
  const entries = await store.list(dir)
  const files = entries.map((e) => {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1)
    return e.isDir ? { path: name, is_dir: true } : { path: name, is_dir: false, file_size: e.fileSize ?? 0 }
  })
  return files.length === 0 ? {} : { files }
}

function pathOf(request: FastifyRequest): string {
  return (request.params as { '*'?: string })['*'] ?? ''
}

function requirePath(request: FastifyRequest): string {
  const path = pathOf(request)
  if (path === '') throw invalid('an artifact path is required after /artifacts/')
  return path
}
