/**
 * Online features: how values are laid out in the online store, materializing views' latest
 * values (incremental, with watermarks), and reading them back for entity rows.
 */
export {
  advanceWatermark,
  type MaterializedState,
  type MaterializeMode,
  type MaterializeOptions,
  type MaterializeReport,
  prepareLatestWrites,
  readMaterialized,
  readWatermark,
  writeLatestRows,
} from './materialize.js'
export { type MaterializeDeps, materializeViews } from './materialize-views.js'
export { layoutEntityKey, type OnlineLayout, onlineLayout } from './online-layout.js'
export {
  type FieldStatus,
  type OnlineEntities,
  type OnlineFeatures,
  type OnlinePlan,
  planOnline,
  readOnlineFeatures,
} from './online-retrieval.js'
export {
  PUSH_TARGETS,
  type PushDeps,
  type PushOptions,
  type PushReport,
  type PushTarget,
  type PushViewReport,
  pushRows,
} from './push.js'
export { FEAST_EVENT_TIMESTAMP, type PushRows } from './push-rows.js'
export { MaterializedCheck } from './unmaterialized.js'
