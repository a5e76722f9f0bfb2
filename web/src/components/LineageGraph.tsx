import {
  Background,
  Controls,
  type Node,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useEffect, useMemo } from 'react'
import { layoutLineage, NODE_HEIGHT, NODE_WIDTH, type Positions } from '../lib/lineage-layout.js'
import { type Direction, isExpanded, type LineageView } from '../lib/lineage-state.js'
import { LineageEdges } from './LineageEdges.js'
import { LineageNodeCard, type LineageNodeData } from './LineageNodeCard.js'

const nodeTypes = { lineage: LineageNodeCard }

/** Below this zoom the cards show only their label (kind and buttons are unreadable there anyway). */
const FAR_ZOOM = 0.45

/** Props of {@link LineageGraph}. */
export interface LineageGraphProps {
  view: LineageView
  matches: Set<string>
  onToggle: (id: string, d: Direction) => void
  focus: string | null
}

/**
 * The view's node positions, laid out on the page's thread (`layoutLineage` takes milliseconds
 * for 1,000 nodes) and timed as `performance.measure('lineage-layout')`.
 */
function useLayout(view: LineageView): Positions {
  return useMemo(() => {
    performance.mark('lineage-layout-start')
    const laid = layoutLineage(view.nodes.values(), view.edges.values())
    performance.measure('lineage-layout', 'lineage-layout-start')
    return laid
  }, [view])
}

/**
 * Draws a laid-out view with React Flow (pan, zoom, keyboard-focusable nodes). Made cheap for
 * 1,000s of nodes: every node has a fixed size (no measuring pass), the edges are one SVG path,
 * panning only changes the viewport's transform (no node re-renders), and zoomed far out the cards shrink to their label (`.far`, one re-render when the
 * zoom crosses {@link FAR_ZOOM}).
 */
function Graph({ view, matches, onToggle, focus }: LineageGraphProps) {
  const flow = useReactFlow()
  const positions = useLayout(view)
  const far = useStore((s) => s.transform[2] < FAR_ZOOM)
  const nodes = useMemo<Node<LineageNodeData>[]>(
    () =>
      [...view.nodes.values()].map((n) => ({
        id: n.id,
        type: 'lineage',
        position: positions.get(n.id) ?? { x: 0, y: 0 },
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        data: {
          id: n.id,
          kind: n.kind,
          label: n.label,
          root: n.id === view.root,
          match: matches.has(n.id),
          upstream: isExpanded(view, n.id, 'upstream'),
          downstream: isExpanded(view, n.id, 'downstream'),
          onToggle,
        },
        draggable: false,
        connectable: false,
        ariaLabel: `${n.kind} ${n.label ?? n.id}`,
      })),
    [view, positions, matches, onToggle],
  )
  const edges = useMemo(() => [...view.edges.values()], [view])
  // refit after an expansion or collapse, so new nodes are on screen (the search's focus wins);
  // animated unless the user asks for reduced motion
  useEffect(() => {
    if (focus === null && positions.size > 0) void flow.fitView({ maxZoom: 1.2, duration: motionMs(200) })
  }, [positions, flow, focus])
  useEffect(() => {
    if (focus === null) return
    const p = positions.get(focus)
    if (p)
      void flow.setCenter(p.x + NODE_WIDTH / 2, p.y + NODE_HEIGHT / 2, { zoom: 1, duration: motionMs(300) })
  }, [focus, positions, flow])
  return (
    <div className={far ? 'lineage far' : 'lineage'} data-nodes={nodes.length} data-edges={edges.length}>
      <ReactFlow
        nodes={nodes}
        edges={[]}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ maxZoom: 1.2 }}
        minZoom={0.05}
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        colorMode="system"
      >
        <LineageEdges edges={edges} positions={positions} />
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  )
}

/** `ms`, or 0 when the user prefers reduced motion (`prefers-reduced-motion: reduce`). */
function motionMs(ms: number): number {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ? 0 : ms
}

/** The lineage graph of a view, with its own React Flow state. */
export function LineageGraph(props: LineageGraphProps) {
  return (
    <ReactFlowProvider>
      <Graph {...props} />
    </ReactFlowProvider>
  )
}
