import { type LoggedModelStatus, proxiedArtifactPath, type TrackingStore } from '../../tracking/index.js'
import { compact, fileInfoJson, keyValues, loggedModelJson, pageJson } from './mlflow-json.js'
import { invalid, type MlflowMessage } from './mlflow-message.js'
import type { MlflowRpc } from './mlflow-router.js'

/**
 * MLflow 3 logged models (`/logged-models…`), which every `log_model` of an mlflow ≥ 3 client
 * calls with no fallback: create (PENDING), params, tags, finalize (READY / UPLOAD_FAILED), get,
 * search and artifact listing. A logged model's files go through the artifact proxy under
 * `<experiment>/models/<model_id>/artifacts`.
 */
export function addLoggedModelRoutes(add: MlflowRpc): void {
  const rpc = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    fn: (m: MlflowMessage, t: TrackingStore, params: Record<string, string>) => Promise<unknown>,
  ) =>
    add(method, path, async (m, request) =>
      fn(m, await request.services.tracking(), request.params as Record<string, string>),
    )

  rpc('POST', '/logged-models', async (m, t) => {
    const name = m.optStr('name')
    const modelType = m.optStr('model_type')
    const sourceRunId = m.optStr('source_run_id')
    const model = await t.loggedModels.create({
      experimentId: m.str('experiment_id'),
      params: keyValues(m.messages('params')),
      tags: keyValues(m.messages('tags')),
      ...(name ? { name } : {}),
      ...(modelType ? { modelType } : {}),
      ...(sourceRunId ? { sourceRunId } : {}),
    })
    return { model: loggedModelJson(model) }
  })
  rpc('POST', '/logged-models/search', async (m, t) => {
    const orderBy = m.messages('order_by').map((o) => {
      if (o.optStr('dataset_name') !== undefined) {
        throw invalid('ordering logged models by a dataset-scoped metric is not supported; drop dataset_name')
      }
      return `${o.str('field_name')} ${o.optBool('ascending') === false ? 'DESC' : 'ASC'}`
    })
    const datasets = m.messages('datasets').map((d) => {
      const digest = d.optStr('dataset_digest')
      return { name: d.optStr('dataset_name') ?? '', ...(digest ? { digest } : {}) }
    })
    const page = await t.loggedModels.search(
      compact({
        experimentIds: m.strings('experiment_ids'),
        filter: m.optStr('filter'),
        orderBy,
        maxResults: m.optInt('max_results'),
        pageToken: m.optStr('page_token') || undefined,
        datasets,
      }),
    )
    return pageJson(
      'models',
      page.items.map((x) => loggedModelJson(x)),
      page.nextPageToken,
    )
  })
  rpc('GET', '/logged-models/:id', async (_m, t, p) => ({
    model: loggedModelJson(await t.loggedModels.get(p.id ?? '')),
  }))
  rpc('PATCH', '/logged-models/:id', async (m, t, p) => {
    const model = await t.loggedModels.finalize(p.id ?? '', m.str('status') as LoggedModelStatus)
    return { model: loggedModelJson(model) }
  })
  rpc('DELETE', '/logged-models/:id', async (_m, t, p) => {
    await t.loggedModels.delete(p.id ?? '')
    return {}
  })
  rpc('POST', '/logged-models/:id/params', async (m, t, p) => {
    await t.loggedModels.logParams(p.id ?? '', keyValues(m.messages('params')))
    return {}
  })
  rpc('PATCH', '/logged-models/:id/tags', async (m, t, p) => {
    const id = p.id ?? ''
    await t.loggedModels.setTags(id, keyValues(m.messages('tags')))
    return { model: loggedModelJson(await t.loggedModels.get(id)) }
  })
  rpc('DELETE', '/logged-models/:id/tags/:key', async (_m, t, p) => {
    await t.loggedModels.deleteTag(p.id ?? '', p.key ?? '')
    return {}
  })
  rpc('GET', '/logged-models/:id/artifacts/directories', async (m, t, p) => {
    const model = await t.loggedModels.get(p.id ?? '')
    const root = proxiedArtifactPath(model.artifactUri)
    if (root === undefined) {
      throw invalid(
        `logged model "${model.modelId}" stores its artifacts at ${model.artifactUri}, outside Strata`,
      )
    }
    const dir = (m.optStr('artifact_directory_path') ?? '').replace(/^\/+|\/+$/g, '')
    const entries = await t.artifacts.list(dir === '' ? root : `${root}/${dir}`)
    return {
      root_uri: model.artifactUri,
      files: entries.map((e) => fileInfoJson(e, e.path.slice(root.length + 1))),
    }
  })
}
