import dagre from '@dagrejs/dagre'
import type { LineageEdge, LineageNode } from './types.js'

/** Size of a drawn node (px). */
export const NODE_WIDTH = 220
export const NODE_HEIGHT = 78

/**
 * Left-to-right layered layout (dagre): sources on the left, what was made from them to the
 * right. Returns each node's top-left corner.
 */
export function layoutLineage(
  nodes: Iterable<LineageNode>,
  edges: Iterable<LineageEdge>,
): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph({ multigraph: false })
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 80, marginx: 10, marginy: 10, ranker: 'longest-path' })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT })
  for (const e of edges) if (g.hasNode(e.from) && g.hasNode(e.to) && e.from !== e.to) g.setEdge(e.from, e.to)
  dagre.layout(g)
  const out = new Map<string, { x: number; y: number }>()
  for (const id of g.nodes()) {
    const p = g.node(id)
    out.set(id, { x: p.x - NODE_WIDTH / 2, y: p.y - NODE_HEIGHT / 2 })
  }
  return out
}
