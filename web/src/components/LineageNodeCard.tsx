import { Handle, type Node, type NodeProps, Position } from '@xyflow/react'
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

/** A lineage node: kind, label (a link to its page), and expand/collapse buttons each way. */
export const LineageNodeCard = memo(function LineageNodeCard({ data }: NodeProps<Node<LineageNodeData>>) {
  const page = nodePage(data.id)
  const bare = data.id.slice(data.id.indexOf(':') + 1)
  const text = data.label ?? shortId(bare, 24)
  return (
    <div
      className={`lineage-node${data.root ? ' root' : ''}${data.match ? ' match' : ''}`}
      data-node-id={data.id}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
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
        <button
          type="button"
          className="nodrag"
          aria-pressed={data.upstream}
          aria-label={`${data.upstream ? 'Collapse' : 'Expand'} upstream of ${data.id}`}
          onClick={() => data.onToggle(data.id, 'upstream')}
        >
          {data.upstream ? '− up' : '+ up'}
        </button>
        <button
          type="button"
          className="nodrag"
          aria-pressed={data.downstream}
          aria-label={`${data.downstream ? 'Collapse' : 'Expand'} downstream of ${data.id}`}
          onClick={() => data.onToggle(data.id, 'downstream')}
        >
          {data.downstream ? '− down' : '+ down'}
        </button>
        <a
          className="nodrag muted"
          href={`#/lineage/${encodeURIComponent(data.id)}`}
          aria-label={`Centre the graph on ${data.id}`}
        >
          focus
        </a>
      </span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  )
})
