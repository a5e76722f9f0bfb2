import type { FastifyInstance } from 'fastify'
import { isStrataError, StrataError } from '../../core/errors.js'
import { parseVersion } from '../../registry/index.js'
import type { Metric, TrackingStore } from '../../tracking/index.js'
import { safeArtifactPath, sendArtifactUnder } from './mlflow-artifact-files.js'
import { MLFLOW_ERROR_CODE_DETAIL } from './mlflow-errors.js'
import { compact, wireDouble } from './mlflow-json.js'
import { invalid, MlflowMessage } from './mlflow-message.js'
import { downloadUri } from './mlflow-registry-routes.js'
import type { MlflowRpc } from './mlflow-router.js'

/** The most values `metrics/get-history-bulk` answers (MLflow's `MAX_HISTORY_RESULTS`). */
const BULK_MAX_RESULTS = 25_000
/** The most runs one `metrics/get-history-bulk` asks for (MLflow's limit). */
const BULK_MAX_RUNS = 100
/** The largest `upload-artifact` body (MLflow's limit). */
const UPLOAD_MAX_BYTES = 10 * 1024 * 1024

/**
 * The RPCs MLflow's web UI calls beyond the client's API (mounted under both API prefixes;
 * MLflow serves them under `/ajax-api` only): `metrics/get-history-bulk` (every value of a
 * metric of up to 100 runs, ordered by run id, timestamp, step and value; missing runs are
 * skipped) and `experiments/search-datasets` (the distinct datasets the experiments' runs
 * consumed). Checks and messages are MLflow's.
 */
export function addUiRpcs(add: MlflowRpc): void {
  const rpc = (
    method: 'GET' | 'POST',
    path: string,
    fn: (m: MlflowMessage, t: TrackingStore) => Promise<unknown>,
  ) => add(method, path, async (m, request) => fn(m, await request.services.tracking()))

  rpc('GET', '/metrics/get-history-bulk', async (m, t) => {
    const runIds = m.strings('run_id')
    if (runIds.length === 0) throw invalid('GetMetricHistoryBulk request must specify at least one run_id.')
    if (runIds.length > BULK_MAX_RUNS) {
      throw invalid(
        `GetMetricHistoryBulk request cannot specify more than ${BULK_MAX_RUNS} run_ids. Received ${runIds.length} run_ids.`,
      )
    }
    const key = m.optStr('metric_key')
    if (key === undefined) throw invalid('GetMetricHistoryBulk request must specify a metric_key.')
    const max = Math.min(m.optInt('max_results') ?? BULK_MAX_RESULTS, BULK_MAX_RESULTS)
    const out: Record<string, unknown>[] = []
    for (const runId of [...new Set(runIds)].sort()) {
      if (out.length >= max) break
      const values = await historyOrNone(t, runId, key)
      values.sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value)
      for (const v of values.slice(0, max - out.length)) {
        out.push({
          key: v.key,
          value: wireDouble(v.value),
          timestamp: v.timestamp,
          step: v.step,
          run_id: runId,
        })
      }
    }
    return { metrics: out }
  })

  rpc('POST', '/experiments/search-datasets', async (m, t) => {
    const ids = m.strings('experiment_ids')
    if (ids.length === 0) throw invalid('SearchDatasets request must specify at least one experiment_id.')
    if (ids.length > 20) {
      throw invalid(
        `SearchDatasets request cannot specify more than 20 experiment_ids. Received ${ids.length} experiment_ids.`,
      )
    }
    const summaries = await t.runs.datasetSummaries(ids)
    return compact({
      dataset_summaries:
        summaries.length === 0
          ? undefined
          : summaries.map((s) =>
              compact({
                experiment_id: s.experimentId,
                name: s.name,
                digest: s.digest,
                context: s.context ?? undefined,
              }),
            ),
    })
  })
}

/** Every value of a run's metric; none when the run does not exist (as MLflow's SQL store). */
async function historyOrNone(t: TrackingStore, runId: string, key: string): Promise<Metric[]> {
  try {
    return (await t.runs.metricHistory(runId, key)).items
  } catch (err) {
    if (isStrataError(err, 'NOT_FOUND')) return []
    throw err
  }
}

