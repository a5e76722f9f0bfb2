/** Status of a run, with MLflow's names. `RUNNING` → `FINISHED` | `FAILED` | `KILLED`. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED'

/** Every {@link RunStatus}, for validation and help text. */
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']

/** Soft-delete state of an experiment or run (MLflow's `lifecycle_stage`). */
export type LifecycleStage = 'active' | 'deleted'

/** Which lifecycle stages a search returns (MLflow's `ViewType` ACTIVE_ONLY / DELETED_ONLY / ALL). */
export type ViewType = 'active' | 'deleted' | 'all'

/** The experiment every run lands in when none is named; it always exists. */
export const DEFAULT_EXPERIMENT_ID = '0'
/** Name of {@link DEFAULT_EXPERIMENT_ID}. */
export const DEFAULT_EXPERIMENT_NAME = 'Default'

/** The tag holding a nested run's parent run id (MLflow's convention). */
export const PARENT_RUN_ID_TAG = 'mlflow.parentRunId'
/** The tag mirroring a run's name (MLflow keeps both in sync). */
export const RUN_NAME_TAG = 'mlflow.runName'
/** The tag holding the user who started a run. */
export const USER_TAG = 'mlflow.user'
/** The tag MLflow 2.x `log_model` appends logged-model JSON documents to. */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history'
/** The dataset-input tag holding the input's role (`training`, `evaluation`, …). */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context'

/** A group of runs. Ids are decimal strings (`"0"` is the default experiment). */
export interface Experiment {
  experimentId: string
  name: string
  /** Root URI of the runs' artifacts, `mlflow-artifacts:/<id>` unless given at creation. */
  artifactLocation: string
  lifecycleStage: LifecycleStage
  /** Epoch milliseconds. */
  creationTime: number
  lastUpdateTime: number
  tags: Record<string, string>
}

/** A run's own attributes (MLflow's `RunInfo`). */
export interface RunInfo {
  /** 32 lower-case hex characters; MLflow's `run_id` and `run_uuid`. */
  runId: string
  runName: string
  experimentId: string
  userId: string
  status: RunStatus
  /** Epoch milliseconds. */
  startTime: number
  /** Epoch milliseconds, `null` while the run has not ended. */
  endTime: number | null
  /** Root URI of the run's artifacts, e.g. `mlflow-artifacts:/1/<runId>`. */
  artifactUri: string
  lifecycleStage: LifecycleStage
}

/** One logged value of a metric. */
export interface MetricPoint {
  value: number
  /** Epoch milliseconds. */
  timestamp: number
  step: number
}

/** A metric point with its key, as in a metric history. */
export interface Metric extends MetricPoint {
  key: string
}

/** A metric to log; `timestamp` defaults to now and `step` to 0. */
export interface MetricInput {
  key: string
  value: number
  timestamp?: number
  step?: number
  /** MLflow 3: the logged model the value was computed for (also recorded on the model). */
  modelId?: string
  datasetName?: string
  datasetDigest?: string
}

/** A dataset as MLflow describes it (`mlflow.log_input`). */
export interface DatasetInfo {
  name: string
  digest: string
  sourceType: string
  source: string
  schema?: string
  profile?: string
}

/** A dataset a run consumed, with the input's tags (e.g. `mlflow.data.context`). */
export interface DatasetInput {
  dataset: DatasetInfo
  tags: Record<string, string>
}

/** A logged model a run consumed or produced. */
export interface ModelIo {
  modelId: string
  /** For outputs: the step at which the model was produced. */
  step?: number
}

/** A run with everything logged to it. */
export interface Run {
  info: RunInfo
  data: {
    /** Latest value per metric key: highest step, then timestamp, then value. */
    metrics: Record<string, MetricPoint>
    params: Record<string, string>
    tags: Record<string, string>
  }
  inputs: { datasetInputs: DatasetInput[]; modelInputs: ModelIo[] }
  outputs: { modelOutputs: ModelIo[] }
}

/** One page of a paged listing; `nextPageToken` is absent on the last page. */
export interface Page<T> {
  items: T[]
  nextPageToken?: string
}

/** Options shared by the search calls. */
export interface SearchOptions {
  /** MLflow filter string, e.g. `metrics.auc > 0.8 and params.lr = '0.1'`. */
  filter?: string
  /** Entries like `metrics.auc DESC` or `attributes.start_time`. */
  orderBy?: readonly string[]
  viewType?: ViewType
  maxResults?: number
  pageToken?: string
}

/** Options of {@link RunStore.search}. */
export interface SearchRunsOptions extends SearchOptions {
  experimentIds: readonly string[]
}

/** An entry of an artifact listing (MLflow's `FileInfo`). */
export interface ArtifactEntry {
  /** Path relative to the listed root (for runs: the run's artifact root). */
  path: string
  isDir: boolean
  /** Size in bytes, for files. */
  fileSize?: number
}

/** Lifecycle of an MLflow 3 logged model. */
export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED'

/** An MLflow 3 logged model: a model's artifacts, params, tags and metrics, produced by a run. */
export interface LoggedModel {
  modelId: string
  experimentId: string
  name: string
  modelType: string | null
  sourceRunId: string | null
  status: LoggedModelStatus
  statusMessage: string | null
  /** `mlflow-artifacts:/<experiment>/models/<modelId>/artifacts` by default. */
  artifactUri: string
  creationTime: number
  lastUpdatedTime: number
  params: Record<string, string>
  tags: Record<string, string>
  /** Every metric value logged for the model. */
  metrics: (Metric & { runId: string | null; datasetName: string | null; datasetDigest: string | null })[]
}
