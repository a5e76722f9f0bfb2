import type { FastifyRequest } from 'fastify'
import { isStrataError, StrataError } from '../../core/errors.js'
import { parseFilterFor, type SearchSchema } from '../../db/index.js'
import {
  MODEL_VERSION_SEARCH_SCHEMA,
  type ModelRegistry,
  type ModelVersion,
  parseVersion,
  REGISTERED_MODEL_SEARCH_SCHEMA,
  type RegisteredModel,
  type RegistrySearch,
} from '../../registry/index.js'
import type { TrackingStore } from '../../tracking/index.js'
import { compact, keyValueList, pageJson, type WireObject } from './mlflow-json.js'
import { invalid, type MlflowMessage } from './mlflow-message.js'
import { registryArtifactUri } from './mlflow-registry-artifacts.js'
import type { MlflowRpc } from './mlflow-router.js'
import { checkVersionSource } from './mlflow-version-source.js'

/** `models:/m-<hex>`: a version registered from an MLflow 3 logged model. */
const LOGGED_MODEL_SOURCE = /^models:\/(m-[0-9a-f]+)\/?$/
/** `runs:/<run_id>/<path>`: a version registered from a run's artifacts. */
const RUN_SOURCE = /^runs:\/([^/]+)\/?(.*)$/

/** MLflow `ModelVersion`, with its (deprecated upstream) stage. */
export function modelVersionJson(v: ModelVersion): WireObject {
  return compact({
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.createdAt,
    last_updated_timestamp: v.updatedAt,
    user_id: v.createdBy ?? undefined,
    current_stage: v.stage,
    description: v.description,
    source: v.source,
    run_id: v.runId ?? undefined,
    status: v.status,
    status_message: v.statusMessage ?? undefined,
    tags: keyValueList(v.tags),
    run_link: v.runLink ?? undefined,
    aliases: v.aliases,
    model_id: LOGGED_MODEL_SOURCE.exec(v.source)?.[1],
  })
}

