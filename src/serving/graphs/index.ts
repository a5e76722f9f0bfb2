export { type FollowAliasesOptions, followAliases } from './alias-follower.js'
export { checkGraph, type GraphSignature } from './graph-check.js'
export { combineOutputs, conditionHolds } from './graph-combine.js'
export {
  type CompareOp,
  checkGraphSpec,
  type GraphNode,
  type GraphSpec,
  graphNodes,
  type InferenceGraph,
  inferenceGraph,
  isInferenceGraph,
  type SequenceStep,
  type SwitchCase,
  type SwitchCondition,
} from './graph-definition.js'
export { GRAPH_PLATFORM, GraphEndpoint } from './graph-endpoint.js'
export { loadGraphs } from './load-graphs.js'
export { type ResolveModel, serveGraph, type ValidatedGraph, validateGraph } from './serve-graph.js'