/**
 * MLflow's artifact routes of the web UI under an API prefix (`scope`):
 * - `POST /upload-artifact?run_uuid=&path=`: the raw body (at most 10 MB, not empty) becomes the
 *   run's artifact file `path`. Bodies typed `text/plain`, form or multipart (what a cross-site
 *   form can post without a preflight) are refused with 415; send `application/octet-stream`.
 * - `GET /logged-models/:id/artifacts/files?artifact_file_path=`: a logged model's file.
 * Files are sent as attachments with MLflow's content types (see `sendArtifactFile`).
 */
export async function addUiArtifactRoutes(scope: FastifyInstance): Promise<void> {
  scope.get('/logged-models/:id/artifacts/files', { compress: false }, async (request, reply) => {
    const m = MlflowMessage.read(request)
    const file = m.optStr('artifact_file_path')
    if (!file) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        'Request must include the "artifact_file_path" query parameter.',
        {
          details: { [MLFLOW_ERROR_CODE_DETAIL]: 'BAD_REQUEST' },
        },
      )
    }
    const path = safeArtifactPath(file)
    const id = (request.params as { id: string }).id
    const model = await (await request.services.tracking()).loggedModels.get(id)
    return sendArtifactUnder(request, reply, model.artifactUri, path)
  })
  await scope.register(async (raw) => {
    raw.removeAllContentTypeParsers()
    // Any type but the three a cross-site form can send without a preflight (those get 415).
    raw.addContentTypeParser(
      /^(?!text\/plain|application\/x-www-form-urlencoded|multipart\/form-data)/i,
      { parseAs: 'buffer', bodyLimit: UPLOAD_MAX_BYTES },
      (_r, body, done) => done(null, body),
    )
    raw.post('/upload-artifact', {
      onRequest: async (request) => {
        if (Number(request.headers['content-length'] ?? 0) > UPLOAD_MAX_BYTES) {
          throw invalid('Artifact size is too large. Max size is 10MB.')
        }
      },
      handler: async (request, reply) => {
        const query = MlflowMessage.fromQuery(request.query as Record<string, string>)
        const runId = query.optStr('run_uuid')
        if (!runId) throw invalid('Request must specify run_uuid.')
        const file = query.optStr('path')
        if (!file) throw invalid('Request must specify path.')
        const path = safeArtifactPath(file)
        const body = request.body as Buffer | undefined
        if (body === undefined || body.length === 0) throw invalid('Request must specify data.')
        await (await request.services.tracking()).runs.logArtifact(runId, path, new Uint8Array(body))
        // MLflow's answer: an empty body typed JSON.
        return reply.type('application/json').send('')
      },
    })
  })
}

/**
 * MLflow's download routes outside the API prefix, as its web UI calls them (register on a
 * scope that answers errors in MLflow's format):
 * - `GET /get-artifact?run_id=&path=` (or `run_uuid`): a run's artifact file.
 * - `GET /model-versions/get-artifact?name=&version=&path=`: a file of a registered version,
 *   under its download URI.
 * Both apply MLflow's path guard.
 */
export function addDownloadRoutes(scope: FastifyInstance): void {
  scope.get('/get-artifact', { compress: false }, async (request, reply) => {
    const m = MlflowMessage.read(request)
    const runId = m.optStr('run_id') || m.optStr('run_uuid')
    if (!runId) throw invalid('Request must specify run_id.')
    const path = safeArtifactPath(m.str('path'))
    await (await request.services.tracking()).runs.get(runId)
    return sendArtifactUnder(request, reply, `runs:/${runId}`, path)
  })
  scope.get('/model-versions/get-artifact', { compress: false }, async (request, reply) => {
    const m = MlflowMessage.read(request)
    const path = safeArtifactPath(m.str('path'))
    const version = await (await request.services.registry()).getVersion(
      m.str('name'),
      parseVersion(m.str('version')),
    )
    const uri = await downloadUri(version, await request.services.tracking())
    return sendArtifactUnder(request, reply, uri, path)
  })
}
