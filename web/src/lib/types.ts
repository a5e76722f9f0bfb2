import type { CallOutput, RestApi } from '../../../src/client/index.js'

/** A run as `GET /api/runs/:id` answers it. */
export type Run = CallOutput<RestApi['runs']['get']>
/** An experiment as `GET /api/experiments/:id` answers it. */
export type Experiment = CallOutput<RestApi['experiments']['get']>
/** A registered model. */
export type RegisteredModel = CallOutput<RestApi['models']['get']>
/** A model version. */
export type ModelVersion = CallOutput<RestApi['models']['getVersion']>
/** A lineage subgraph. */
export type LineageGraph = CallOutput<RestApi['server']['upstream']>
/** A node of the lineage graph. */
export type LineageNode = LineageGraph['nodes'][number]
/** An edge of the lineage graph. */
export type LineageEdge = LineageGraph['edges'][number]
/** A deployment with the candidate's share and its last decision. */
export type DeploymentStatus = CallOutput<RestApi['deployments']['get']>
/** A deployment's traffic policy. */
export type DeploymentPolicy = DeploymentStatus['policy']
/** Every revision and decision of a deployment. */
export type DeploymentHistory = CallOutput<RestApi['deployments']['history']>
/** One recorded delivery decision with its evidence. */
export type DeploymentDecision = DeploymentHistory['decisions'][number]
/** A declared pipeline with its steps, params and triggers. */
export type PipelineSummary = CallOutput<RestApi['pipelines']['list']>['pipelines'][number]
/** A pipeline run as stored. */
export type PipelineRun = CallOutput<RestApi['pipelines']['run']>['run']
/** One monitored window's verdict. */
export type MonitorResult = CallOutput<RestApi['monitoring']['history']>['results'][number]
/** A closed retrain loop with its timeline. */
export type RetrainLoop = CallOutput<RestApi['monitoring']['loops']>['loops'][number]
