import type { Node, NodeProps } from '@xyflow/react'
import { memo } from 'react'
import { shortId } from '../lib/format.js'
import type { Direction } from '../lib/lineage-state.js'
import { nodePage } from '../lib/links.js'

/** What a drawn lineage node carries. */
export type LineageNodeData = {
  id: string
  kind: string
  label: string | null
  root: boolean
  match: boolean
  upstream: boolean
  downstream: boolean
  onToggle: (id: string, direction: Direction) => void
}

/**
 * A lineage node: kind, label (a link to its page), and expand/collapse buttons each way. No
 * per-node state and no handles (the edges are one path: `LineageEdges`); zoomed far out,
 * CSS hides all but the label (`.lineage.far`).
 */
export const LineageNodeCard = memo(function LineageNodeCard({ data }: NodeProps<Node<LineageNodeData>>) {
  const page = nodePage(data.id)
  const bare = data.id.slice(data.id.indexOf(':') + 1)
  const text = data.label ?? shortId(bare, 24)
  return (
    <div
      className={`lineage-node${data.root ? ' root' : ''}${data.match ? ' match' : ''}`}
      data-node-id={data.id}
    >
      <span className="kind">{data.kind}</span>
      {page ? (
        <a className="label nodrag" href={page} title={data.id}>
          {text}
        </a>
      ) : (
        <span className="label" title={data.id}>
          {text}
        </span>
      )}
      <span className="actions">
        {(['upstream', 'downstream'] as const).map((direction) => (
          <button
            key={direction}
            type="button"
            className="nodrag"
            onClick={() => data.onToggle(data.id, direction)}
          >
            {data[direction] ? '−' : '+'} {direction === 'upstream' ? 'up' : 'down'}
            <span className="visually-hidden">
              {' '}
              ({data[direction] ? 'collapse' : 'expand'} {direction} of {data.id})
            </span>
          </button>
        ))}
        <a className="nodrag muted" href={`#/lineage/${encodeURIComponent(data.id)}`}>
          focus<span className="visually-hidden"> the graph on {data.id}</span>
        </a>
      </span>
    </div>
  )
})
