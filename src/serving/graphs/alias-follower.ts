import { pollEvery } from '../../core/poll-loop.js'
import type { ModelServer } from '../model-server.js'
import { type GraphSpec, graphNodes } from './graph-definition.js'
import type { GraphEndpoint } from './graph-endpoint.js'
import { type ResolveModel, serveGraph, validateGraph } from './serve-graph.js'

/** What {@link followAliases} keeps up to date, and how. */
export interface FollowAliasesOptions {
  /** Names served as plain models from a reference that may move (`name@alias`, `name`). */
  models: readonly string[]
  /** Inference graphs served on the server (their nodes' references may move). */
  graphs: readonly GraphEndpoint[]
  /** Time between checks. */
  everyMs: number
  /** After a model or graph switched to other versions. */
  onReload?: (change: { name: string; from: string; to: string }) => void
  /** A check or a reload failed: the name keeps serving what it served (reported once until it changes). */
  onError?: (err: Error, name: string) => void
}

/** `node=name/version` of every node of a graph, in node order: what the graph serves. */
function describe(
  graph: GraphSpec,
  versions: ReadonlyMap<string, { name: string; version: number }>,
): string {
  return graphNodes(graph)
    .map((n) => `${n.name}=${versions.get(n.name)?.name}/${versions.get(n.name)?.version}`)
    .join(' ')
}

/**
 * Keeps served names on the versions their references point to now: every `everyMs`, each
 * model is re-resolved and hot-reloaded when its alias moved ({@link ModelServer.reload}), and
 * each graph whose nodes now resolve to other versions is served again ({@link serveGraph}: the
 * new versions warm first, running requests finish on the old ones). A reference that stops
 * resolving (alias removed, model deleted) is reported once and the name keeps serving what it
 * served. Returns the stop function, which waits for a check under way.
 */
export function followAliases(
  server: ModelServer,
  resolve: ResolveModel,
  options: FollowAliasesOptions,
): () => Promise<void> {
  const served = new Map(options.graphs.map((e) => [e.graph.name, describe(e.graph, e.nodeVersions())]))
  const failing = new Map<string, string>()
  const failed = (err: unknown, name: string) => {
    const message = (err as Error).message
    if (failing.get(name) === message) return
    failing.set(name, message)
    options.onError?.(err as Error, name)
  }
  const check = async () => {
    for (const name of options.models) {
      try {
        const from = server.model(name).version
        const to = (await server.reload(name)).version
        failing.delete(name)
        if (to !== from) options.onReload?.({ name, from: `version ${from}`, to: `version ${to}` })
      } catch (err) {
        failed(err, name)
      }
    }
    for (const { graph } of options.graphs) {
      try {
        const to = describe(graph, (await validateGraph(graph, resolve)).versions)
        const from = served.get(graph.name) as string
        failing.delete(graph.name)
        if (to === from) continue
        await serveGraph(server, graph, resolve)
        served.set(graph.name, to)
        options.onReload?.({ name: graph.name, from, to })
      } catch (err) {
        failed(err, graph.name)
      }
    }
  }
  return pollEvery(options.everyMs, check, { immediate: false })
}
