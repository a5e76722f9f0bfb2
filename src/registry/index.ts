export type { AliasBook } from './alias-book.js'
export {
  ModelRegistry,
  type ModelRegistryOptions,
  modelStoragePrefix,
  modelVersionNodeId,
  type RegistrySearch,
} from './model-registry.js'
export { parseStage } from './model-stages.js'
export * from './onnx/index.js'
export { type RegistryTables, registryMigrations } from './registry-migrations.js'
export { assertAlias, assertModelName, parseVersion } from './registry-names.js'
export {
  MODEL_VERSION_SEARCH_SCHEMA,
  REGISTERED_MODEL_SEARCH_SCHEMA,
} from './registry-search-schemas.js'
export {
  type AliasEvent,
  MODEL_FLAVORS,
  MODEL_STAGES,
  type ModelFile,
  type ModelFlavor,
  type ModelStage,
  type ModelVersion,
  type ModelVersionStatus,
  type RegisteredModel,
  type RegisterVersionInput,
  type RegistryPage,
} from './registry-types.js'