/** MLflow `RegisteredModel`; `latest_versions` holds the newest version of each stage, as MLflow's. */
export function registeredModelJson(m: RegisteredModel, latest: ModelVersion[] = []): WireObject {
  return compact({
    name: m.name,
    creation_timestamp: m.createdAt,
    last_updated_timestamp: m.updatedAt,
    user_id: m.createdBy ?? undefined,
    description: m.description,
    // MLflow's server lists latest versions without their aliases.
    latest_versions: latest.map((v) => modelVersionJson({ ...v, aliases: [] })),
    tags: keyValueList(m.tags),
    aliases: Object.entries(m.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
  })
}

/**
 * MLflow model-registry RPCs (`model_registry.proto`) over the {@link ModelRegistry}. Versions
 * registered through MLflow are `external` (Strata stores no files of its own; the files stay in
 * the run's or logged model's artifacts) and are `READY` at once, so the client never polls.
 */
export function addRegistryRoutes(add: MlflowRpc): void {
  const rpc = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    fn: (m: MlflowMessage, r: ModelRegistry, req: FastifyRequest) => Promise<unknown>,
  ) => add(method, path, async (m, request) => fn(m, await request.services.registry(), request))
  const tracking = (request: FastifyRequest) => request.services.tracking()
  const version = (m: MlflowMessage) => parseVersion(m.str('version'))
  const withLatest = async (r: ModelRegistry, m: RegisteredModel) =>
    registeredModelJson(m, m.latestVersion === null ? [] : await r.latestVersionsByStage(m.name))

  // Registered models.
  rpc('POST', '/registered-models/create', async (m, r) => {
    const description = m.optStr('description')
    const model = await r.createModel(m.str('name'), {
      tags: m.keyValues('tags'),
      ...(description === undefined ? {} : { description }),
    })
    return { registered_model: registeredModelJson(model) }
  })
  rpc('GET', '/registered-models/get', async (m, r) => ({
    registered_model: await withLatest(r, await r.getModel(m.str('name'))),
  }))
  for (const method of ['GET', 'POST'] as const) {
    rpc(method, '/registered-models/search', async (m, r) => {
      const { excludePrompts, ...options } = search(m, REGISTERED_MODEL_SEARCH_SCHEMA)
      const page = await r.searchModels(options)
      const found = excludePrompts ? page.items.filter(notPrompt) : page.items
      const items = await Promise.all(found.map((x) => withLatest(r, x)))
      return pageJson('registered_models', items, page.nextPageToken ?? undefined)
    })
  }
  rpc('PATCH', '/registered-models/update', async (m, r) => {
    const description = m.optStr('description')
    const model = await r.updateModel(m.str('name'), description === undefined ? {} : { description })
    return { registered_model: registeredModelJson(model) }
  })
  rpc('POST', '/registered-models/rename', async (m, r) => {
    const model = await r.renameModel(m.str('name'), m.str('new_name'))
    return { registered_model: await withLatest(r, model) }
  })
  rpc('DELETE', '/registered-models/delete', async (m, r) => {
    await r.deleteModel(m.str('name'))
    return {}
  })
  rpc('POST', '/registered-models/set-tag', async (m, r) => {
    await r.setModelTag(m.str('name'), m.str('key'), m.optStr('value') ?? '')
    return {}
  })
  rpc('DELETE', '/registered-models/delete-tag', async (m, r) => {
    await r.deleteModelTag(m.str('name'), m.str('key'))
    return {}
  })
  for (const method of ['POST', 'GET'] as const) {
    rpc(method, '/registered-models/get-latest-versions', async (m, r) => {
      const versions = await r.latestVersionsByStage(m.str('name'), m.strings('stages'))
      return { model_versions: versions.map(modelVersionJson) }
    })
  }

  // Aliases.
  rpc('POST', '/registered-models/alias', async (m, r) => {
    await r.setAlias(m.str('name'), m.str('alias'), version(m))
    return {}
  })
  // As MLflow's server: a missing alias of an existing model is INVALID_PARAMETER_VALUE with its
  // message on lookup, and deleting one is a no-op (a missing model stays RESOURCE_DOES_NOT_EXIST).
  rpc('GET', '/registered-models/alias', async (m, r) => {
    try {
      return { model_version: modelVersionJson(await r.getVersionByAlias(m.str('name'), m.str('alias'))) }
    } catch (err) {
      if (isMissingAlias(err)) await r.getModel(m.str('name'))
      throw missingAlias(err, m.str('alias'))
    }
  })
  rpc('DELETE', '/registered-models/alias', async (m, r) => {
    try {
      await r.deleteAlias(m.str('name'), m.str('alias'))
    } catch (err) {
      if (!isMissingAlias(err)) throw err
      await r.getModel(m.str('name'))
    }
    return {}
  })

  // Model versions.
  rpc('POST', '/model-versions/create', async (m, r, req) => {
    const name = m.str('name')
    const lineage = await registeredSource(r, m)
    const source = lineage.source
    await checkVersionSource(
      source,
      { runId: lineage.runId ?? '', modelId: lineage.modelId ?? '' },
      await tracking(req),
    )
    const modelId = lineage.modelId || LOGGED_MODEL_SOURCE.exec(source)?.[1]
    // As MLflow's server: a version of a logged model belongs to the run that produced it.
    const runId =
      lineage.runId ||
      (modelId
        ? ((await (await tracking(req)).loggedModels.get(modelId)).sourceRunId ?? undefined)
        : undefined)
    const runLink = m.optStr('run_link')
    const description = m.optStr('description')
    const v = await r.registerVersion(name, {
      flavor: 'external',
      source,
      createModel: false,
      tags: m.keyValues('tags'),
      ...(runId ? { runId } : {}),
      ...(runLink ? { runLink } : {}),
      ...(description === undefined ? {} : { description }),
    })
    if (modelId) await linkModelVersion(await tracking(req), modelId, v.name, v.version)
    return { model_version: modelVersionJson(v) }
  })
  rpc('GET', '/model-versions/get', async (m, r) => {
    const name = m.str('name')
    const v = version(m)
    try {
      return { model_version: modelVersionJson(await r.getVersion(name, v)) }
    } catch (err) {
      // MLflow's server reports a version of a missing model as a missing version.
      if (!isStrataError(err, 'NOT_FOUND') || err.details?.entity !== 'registeredModel') throw err
      throw new StrataError('NOT_FOUND', `model "${name}" has no version ${v}`, {
        details: { entity: 'modelVersion', name, version: v },
        cause: err,
      })
    }
  })
  for (const method of ['GET', 'POST'] as const) {
    rpc(method, '/model-versions/search', async (m, r) => {
      const { excludePrompts, ...options } = search(m, MODEL_VERSION_SEARCH_SCHEMA)
      // MLflow's server: without order_by, most recently updated first (across models), then
      // the schema's name ASC, version DESC; with one, only those tie-breakers follow it.
      const page = await r.searchVersions({
        ...options,
        orderBy: options.orderBy ?? ['last_updated_timestamp DESC'],
      })
      const found = excludePrompts ? page.items.filter(notPrompt) : page.items
      return pageJson('model_versions', found.map(modelVersionJson), page.nextPageToken ?? undefined)
    })
  }
  rpc('PATCH', '/model-versions/update', async (m, r) => {
    const description = m.optStr('description')
    const v = await r.updateVersion(
      m.str('name'),
      version(m),
      description === undefined ? {} : { description },
    )
    return { model_version: modelVersionJson(v) }
  })
  rpc('DELETE', '/model-versions/delete', async (m, r) => {
    await r.deleteVersion(m.str('name'), version(m))
    return {}
  })
  rpc('POST', '/model-versions/set-tag', async (m, r) => {
    await r.setVersionTag(m.str('name'), version(m), m.str('key'), m.optStr('value') ?? '')
    return {}
  })
  rpc('DELETE', '/model-versions/delete-tag', async (m, r) => {
    await r.deleteVersionTag(m.str('name'), version(m), m.str('key'))
    return {}
  })
  rpc('GET', '/model-versions/get-download-uri', async (m, r, req) => {
    const v = await r.getVersion(m.str('name'), version(m))
    return { artifact_uri: await downloadUri(v, await tracking(req)) }
  })
  rpc('POST', '/model-versions/transition-stage', async (m, r) => {
    const v = await r.transitionStage(m.str('name'), version(m), m.str('stage'), {
      archiveExisting: m.optBool('archive_existing_versions') ?? false,
    })
    return { model_version: modelVersionJson(v) }
  })
}

