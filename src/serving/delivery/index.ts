export { DeliveryController, type DeliveryControllerOptions } from './delivery-controller.js'
export { type DeliveryTables, deliveryMigrations } from './delivery-migrations.js'
export { type DecisionListener, DeliveryService } from './delivery-service.js'
export type { CreateDeploymentInput } from './deployment-input.js'
export {
  candidateWeight,
  type DeploymentPolicy,
  type DeploymentStatus,
  formatGuard,
  GUARD_METRIC_HELP,
  GUARD_METRICS,
  type GuardMetric,
  type GuardSpec,
  isLabelMetric,
  LABEL_GUARD_METRICS,
  parseGuard,
  STRATEGIES,
  type Strategy,
} from './deployment-policy.js'
export {
  type Deployment,
  type DeploymentDecision,
  type DeploymentRevision,
  DeploymentStore,
  type Transition,
} from './deployment-store.js'
export type { DeploymentView } from './deployment-view.js'
export { EndpointRouter, type EndpointRouterOptions, type RoutedPrediction } from './endpoint-router.js'
export type { DecisionEvidence, GuardOutcome, GuardResult } from './guards.js'
export {
  describeLabelTest,
  evaluateLabelGuard,
  type LabelGuardOutcome,
  type LabelTestEvidence,
} from './label-guards.js'
export type { LabelledStep } from './labelled-step.js'
export type { StatsRow } from './router-stats.js'
export { SPLIT_BUCKETS, splitBucket, toCandidate } from './sticky-hash.js'
export type { VersionStats } from './version-stats.js'
export { type DecisionNotice, sendWebhooks } from './webhooks.js'
