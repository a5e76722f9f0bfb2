/**
 * Strata: the ML stack for TypeScript.
 *
 * @example
 * import { openStrata } from 'strata'
 * await using strata = await openStrata()
 *
 * @packageDocumentation
 */
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
export {
  formatLineageDot,
  formatLineageTree,
  LINEAGE_KINDS,
  type LineageEdge,
  type LineageGraph,
  LineageGraphStore,
  type LineageNode,
} from './data/lineage/index.js'
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
export * from './tracking/index.js'
