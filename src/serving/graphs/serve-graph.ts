import { StrataError } from '../../core/errors.js'
import type { ModelVersion } from '../../registry/index.js'
import { registryRef } from '../model-ref.js'
import type { ModelServer } from '../model-server.js'
import type { WarmVersion } from '../model-server-types.js'
import { checkGraph, type GraphSignature } from './graph-check.js'
import { checkGraphSpec, type GraphSpec, graphNodes } from './graph-definition.js'
import { GRAPH_PLATFORM, GraphEndpoint } from './graph-endpoint.js'

/** Resolves a registry reference (`name@alias`, `name/3`, `name`) to its version. */
export type ResolveModel = (ref: string) => Promise<ModelVersion>

/** A graph checked against the registry: each node's version and the graph's signature. */
export interface ValidatedGraph {
  graph: GraphSpec
  versions: Map<string, ModelVersion>
  signature: GraphSignature
}

/**
 * Checks a graph against the registry without loading anything: every node's reference
 * resolves (`NOT_FOUND` naming the node otherwise), and the signatures fit ({@link checkGraph}).
 */
export async function validateGraph(graph: GraphSpec, resolve: ResolveModel): Promise<ValidatedGraph> {
  checkGraphSpec(graph)
  const versions = new Map<string, ModelVersion>()
  for (const node of graphNodes(graph)) {
    try {
      versions.set(node.name, await resolve(registryRef(node.model)))
    } catch (err) {
      const e = err as { code?: string; message?: string }
      throw new StrataError(
        (e.code ?? 'INTERNAL') as StrataError['code'],
        `graph "${graph.name}" node "${node.name}": model "${node.model}" cannot be served: ${e.message ?? String(err)}`,
        { cause: err, details: { graph: graph.name, node: node.name, model: node.model } },
      )
    }
  }
  return { graph, versions, signature: checkGraph(graph, versions) }
}

/**
 * Serves an inference graph on `server` under its name: validates it against the registry,
 * loads and warms every node's version (pinned to the version validated, metrics labelled
 * `<graph>/<node>`), then switches the name to the graph at once (a graph of that name served
 * before is closed once its running requests finish). A name served as a plain model or a
 * delivery deployment is refused (`CONFLICT`).
 */
export async function serveGraph(
  server: ModelServer,
  graph: GraphSpec,
  resolve: ResolveModel,
): Promise<GraphEndpoint> {
  const { versions, signature } = await validateGraph(graph, resolve)
  const existing = server.list().find((m) => m.name === graph.name)
  if (existing !== undefined && existing.platform !== GRAPH_PLATFORM) {
    throw new StrataError(
      'CONFLICT',
      `"${graph.name}" is already served as a model (${existing.ref}); give the inference graph another name or stop serving the model`,
      { details: { name: graph.name } },
    )
  }
  const warmed = new Map<string, WarmVersion>()
  try {
    for (const node of graphNodes(graph)) {
      const v = versions.get(node.name) as ModelVersion
      warmed.set(node.name, await server.warm(`${v.name}/${v.version}`, `${graph.name}/${node.name}`))
    }
  } catch (err) {
    await Promise.allSettled([...warmed.values()].map((w) => w.close()))
    throw err
  }
  const endpoint = new GraphEndpoint(graph, warmed, signature, (existing?.version ?? 0) + 1)
  const before = await server.route(graph.name, endpoint)
  await before?.close()
  return endpoint
}
