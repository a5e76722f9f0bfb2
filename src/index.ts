/**
 * Strata: the ML stack for TypeScript.
 *
 * @example
 * import { openStrata } from 'strata'
 * await using strata = await openStrata()
 *
 * @packageDocumentation
 */
export type { Clock } from './core/clock.js'
export {
  BACKEND_ENV,
  type BackendSetting,
  DEFAULT_BACKENDS,
  defineConfig,
  type ResolvedConfig,
  type StrataConfig,
} from './core/config.js'
export {
  ERROR_CODES,
  type ErrorCode,
  isStrataError,
  StrataError,
  type StrataErrorOptions,
} from './core/errors.js'
export type { Principal } from './core/principal.js'
export type { Tracing } from './core/tracing.js'
export * from './data/index.js'
export * from './features/index.js'
export {
  createServiceContext,
  type DoctorCheck,
  defaultPrincipal,
  type InitResult,
  initProject,
  loadConfig,
  type OpenStrataOptions,
  openStrata,
  runDoctor,
  type ServiceContextParts,
  type Strata,
  type StrataServices,
} from './platform/index.js'
export type * from './ports/index.js'
export * from './registry/index.js'
export * from './tracking/index.js'
export * from './training/index.js'