/** True for the registry's "model has no such alias" (not "no such model"). */
function isMissingAlias(err: unknown): boolean {
  return isStrataError(err, 'NOT_FOUND') && err.details?.alias !== undefined
}

/** A missing alias in MLflow's words and code; other errors unchanged. */
function missingAlias(err: unknown, alias: string): unknown {
  return isMissingAlias(err)
    ? new StrataError('INVALID_ARGUMENT', `Registered model alias ${alias} not found.`, {
        details: { alias },
      })
    : err
}

/**
 * Where a version's files are, as MLflow's `get-download-uri` answers it: the logged model's
 * artifact location, a `runs:/` source itself, else the source (or Strata's registry folder).
 */
export async function downloadUri(v: ModelVersion, tracking: TrackingStore): Promise<string> {
  const logged = LOGGED_MODEL_SOURCE.exec(v.source)
  if (logged?.[1] !== undefined) return (await tracking.loggedModels.get(logged[1])).artifactUri
  // As MLflow's server: a `runs:/` source is the download URI itself; the client resolves it.
  if (RUN_SOURCE.test(v.source)) return v.source
  return v.storagePrefix === null ? v.source : registryArtifactUri(v)
}

/** The tag that marks MLflow prompts, which are stored as registered models. */
const PROMPT_TAG = 'mlflow.prompt.is_prompt'

/**
 * Search options from an MLflow message. The mlflow client appends
 * `tag.\`mlflow.prompt.is_prompt\` != 'true'` to every `search_registered_models` filter, meaning
 * "not a prompt", which must also match models without that tag (MLflow's server special-cases
 * it with an anti-join). Strata drops that condition here and {@link notPrompt} filters instead.
 */
