/**
 * Strata: the ML stack for TypeScript.
 *
 * @example
 * import { openStrata } from 'strata'
 * await using strata = await openStrata()
 *
 * @packageDocumentation
 */

export * from './api/feast/index.js'
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
export * from './data/index.js'
export * from './features/index.js'
export {
  type DoctorCheck,
  type InitResult,
  initProject,
  loadConfig,
  type OpenStrataOptions,
  openStrata,
  runDoctor,
  type Strata,
} from './platform/index.js'
export type * from './ports/index.js'
export * from './registry/index.js'
export * from './tracking/index.js'
export * from './training/index.js'
