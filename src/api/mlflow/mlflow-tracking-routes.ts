import { isAbsolute, resolve } from 'node:path'
import type { FastifyRequest } from 'fastify'
import { StrataError } from '../../core/errors.js'
import {
  DEFAULT_EXPERIMENT_ID,
  type MetricInput,
  parseViewType,
  type RunStatus,
  TRACKING_LIMITS,
  type TrackingStore,
} from '../../tracking/index.js'
import { recordedUser } from '../authentication.js'
import { safeArtifactPath } from './mlflow-artifact-files.js'
import {
  compact,
  experimentJson,
  fileInfoJson,
  keyValues,
  metricJson,
  pageJson,
  runInfoJson,
  runJson,
} from './mlflow-json.js'
import { invalid, type MlflowMessage } from './mlflow-message.js'
import type { MlflowRpc } from './mlflow-router.js'

/**
 * MLflow tracking RPCs (`service.proto`): experiments, runs, params, metrics, tags, log-batch,
 * search, metric history, run inputs/outputs and the 2.x `runs/log-model`. Each handler reads
 * the request message, calls the {@link TrackingStore} and answers the proto-shaped JSON.
 */
export function addTrackingRoutes(add: MlflowRpc): void {
  const rpc = (
    method: 'GET' | 'POST',
    path: string,
    fn: (m: MlflowMessage, t: TrackingStore) => Promise<unknown>,
  ) => add(method, path, async (m, request) => fn(m, await request.services.tracking()))

  // Experiments.
  rpc('GET', '/experiments/get-by-name', async (m, t) => ({
    experiment: experimentJson(await t.experiments.getByName(m.str('experiment_name'))),
  }))
  rpc('GET', '/experiments/get', async (m, t) => ({
    experiment: experimentJson(await t.experiments.get(m.str('experiment_id'))),
  }))
  add('POST', '/experiments/create', async (m, request) => {
    const t = await request.services.tracking()
    const location = artifactLocation(m.optStr('artifact_location'), request.services.config.root)
    const exp = await t.experiments.create(m.str('name'), {
      tags: m.keyValues('tags'),
      ...(location ? { artifactLocation: location } : {}),
    })
    return { experiment_id: exp.experimentId }
  })
  for (const method of ['POST', 'GET'] as const) {
    rpc(method, '/experiments/search', async (m, t) => {
      const page = await t.experiments.search(
        compact({
          filter: m.optStr('filter'),
          orderBy: m.strings('order_by'),
          viewType: parseViewType(m.optStr('view_type')),
          maxResults: m.optInt('max_results'),
          pageToken: m.optStr('page_token') || undefined,
        }),
      )
      return pageJson('experiments', page.items.map(experimentJson), page.nextPageToken)
    })
  }
  rpc('POST', '/experiments/update', async (m, t) => {
    const newName = m.optStr('new_name')
    if (newName) await t.experiments.rename(m.str('experiment_id'), newName)
    else await t.experiments.get(m.str('experiment_id'))
    return {}
  })
  // As MLflow's server: deleting a deleted experiment, or restoring an active one, finds no
  // experiment in the stage it acts on.
  rpc('POST', '/experiments/delete', async (m, t) => {
    const id = m.str('experiment_id')
    await requireStage(t, id, 'active')
    await t.experiments.delete(id)
    return {}
  })
  rpc('POST', '/experiments/restore', async (m, t) => {
    const id = m.str('experiment_id')
    await requireStage(t, id, 'deleted')
    await t.experiments.restore(id)
    return {}
  })
  rpc('POST', '/experiments/set-experiment-tag', async (m, t) => {
    await t.experiments.setTag(m.str('experiment_id'), m.str('key'), m.optStr('value') ?? '')
    return {}
  })
  rpc('POST', '/experiments/delete-experiment-tag', async (m, t) => {
    await t.experiments.deleteTag(m.str('experiment_id'), m.str('key'))
    return {}
  })

  // Runs.
  add('POST', '/runs/create', async (m, request) => {
    const t = await request.services.tracking()
    const runName = m.optStr('run_name')
    // Without a user (absent or empty) the run is the request principal's (RunStore.create);
    // with a token, always the token's principal (the client's user and mlflow.user are claims).
    const userId = recordedUser(request, m.optStr('user_id') || undefined)
    const startTime = m.optInt('start_time')
    const tags = m.keyValues('tags')
    if (request.principal.token !== undefined) tags['mlflow.user'] = request.principal.id
    const run = await t.runs.create({
      experimentId: m.optStr('experiment_id') || DEFAULT_EXPERIMENT_ID,
      tags,
      ...(runName ? { runName } : {}),
      ...(userId ? { userId } : {}),
      ...(startTime === undefined ? {} : { startTime }),
    })
    return { run: runJson(run) }
  })
  rpc('POST', '/runs/update', async (m, t) => {
    const status = m.optStr('status')
    const endTime = m.optInt('end_time')
    const runName = m.optStr('run_name')
    const info = await t.runs.update(m.runId(), {
      ...(status === undefined ? {} : { status: status as RunStatus }),
      ...(endTime === undefined ? {} : { endTime }),
      ...(runName ? { runName } : {}),
    })
    return { run_info: runInfoJson(info) }
  })
  rpc('POST', '/runs/delete', async (m, t) => {
    await t.runs.delete(m.runId())
    return {}
  })
  rpc('POST', '/runs/restore', async (m, t) => {
    await t.runs.restore(m.runId())
    return {}
  })
  rpc('GET', '/runs/get', async (m, t) => ({ run: runJson(await t.runs.get(m.runId())) }))
  rpc('POST', '/runs/log-metric', async (m, t) => {
    await t.runs.logMetric(m.runId(), metricInput(m))
    return {}
  })
  // Fields are checked in the order of MLflow's request schemas (run_id, key, value, ...), so the
  // first wrong field is the one MLflow's server names.
  add('POST', '/runs/log-parameter', async (m, request) => {
    const runId = m.runId()
    const key = m.str('key')
    const value = m.optStr('value') ?? ''
    warnTruncated(request, 'Param value', [{ key, value }], TRACKING_LIMITS.paramValueLength)
    await (await request.services.tracking()).runs.logParam(runId, key, value)
    return {}
  })
  add('POST', '/runs/set-tag', async (m, request) => {
    const runId = m.runId()
    const key = m.str('key')
    const value = m.optStr('value') ?? ''
    warnTruncated(request, 'Tag value', [{ key, value }], TRACKING_LIMITS.runTagValueLength)
    await (await request.services.tracking()).runs.setTag(runId, key, value)
    return {}
  })
  rpc('POST', '/runs/delete-tag', async (m, t) => {
    await t.runs.deleteTag(m.runId(), m.str('key'))
    return {}
  })
  add('POST', '/runs/log-batch', async (m, request) => {
    const runId = m.runId()
    const metrics = m.messages('metrics').map(metricInput)
    const params = keyValues(m.messages('params'))
    const tags = keyValues(m.messages('tags'))
    warnTruncated(request, 'Param value', params, TRACKING_LIMITS.paramValueLength)
    warnTruncated(request, 'Tag value', tags, TRACKING_LIMITS.runTagValueLength)
    await (await request.services.tracking()).runs.logBatch(runId, { metrics, params, tags })
    return {}
  })
  rpc('POST', '/runs/search', async (m, t) => {
    const page = await t.runs.search(
      compact({
        experimentIds: m.strings('experiment_ids'),
        filter: m.optStr('filter'),
        orderBy: m.strings('order_by'),
        viewType: parseViewType(m.optStr('run_view_type')),
        maxResults: m.optInt('max_results'),
        pageToken: m.optStr('page_token') || undefined,
      }),
    )
    return pageJson('runs', page.items.map(runJson), page.nextPageToken)
  })
  rpc('GET', '/metrics/get-history', async (m, t) => {
    const page = await t.runs.metricHistory(
      m.runId(),
      m.str('metric_key'),
      compact({ maxResults: m.optInt('max_results'), pageToken: m.optStr('page_token') || undefined }),
    )
    return pageJson('metrics', page.items.map(metricJson), page.nextPageToken)
  })
  rpc('GET', '/metrics/get-history-bulk-interval', async (m, t) => {
    // In the order and words of MLflow's request schema (its web UI and users match on them).
    const runIds = m.strings('run_ids')
    if (runIds.length === 0) {
      throw invalid(
        "Missing value for required parameter 'run_ids'. See the API docs for more information about request parameters.",
      )
    }
    if (runIds.length > 100) {
      throw invalid(
        `GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received ${runIds.length} run_ids.`,
      )
    }
    const metricKey = m.str('metric_key')
    const startStep = m.optInt('start_step')
    const endStep = m.optInt('end_step')
    const maxResults = m.optInt('max_results')
    const points = await t.runs.downsampledHistory(
      runIds,
      metricKey,
      compact({ startStep, endStep, maxResults }),
    )
    return { metrics: points.map(metricJson) }
  })
  rpc('GET', '/artifacts/list', async (m, t) => {
    const runId = m.runId()
    // MLflow's server checks the path with validate_path_is_safe ("Invalid path") first.
    const path = safeArtifactPath(m.optStr('path') ?? '')
    const [run, entries] = await Promise.all([t.runs.get(runId), t.runs.listArtifacts(runId, path)])
    return { root_uri: run.info.artifactUri, files: entries.map((e) => fileInfoJson(e)) }
  })
  rpc('POST', '/runs/log-inputs', async (m, t) => {
    await t.runs.logInputs(m.runId(), {
      datasets: m.messages('datasets').map((d) => {
        const ds = d.optMessage('dataset')
        if (ds === undefined) throw invalid("each entry of 'datasets' needs a 'dataset'")
        const schema = ds.optStr('schema')
        const profile = ds.optStr('profile')
        return {
          tags: d.keyValues('tags'),
          dataset: {
            name: ds.str('name'),
            digest: ds.str('digest'),
            sourceType: ds.str('source_type'),
            source: ds.str('source'),
            ...(schema === undefined ? {} : { schema }),
            ...(profile === undefined ? {} : { profile }),
          },
        }
      }),
      models: m.messages('models').map((x) => ({ modelId: x.str('model_id') })),
    })
    return {}
  })
  rpc('POST', '/runs/outputs', async (m, t) => {
    await t.runs.logOutputs(
      m.runId(),
      m.messages('models').map((x) => ({ modelId: x.str('model_id'), step: x.optInt('step') ?? 0 })),
    )
    return {}
  })
  rpc('POST', '/runs/log-model', async (m, t) => {
    const raw = m.str('model_json')
    let model: unknown
    try {
      model = JSON.parse(raw)
    } catch {
      throw invalid(`'model_json' is not valid JSON: ${raw.slice(0, 80)}`)
    }
    if (typeof model !== 'object' || model === null || Array.isArray(model)) {
      throw invalid("'model_json' must hold a JSON object")
    }
    await t.runs.recordLoggedModel(m.runId(), model as Record<string, unknown>)
    return {}
  })
}

