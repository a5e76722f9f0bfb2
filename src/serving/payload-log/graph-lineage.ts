import type { LineageEdge, LineageGraph, LineageNode } from '../../data/index.js'
import type { PredictionRecord } from './payload-types.js'

/**
 * The provenance of an inference graph's prediction `id`: the node `prediction:<id>`, made
 * (activity `graph`) from each node's prediction `prediction:<id>/<node>`, each produced
 * (activity `predict`) by its write batch and everything upstream of it (`ups`, one traversal
 * per node record, in order) — so every node's model version is reached.
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
    for (const n of ups[i]?.nodes ?? []) {
      const depth = (n.depth ?? 0) + 2
      const seen = nodes.get(n.id)
      if (seen === undefined || (seen.depth ?? 0) > depth) nodes.set(n.id, { ...n, depth })
    }
    for (const e of ups[i]?.edges ?? []) edge(e)
  }
  return { root, nodes: [...nodes.values()], edges: [...edges.values()] }
}
