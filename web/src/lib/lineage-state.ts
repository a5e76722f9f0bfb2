import type { LineageEdge, LineageGraph, LineageNode } from './types.js'

/** Which way an expansion went. */
export type Direction = 'upstream' | 'downstream'

/**
 * The part of the lineage graph on screen: the root, every node loaded by expanding, and who
 * added each node (`node ← "expander|direction"`), so a collapse removes exactly what its
 * expansion brought in (and, in turn, what those nodes' own expansions brought in).
 */
export interface LineageView {
  root: string
  nodes: Map<string, LineageNode>
  edges: Map<string, LineageEdge>
  addedBy: Map<string, Set<string>>
  expanded: Set<string>
}

/** An empty view around `root`. */
export function emptyView(root: string): LineageView {
  return { root, nodes: new Map(), edges: new Map(), addedBy: new Map(), expanded: new Set() }
}

const edgeKey = (e: LineageEdge) => `${e.from}→${e.to}|${e.activity}`

/** The view with one level of `graph` (fetched from `node` in `direction`) merged in. */
export function expand(
  view: LineageView,
  node: string,
  direction: Direction,
  graph: LineageGraph,
): LineageView {
  const next: LineageView = {
    root: view.root,
    nodes: new Map(view.nodes),
    edges: new Map(view.edges),
    addedBy: new Map([...view.addedBy].map(([k, v]) => [k, new Set(v)])),
    expanded: new Set(view.expanded).add(`${node}|${direction}`),
  }
  const tag = `${node}|${direction}`
  for (const n of graph.nodes) {
    if (!next.nodes.has(n.id)) next.nodes.set(n.id, { ...n })
    if (n.id !== node && n.id !== view.root) {
      const by = next.addedBy.get(n.id) ?? new Set<string>()
      by.add(tag)
      next.addedBy.set(n.id, by)
    }
  }
  for (const e of graph.edges) next.edges.set(edgeKey(e), e)
  return next
}

/** The view without what `node`'s expansion in `direction` added (recursively). */
export function collapse(view: LineageView, node: string, direction: Direction): LineageView {
  const next: LineageView = {
    root: view.root,
    nodes: new Map(view.nodes),
    edges: new Map(view.edges),
    addedBy: new Map([...view.addedBy].map(([k, v]) => [k, new Set(v)])),
    expanded: new Set(view.expanded),
  }
  const pending: string[] = [`${node}|${direction}`]
  while (pending.length > 0) {
    const tag = pending.pop()!
    next.expanded.delete(tag)
    for (const [id, by] of next.addedBy) {
      if (!by.delete(tag) || by.size > 0) continue
      next.addedBy.delete(id)
      next.nodes.delete(id)
      for (const d of ['upstream', 'downstream'] as const)
        if (next.expanded.has(`${id}|${d}`)) pending.push(`${id}|${d}`)
    }
  }
  for (const [k, e] of next.edges) if (!next.nodes.has(e.from) || !next.nodes.has(e.to)) next.edges.delete(k)
  return next
}

/** Whether `node` has been expanded in `direction`. */
export function isExpanded(view: LineageView, node: string, direction: Direction): boolean {
  return view.expanded.has(`${node}|${direction}`)
}

/** Nodes whose id or label starts with `prefix` (case-insensitive; also the id after `kind:`). */
export function matching(view: LineageView, prefix: string): string[] {
  const p = prefix.trim().toLowerCase()
  if (p === '') return []
  const out: string[] = []
  for (const n of view.nodes.values()) {
    const id = n.id.toLowerCase()
    const bare = id.slice(id.indexOf(':') + 1)
    if (id.startsWith(p) || bare.startsWith(p) || (n.label ?? '').toLowerCase().startsWith(p)) out.push(n.id)
  }
  return out
}

/** An expansion as the URL keeps it: `?open=u:<node>&open=d:<node>`, in the order they were made. */
export interface Expansion {
  id: string
  direction: Direction
}

/** The expansions a URL's `open` parameters name (malformed ones are skipped). */
export function parseExpansions(values: readonly string[]): Expansion[] {
  const out: Expansion[] = []
  for (const v of values) {
    const direction = v.startsWith('u:') ? 'upstream' : v.startsWith('d:') ? 'downstream' : null
    if (direction !== null && v.length > 2) out.push({ id: v.slice(2), direction })
  }
  return out
}

/** The view's expansions beyond the root's own, as `open` parameter values, in order. */
export function expansionParams(view: LineageView): string[] {
  const out: string[] = []
  for (const tag of view.expanded) {
    const bar = tag.lastIndexOf('|')
    const id = tag.slice(0, bar)
    if (id === view.root) continue
    out.push(`${tag.slice(bar + 1) === 'upstream' ? 'u' : 'd'}:${id}`)
  }
  return out
}
