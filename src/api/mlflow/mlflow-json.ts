import type {
  ArtifactEntry,
  DatasetInput,
  Experiment,
  LoggedModel,
  Metric,
  Run,
  RunInfo,
} from '../../tracking/index.js'
import type { MlflowMessage } from './mlflow-message.js'

/** A JSON object as sent on the wire. */
export type WireObject = Record<string, unknown>

/** `{key: value}` as MLflow's repeated `{key, value}` messages. */
export function keyValueList(record: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }))
}

/**
 * A double as proto3 JSON writes it: non-finite values are the strings `"NaN"`, `"Infinity"`
 * and `"-Infinity"` (plain JSON has no spelling for them; `JSON.stringify(NaN)` is `null`).
 */
export function wireDouble(value: number): number | string {
  if (Number.isFinite(value)) return value
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? 'Infinity' : '-Infinity'
}

/** `T` with every property that may be `undefined` made optional instead. */
export type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>
}

/** Removes `undefined` fields (proto JSON omits unset fields; options objects omit unset keys). */
export function compact<T extends object>(obj: T): Compact<T> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v
  return out as Compact<T>
}

/** MLflow `Experiment`. */
export function experimentJson(e: Experiment): WireObject {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: keyValueList(e.tags),
  }
}

/** MLflow `RunInfo`; `run_uuid` repeats `run_id` for old clients. */
export function runInfoJson(info: RunInfo): WireObject {
  return compact({
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
    end_time: info.endTime ?? undefined,
    artifact_uri: info.artifactUri,
    lifecycle_stage: info.lifecycleStage,
  })
}

/** MLflow `Metric`. */
export function metricJson(m: Metric & { runId?: string | null; modelId?: string | null }): WireObject {
  return compact({
    key: m.key,
    value: wireDouble(m.value),
    timestamp: m.timestamp,
    step: m.step,
    run_id: m.runId ?? undefined,
    model_id: m.modelId ?? undefined,
  })
}

function datasetInputJson(d: DatasetInput): WireObject {
  return {
    tags: keyValueList(d.tags),
    dataset: compact({
      name: d.dataset.name,
      digest: d.dataset.digest,
      source_type: d.dataset.sourceType,
      source: d.dataset.source,
      schema: d.dataset.schema,
      profile: d.dataset.profile,
    }),
  }
}

/** MLflow `Run` with `info`, `data`, `inputs` and `outputs`. */
export function runJson(run: Run): WireObject {
  return {
    info: runInfoJson(run.info),
    data: {
      metrics: Object.entries(run.data.metrics).map(([key, p]) => metricJson({ key, ...p })),
      params: keyValueList(run.data.params),
      tags: keyValueList(run.data.tags),
    },
    inputs: {
      dataset_inputs: run.inputs.datasetInputs.map(datasetInputJson),
      model_inputs: run.inputs.modelInputs.map((m) => ({ model_id: m.modelId })),
    },
    outputs: {
      model_outputs: run.outputs.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })),
    },
  }
}

/** MLflow 3 `LoggedModel` (`info` + `data`). */
export function loggedModelJson(
  m: LoggedModel,
  registrations: { name: string; version: string }[] = [],
): WireObject {
  return {
    info: compact({
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTime,
      last_updated_timestamp_ms: m.lastUpdatedTime,
      artifact_uri: m.artifactUri,
      status: m.status,
      model_type: m.modelType ?? undefined,
      source_run_id: m.sourceRunId ?? undefined,
      status_message: m.statusMessage ?? undefined,
      tags: keyValueList(m.tags),
      registrations,
    }),
    data: {
      params: keyValueList(m.params),
      metrics: m.metrics.map((x) =>
        compact({
          ...metricJson({ ...x, modelId: m.modelId }),
          dataset_name: x.datasetName ?? undefined,
          dataset_digest: x.datasetDigest ?? undefined,
        }),
      ),
    },
  }
}

/** MLflow `FileInfo`; `is_dir` is always present because the client indexes it. */
export function fileInfoJson(e: ArtifactEntry, path = e.path): WireObject {
  return e.isDir ? { path, is_dir: true } : { path, is_dir: false, file_size: e.fileSize ?? 0 }
}

/** `[{key, value}]` request entries as Strata's `KeyValue` list (value defaults to `""`). */
export function keyValues(messages: MlflowMessage[]): { key: string; value: string }[] {
  return messages.map((m) => ({ key: m.str('key'), value: m.optStr('value') ?? '' }))
}

/** `next_page_token` only when there is a next page. */
export function pageJson<K extends string>(
  field: K,
  items: unknown[],
  nextPageToken: string | undefined,
): WireObject {
  return nextPageToken === undefined ? { [field]: items } : { [field]: items, next_page_token: nextPageToken }
}
