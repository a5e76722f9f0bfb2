import type { ModelRegistry } from '../../registry/index.js'
import type { ArtifactStore } from '../../tracking/index.js'
import { jsonResponse } from '../api-app.js'
import { type ApiRequest, type RequestService, Router } from '../router.js'
import { MLFLOW_ROUTER_OPTIONS } from './mlflow-errors.js'
import { invalid } from './mlflow-message.js'
import { listRegistryArtifacts, parseRegistryArtifactPath } from './mlflow-registry-artifacts.js'

/** Where the artifact proxy is mounted (MLflow's `mlflow-artifacts` service). */
export const MLFLOW_ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts'

/**
 * MLflow's artifact proxy (`mlflow server --serve-artifacts`) over the project's BlobStore, for
 * `mlflow-artifacts:/<path>` URIs:
 * - `PUT /artifacts/<path>`: the raw body, streamed into the store (one request per file).
 * - `GET /artifacts/<path>`: the file, streamed (the client refuses redirects, so no 302 to S3).
 * - `GET /artifacts?path=<dir>`: the directory's direct children as basenames.
 * - `DELETE /artifacts/<path>`: a file or a whole directory.
 * Paths with `..`, `.` or empty segments are refused with `INVALID_PARAMETER_VALUE`.
 * The read-only folder `_strata-models/<name>/<version>` serves the files of versions
 * registered through Strata, so the mlflow client can download them by `models:/` URI.
 */
export function mlflowArtifactsRouter(
  artifacts: RequestService<ArtifactStore>,
  registry: RequestService<ModelRegistry>,
): Router {
  const router = new Router(MLFLOW_ROUTER_OPTIONS)
  const readOnly = (path: string) => {
    if (parseRegistryArtifactPath(path) !== undefined) {
      throw invalid(`"${path}" holds registered model files and is read-only`)
    }
    return path
  }
  router.put('/artifacts/*path', async (req) => {
    const path = readOnly(requirePath(req))
    const store = await artifacts(req)
    const body = req.raw.body
    await store.put(path, body === null ? new Uint8Array() : (body as AsyncIterable<Uint8Array>))
    return {}
  })
  router.get('/artifacts/*path', async (req) => {
    const store = await artifacts(req)
    const path = req.params.path ?? ''
    if (path === '') {
      const dir = req.query.get('path') ?? ''
      const model = parseRegistryArtifactPath(dir)
      if (model === undefined) return listing(store, dir)
      const files = await listRegistryArtifacts(await registry(req), model)
      return jsonResponse(files.length === 0 ? {} : { files })
    }
    const model = parseRegistryArtifactPath(path)
    if (model !== undefined) {
      const { file, body } = await (await registry(req)).openFile(model.name, model.version, model.file)
      return new Response(ReadableStream.from(body) as unknown as ConstructorParameters<typeof Response>[0], {
        status: 200,
        headers: { 'content-type': contentType(path), 'content-length': String(file.size) },
      })
    }
    const [stat, stream] = [await store.stat(path), await store.get(path)]
    const headers: Record<string, string> = { 'content-type': contentType(path) }
    if (stat !== undefined) headers['content-length'] = String(stat.size)
    return new Response(ReadableStream.from(stream) as unknown as ConstructorParameters<typeof Response>[0], {
      status: 200,
      headers,
    })
  })
  router.delete('/artifacts/*path', async (req) => {
    await (await artifacts(req)).delete(readOnly(requirePath(req)))
    return {}
  })
  return router
}

async function listing(store: ArtifactStore, dir: string): Promise<Response> {
  const entries = await store.list(dir)
  const files = entries.map((e) => {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1)
    return e.isDir ? { path: name, is_dir: true } : { path: name, is_dir: false, file_size: e.fileSize ?? 0 }
  })
  return jsonResponse(files.length === 0 ? {} : { files })
}

function requirePath(req: ApiRequest): string {
  const path = req.params.path ?? ''
  if (path === '') throw invalid('an artifact path is required after /artifacts/')
  return path
}

const TYPES: Record<string, string> = {
  json: 'application/json',
  txt: 'text/plain',
  yaml: 'text/plain',
  yml: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  svg: 'image/svg+xml',
}

function contentType(path: string): string {
  const dot = path.lastIndexOf('.')
  const ext = dot < 0 ? '' : path.slice(dot + 1).toLowerCase()
  return TYPES[ext] ?? 'application/octet-stream'
}
