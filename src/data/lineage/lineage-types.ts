/**
 * Artifact kinds Strata records in its lineage graph. Other kinds are allowed (any
 * lower-case `kebab-name`); these are the ones the built-in domains use.
 */
export const LINEAGE_KINDS = [
  'dataset-commit',
  'feature-view-version',
  'feature-service-version',
  'on-demand-feature-version',
  'training-set',
  'run',
  'model-version',
  'deployment',
  'prediction-batch',
] as const

/** A node id: `kind:id`, e.g. `dataset-commit:3f2a…` or `model-version:flights-delay/3`. */
export type NodeId = string

/** A node of the lineage graph. */
export interface LineageNode {
  id: NodeId
  kind: string
  /** A short human label (e.g. `flights@main 3f2a1b`). */
  label: string | null
  createdAt: number
  /** Distance from the queried node (0 for itself), when returned by a traversal. */
  depth?: number
}

/** "`to` was produced from `from` by `activity` at `at`." */
export interface LineageEdge {
  from: NodeId
  to: NodeId
  activity: string
  at: number
}

/** A subgraph returned by a traversal. */
export interface LineageGraph {
  root: NodeId
  nodes: LineageNode[]
  edges: LineageEdge[]
}

/** A node to create or refer to when recording. */
export interface NodeInput {
  id: NodeId
  label?: string
}

/** One production step to record. */
export interface RecordInput {
  /** What the output was produced from. */
  inputs: readonly (NodeId | NodeInput)[]
  output: NodeId | NodeInput
  /** The activity, e.g. `commit`, `materialize`, `train`, `register`. */
  activity: string
  /** Epoch milliseconds (default now). */
  at?: number
}