function search(m: MlflowMessage, schema: SearchSchema): RegistrySearch & { excludePrompts: boolean } {
  const filter = m.optStr('filter')
  const orderBy = m.strings('order_by')
  const maxResults = m.optInt('max_results')
  const pageToken = m.optStr('page_token')
  const conditions = parseFilterFor(schema, filter)
  const kept = conditions.filter(
    (c) => !(c.type === 'tag' && c.key === PROMPT_TAG && c.comparator === '!=' && c.value === 'true'),
  )
  return {
    ...(kept.length > 0 ? { filter: kept } : {}),
    ...(orderBy.length > 0 ? { orderBy } : {}),
    ...(maxResults === undefined ? {} : { maxResults }),
    ...(pageToken ? { pageToken } : {}),
    excludePrompts: kept.length < conditions.length,
  }
}

/** False for models or versions tagged as MLflow prompts. */
function notPrompt(x: { tags: Record<string, string> }): boolean {
  return x.tags[PROMPT_TAG] !== 'true'
}

/** The logged-model tag listing the registered versions made from the model (MLflow's). */
const MODEL_VERSIONS_TAG = 'mlflow.modelVersions'

/**
 * Appends `{name, version}` to the logged model's `mlflow.modelVersions` tag, as MLflow's server
 * does when a version is registered from a logged model (the UI links the two by it); the value
 * is written as Python's `json.dumps` writes it, so both servers' tags read the same.
 */
async function linkModelVersion(
  tracking: TrackingStore,
  modelId: string,
  name: string,
  version: number,
): Promise<void> {
  const model = await tracking.loggedModels.get(modelId)
  const existing = model.tags[MODEL_VERSIONS_TAG]
  let entries: { name: unknown; version: unknown }[] = []
  if (existing !== undefined) {
    try {
      const parsed: unknown = JSON.parse(existing)
      if (Array.isArray(parsed)) entries = parsed as typeof entries
    } catch {
      // A tag that is not MLflow's list is replaced.
    }
  }
  if (!entries.some((e) => e.name === name && Number(e.version) === version)) entries.push({ name, version })
  const value = `[${entries.map((e) => `{"name": ${pyJson(e.name)}, "version": ${pyJson(e.version)}}`).join(', ')}]`
  await tracking.loggedModels.setTags(modelId, [{ key: MODEL_VERSIONS_TAG, value }])
}

/** A JSON scalar as Python's `json.dumps` writes it (non-ASCII escaped). */
function pyJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** A version's lineage as the request gives it, after {@link registeredSource}. */
interface SourceLineage {
  source: string
  runId: string | undefined
  modelId: string | undefined
}

/**
 * MLflow's resolution of a `models:/<name>/<version>` source (a version registered from another
 * version, as `copy_model_version` does): the referenced version must exist (else MLflow's "not
 * found"), the source becomes `models:/<name>/<version>`, and `run_id` / `model_id` default to
 * the referenced version's — given ones must match it. Other sources pass unchanged.
 */
async function registeredSource(r: ModelRegistry, m: MlflowMessage): Promise<SourceLineage> {
  const source = m.str('source')
  const runId = m.optStr('run_id')
  const modelId = m.optStr('model_id')
  const named = /^models:\/([^/]+)\/([0-9]+)\/?$/.exec(source)
  if (named?.[1] === undefined || named[2] === undefined) return { source, runId, modelId }
  const referenced = await r.getVersion(decodeURIComponent(named[1]), Number(named[2]))
  const refModel = LOGGED_MODEL_SOURCE.exec(referenced.source)?.[1]
  if (
    (m.has('run_id') && (runId ?? '') !== (referenced.runId ?? '')) ||
    (m.has('model_id') && (modelId ?? '') !== (refModel ?? ''))
  ) {
    throw invalid(
      `Invalid model version source: '${source}'. The run_id and model_id request parameters must match the referenced model version.`,
    )
  }
  return {
    source: `models:/${referenced.name}/${referenced.version}`,
    runId: m.has('run_id') ? runId : (referenced.runId ?? undefined),
    modelId: m.has('model_id') ? modelId : refModel,
  }
}
