import type { LineageGraph, LineageNode } from './lineage-types.js'

/**
 * Renders a traversal as an indented tree from its root, for people. Upstream graphs read
 * "root ← produced from …"; nodes reached twice are printed once and then referenced.
 */
export function formatLineageTree(graph: LineageGraph, direction: 'up' | 'down'): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]))
  const children = new Map<string, { id: string; activity: string }[]>()
  for (const e of graph.edges) {
    const [parent, child] = direction === 'up' ? [e.to, e.from] : [e.from, e.to]
    const list = children.get(parent) ?? []
    list.push({ id: child, activity: e.activity })
    children.set(parent, list)
  }
  for (const list of children.values()) list.sort((a, b) => a.id.localeCompare(b.id))
  const lines = [describe(byId.get(graph.root), graph.root)]
  const printed = new Set([graph.root])
  const arrow = direction === 'up' ? '←' : '→'
  const walk = (id: string, prefix: string) => {
    const list = children.get(id) ?? []
    list.forEach((c, i) => {
      const last = i === list.length - 1
      const again = printed.has(c.id)
      lines.push(
        `${prefix}${last ? '└─' : '├─'} ${arrow} ${c.activity}: ${describe(byId.get(c.id), c.id)}${again ? ' (see above)' : ''}`,
      )
      if (again) return
      printed.add(c.id)
      walk(c.id, `${prefix}${last ? '   ' : '│  '}`)
    })
  }
  walk(graph.root, '')
  return lines.join('\n')
}

function describe(node: LineageNode | undefined, id: string): string {
  return node?.label ? `${id}  (${node.label})` : id
}

/** Renders a traversal as a Graphviz `digraph` (edges point in production direction). */
export function formatLineageDot(graph: LineageGraph): string {
  const escapeDot = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
  const q = (s: string) => `"${escapeDot(s)}"`
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];']
  for (const n of graph.nodes) {
    // `\n` is Graphviz's line break inside a label: added after escaping, so it stays one.
    const label = n.label ? `"${escapeDot(n.id)}\\n${escapeDot(n.label)}"` : q(n.id)
    lines.push(`  ${q(n.id)} [label=${label}${n.id === graph.root ? ', style=bold' : ''}];`)
  }
  for (const e of graph.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.activity)}];`)
  lines.push('}')
  return lines.join('\n')
}