/** A metric of log-metric or log-batch; its timestamp is required, as MLflow's server requires it. */
function metricInput(m: MlflowMessage): MetricInput {
  const key = m.str('key')
  const value = m.num('value')
  const timestamp = m.int('timestamp')
  const step = m.optInt('step') ?? 0
  const modelId = m.optStr('model_id')
  const datasetName = m.optStr('dataset_name')
  const datasetDigest = m.optStr('dataset_digest')
  return {
    key,
    value,
    step,
    timestamp,
    ...(modelId ? { modelId } : {}),
    ...(datasetName ? { datasetName } : {}),
    ...(datasetDigest ? { datasetDigest } : {}),
  }
}

/**
 * The server-log warning MLflow's server gives when it cuts an over-long param or tag value
 * (the tracking store does the cutting, for every client).
 */
function warnTruncated(
  request: FastifyRequest,
  what: string,
  entries: readonly { key: string; value: string }[],
  max: number,
): void {
  for (const { key, value } of entries) {
    if (value.length > max) {
      request.log.warn(
        `${what} '${value.slice(0, 100)}...' (${Array.from(value).length} characters) of key '${key}' is truncated to ${max} characters to meet the length limit.`,
      )
    }
  }
}

/** `NOT_FOUND` (MLflow's "No Experiment with id=… exists") unless the experiment is in `stage`. */
async function requireStage(
  t: TrackingStore,
  experimentId: string,
  stage: 'active' | 'deleted',
): Promise<void> {
  const exp = await t.experiments.get(experimentId)
  if (exp.lifecycleStage !== stage) {
    throw new StrataError('NOT_FOUND', `experiment "${experimentId}" is not ${stage}`, {
      details: { entity: 'experiment', experimentId, lifecycleStage: exp.lifecycleStage },
    })
  }
}

/**
 * An experiment's artifact location as MLflow's server takes it: a URI with fragments or
 * params is refused in MLflow's words, and a relative local path is made absolute — against the
 * project's directory (MLflow's server uses its working directory).
 */
function artifactLocation(location: string | undefined, root: string): string | undefined {
  if (!location) return undefined
  if (location.includes('#') || /;[^/]*$/.test(location)) {
    throw invalid("'artifact_location' URL can't include fragments or params.")
  }
  const hasScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(location) && !/^[A-Za-z]:[\\/]/.test(location)
  return hasScheme || isAbsolute(location) ? location : resolve(root, location)
}
