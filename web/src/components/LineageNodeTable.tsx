import { useState } from 'react'
import type { LineageView } from '../lib/lineage-state.js'
import { lineageLink, nodePage } from '../lib/links.js'

/** The view's nodes as a table (kind, node, page); its rows are built only while it is open. */
export function LineageNodeTable({ view }: { view: LineageView }) {
  const [open, setOpen] = useState(false)
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Nodes as a table ({view.nodes.size})</summary>
      {open ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Node</th>
              <th scope="col">Page</th>
            </tr>
          </thead>
          <tbody>
            {[...view.nodes.values()].map((n) => {
              const p = nodePage(n.id)
              return (
                <tr key={n.id}>
                  <td>{n.kind}</td>
                  <td>
                    <a href={lineageLink(n.id)}>{n.label ?? n.id}</a>{' '}
                    <span className="muted mono">{n.id}</span>
                  </td>
                  <td>{p ? <a href={p}>open</a> : '—'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      ) : null}
    </details>
  )
}
