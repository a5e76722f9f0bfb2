import type { ModelSignature, OnnxModelInfo } from './onnx/index.js'

/**
 * How a version's files are run: `onnx` (one `model.onnx`, loaded by onnxruntime), `js` (a model
 * implemented in TypeScript/JavaScript, stored as files such as `model.json`), or `external`
 * (only a source URI, e.g. an MLflow model registered through the MLflow API; Strata stores no files).
 */
export type ModelFlavor = 'onnx' | 'js' | 'external'

/** The flavors {@link ModelFlavor} allows, for validation and messages. */
export const MODEL_FLAVORS: readonly ModelFlavor[] = ['onnx', 'js', 'external']

/**
 * A version's lifecycle, with MLflow's names: a version is `PENDING_REGISTRATION` while its files
 * upload, then `READY`, or `FAILED_REGISTRATION` with a `statusMessage`.
 */
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'READY' | 'FAILED_REGISTRATION'

/**
 * MLflow's model-version stages (deprecated since MLflow 2.9 in favour of aliases, but kept so
 * that code calling `transition_model_version_stage` and `get_latest_versions` keeps working).
 */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived'

/** The stages, in MLflow's order. */
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived']

/** One stored file of a version, relative to its storage prefix. */
export interface ModelFile {
  path: string
  size: number
  /** Hex SHA-256 of the bytes. */
  sha256: string
}

/** A registered model: a name under which versions are registered. */
export interface RegisteredModel {
  name: string
  description: string
  tags: Record<string, string>
  /** Alias → version. */
  aliases: Record<string, number>
  /** The highest version number currently registered, or `null` when there is none. */
  latestVersion: number | null
  createdAt: number
  updatedAt: number
  createdBy: string | null
}

/** One immutable version of a registered model. */
export interface ModelVersion {
  name: string
  /** 1, 2, 3, … per model, in registration order; numbers of deleted versions are not reused. */
  version: number
  flavor: ModelFlavor
  /** Where the model came from: a URI given at registration (`runs:/…`, `file:…`) or the blob prefix. */
  source: string
  runId: string | null
  runLink: string | null
  description: string
  status: ModelVersionStatus
  statusMessage: string | null
  /** Inputs and outputs: read from the model for ONNX, given by the caller otherwise. */
  signature: ModelSignature | null
  metrics: Record<string, number>
  tags: Record<string, string>
  aliases: string[]
  /** MLflow stage; `None` unless moved with `transitionStage`. */
  stage: ModelStage
  files: ModelFile[]
  /** Blob-store prefix holding `files` (`models/<name>/<version>`), or `null` for `external`. */
  storagePrefix: string | null
  /** ONNX facts (IR version, opsets, producer, metadata) for `onnx` versions. */
  onnx: Omit<OnnxModelInfo, 'signature'> | null
  createdAt: number
  updatedAt: number
  createdBy: string | null
}

/** One move of an alias: set (`from` → `to`), or removed (`to` null). */
export interface AliasEvent {
  /** Increasing across the registry, so events sort in the order they happened. */
  id: number
  name: string
  alias: string
  fromVersion: number | null
  toVersion: number | null
  actor: string | null
  reason: string | null
  at: number
}

/** What a new version is made of. */
export interface RegisterVersionInput {
  /** An ONNX model; stored as `model.onnx`. Its signature is read by onnxruntime. Implies flavor `onnx`. */
  onnx?: Uint8Array
  /** Other files to store with the version (for `js`, e.g. `model.json`). */
  files?: { path: string; bytes: Uint8Array }[]
  /** Default: `onnx` with `onnx` bytes, `js` with files, `external` with neither. */
  flavor?: ModelFlavor
  /** Origin URI. Required for `external`; default for stored files: `models/<name>/<version>`. */
  source?: string
  runId?: string
  runLink?: string
  description?: string
  tags?: Record<string, string>
  metrics?: Record<string, number>
  /** For `js` and `external` versions (ONNX versions use the model's own). */
  signature?: ModelSignature
  /** Create the registered model when it does not exist (default true; false gives `NOT_FOUND`). */
  createModel?: boolean
  actor?: string
}

/** A page of search results; pass `nextPageToken` back as `pageToken` for the next one. */
export interface RegistryPage<T> {
  items: T[]
  nextPageToken: string | null
}
