export { type BackendTypes, openBackend, supportedSchemes } from './backend-registry.js'
export { defaultPrincipal } from './default-principal.js'
export { type DoctorCheck, runDoctor } from './doctor.js'
export {
  openExecutor,
  type RunningWorker,
  type StartWorkerOptions,
  startExecutorWorker,
} from './executor.js'
export { type InitResult, initProject } from './init-project.js'
export { CONFIG_FILES, findConfigFile, type LoadConfigOptions, loadConfig } from './load-config.js'
export { createServiceContext, type ServiceContextParts } from './service-context.js'
export { type OpenStrataOptions, openStrata, type Strata } from './strata.js'
export type { StrataServices } from './strata-services.js'
