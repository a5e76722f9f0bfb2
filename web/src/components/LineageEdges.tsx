import { EdgeLabelRenderer } from '@xyflow/react'
import { memo } from 'react'
import { NODE_HEIGHT, NODE_WIDTH, type Positions } from '../lib/lineage-layout.js'
import type { LineageEdge } from '../lib/types.js'

/** Edges get their activity written beside them up to this many edges (beyond, it is clutter). */
const LABELLED_EDGES = 60

/**
 * Every edge of the graph as one SVG path (a curve from the right side of the input to the left
 * side of the output), drawn inside React Flow's viewport below the nodes: one element however
 * many edges, so panning and zooming move it with the viewport's transform and nothing re-renders.
 */
export const LineageEdges = memo(function LineageEdges({
  edges,
  positions,
}: {
  edges: readonly LineageEdge[]
  positions: Positions
}) {
  const parts: string[] = []
  const labels: { key: string; x: number; y: number; text: string }[] = []
  const labelled = edges.length <= LABELLED_EDGES
  for (const e of edges) {
    const a = positions.get(e.from)
    const b = positions.get(e.to)
    if (!a || !b || e.from === e.to) continue
    const sx = a.x + NODE_WIDTH
    const sy = a.y + NODE_HEIGHT / 2
    const tx = b.x
    const ty = b.y + NODE_HEIGHT / 2
    const bend = Math.max(40, Math.abs(tx - sx) / 2)
    parts.push(`M${sx} ${sy}C${sx + bend} ${sy} ${tx - bend} ${ty} ${tx} ${ty}`)
    if (labelled)
      labels.push({
        key: `${e.from}→${e.to}|${e.activity}`,
        x: (sx + tx) / 2,
        y: (sy + ty) / 2,
        text: e.activity,
      })
  }
  return (
    <EdgeLabelRenderer>
      <svg className="lineage-edges" aria-hidden="true" data-edge-count={parts.length}>
        <path d={parts.join('')} />
        {labels.map((l) => (
          <text key={l.key} x={l.x} y={l.y - 4} textAnchor="middle">
            {l.text}
          </text>
        ))}
      </svg>
    </EdgeLabelRenderer>
  )
})
