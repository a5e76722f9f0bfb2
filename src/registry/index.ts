export type { AliasBook } from './alias-book.js'
export {
  ModelRegistry,
  type ModelRegistryOptions,
  modelStoragePrefix,
  modelVersionNodeId,
  type RegistrySearch,
} from './model-registry.js'
export * from './onnx/index.js'
export {
  type NumberField,
  type NumberOperator,
  parseRegistryFilter,
  parseRegistryOrderBy,
  type RegistryCondition,
  type RegistryOrder,
  type StringField,
  type StringOperator,
} from './registry-filter.js'
export { type RegistryTables, registryMigrations } from './registry-migrations.js'
export { assertAlias, assertModelName, parseVersion } from './registry-names.js'
export {
  type AliasEvent,
  MODEL_FLAVORS,
  type ModelFile,
  type ModelFlavor,
  type ModelVersion,
  type ModelVersionStatus,
  type RegisteredModel,
  type RegisterVersionInput,
  type RegistryPage,
} from './registry-types.js'
