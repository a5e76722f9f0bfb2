import { layoutLineage } from './lineage-layout.js'
import type { LineageEdge, LineageNode } from './types.js'

/** What the page sends: a request id and the graph to lay out. */
interface LayoutRequest {
  id: number
  nodes: LineageNode[]
  edges: LineageEdge[]
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null
  postMessage(message: unknown): void
}

/** Lays large lineage graphs out off the page's thread (dagre is synchronous and super-linear). */
scope.onmessage = (event) => {
  const { id, nodes, edges } = event.data
  scope.postMessage({ id, positions: [...layoutLineage(nodes, edges)] })
}
