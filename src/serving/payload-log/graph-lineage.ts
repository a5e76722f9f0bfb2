import type { LineageEdge, LineageGraph, LineageNode } from '../../data/index.js'
import type { PredictionRecord } from './payload-types.js'

/**
 * The part of a write batch's upstream graph that `record` came from. A batch is produced from
 * every model version whose predictions it holds (a canary's champion and candidate, a graph's
 * nodes), but one prediction was made by one version: keep the batch, that version, the edge
 * between them and everything upstream of that version, and drop the other versions' branches.
 */
export function recordUpstream(up: LineageGraph, record: PredictionRecord): LineageGraph {
  const batch = `prediction-batch:${record.batch}`
  const version = `model-version:${record.modelName}/${record.modelVersion}`
  const into = new Map<string, LineageEdge[]>()
  for (const e of up.edges) into.set(e.to, [...(into.get(e.to) ?? []), e])
  const keep = new Set([batch, version])
  const queue = [version]
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    for (const e of into.get(next) ?? []) {
      if (!keep.has(e.from)) {
        keep.add(e.from)
        queue.push(e.from)
      }
    }
  }
  return {
    root: up.root,
    nodes: up.nodes.filter((n) => keep.has(n.id)),
    edges: up.edges.filter(
      (e) => keep.has(e.from) && keep.has(e.to) && (e.to !== batch || e.from === version),
    ),
  }
}

/**
 * The provenance of an inference graph's prediction `id`: the node `prediction:<id>`, made
 * (activity `graph`) from each node's prediction `prediction:<id>/<node>`, each produced
 * (activity `predict`) by its write batch and the node's model version upstream of it (`ups`,
 * one traversal of the batch per node record, in order, cut by {@link recordUpstream}) — so every
 * node's model version is reached, and no other version that shared a batch.
 */
export function graphPredictionLineage(
  id: string,
  records: readonly PredictionRecord[],
  ups: readonly LineageGraph[],
): LineageGraph {
  const root = `prediction:${id}`
  const first = records[0]
  const nodes = new Map<string, LineageNode>()
  nodes.set(root, {
    id: root,
    kind: 'prediction',
    label: `${first?.endpoint.split('/')[0] ?? ''} graph`,
    createdAt: first?.at ?? 0,
    depth: 0,
  })
  const edges = new Map<string, LineageEdge>()
  const edge = (e: LineageEdge) => edges.set(`${e.from}>${e.to}>${e.activity}`, e)
  for (const [i, r] of records.entries()) {
    const node = `prediction:${r.id}`
    const batch = `prediction-batch:${r.batch}`
    nodes.set(node, {
      id: node,
      kind: 'prediction',
      label: `${r.endpoint} ${r.status}`,
      createdAt: r.at,
      depth: 1,
    })
    edge({ from: node, to: root, activity: 'graph', at: r.at })
    edge({ from: batch, to: node, activity: 'predict', at: r.at })
    const up = recordUpstream(ups[i] ?? { root: batch, nodes: [], edges: [] }, r)
    for (const n of up.nodes) {
      const depth = (n.depth ?? 0) + 2
      const seen = nodes.get(n.id)
      if (seen === undefined || (seen.depth ?? 0) > depth) nodes.set(n.id, { ...n, depth })
    }
    for (const e of up.edges) edge(e)
  }
  return { root, nodes: [...nodes.values()], edges: [...edges.values()] }
}
