import {
  Background,
  Controls,
  type Edge,
  type Node,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { LineageNodeCard, type LineageNodeData } from '../components/LineageNodeCard.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { ConnectionError, client, isNotFound, useApi } from '../lib/api.js'
import { reportUnreachable } from '../lib/connection.js'
import { layoutLineage } from '../lib/lineage-layout.js'
import {
  collapse,
  type Direction,
  type Expansion,
  emptyView,
  expand,
  expansionParams,
  isExpanded,
  type LineageView,
  matching,
  parseExpansions,
} from '../lib/lineage-state.js'
import { lineageLink, nodePage } from '../lib/links.js'
import { href, navigate } from '../lib/router.js'

const nodeTypes = { lineage: LineageNodeCard }

/** The lineage page without a node: pick one (a model version's graph reaches its raw data). */
function LineageStart() {
  const [draft, setDraft] = useState('')
  const models = useApi('models', (signal) =>
    client.call('models', 'search', { query: { maxResults: 50 } }, { signal }),
  )
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (draft.trim() !== '') navigate(lineageLink(draft.trim()))
  }
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Lineage</h1>
      <p>
        The lineage graph links raw dataset commits to feature views, training sets, runs, model versions and
        deployments.
      </p>
      <form className="toolbar" onSubmit={submit}>
        <label htmlFor="lineage-node">Start from a node id</label>
        <input
          id="lineage-node"
          className="grow"
          type="text"
          placeholder="model-version:flight-delay/1, run:…, dataset-commit:…"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit">Show</button>
      </form>
      <h2>Models</h2>
      {models.status === 'loading' ? <Loading what="models" /> : null}
      {models.status === 'error' ? <ErrorView error={models.error} what="models" /> : null}
      {models.status === 'ok' ? (
        models.data.items.length === 0 ? (
          <p className="muted">No registered models yet: open a run's lineage from its page.</p>
        ) : (
          <ul>
            {models.data.items
              .filter((m) => m.latestVersion !== null)
              .map((m) => (
                <li key={m.name}>
                  <a href={lineageLink(`model-version:${m.name}/${m.latestVersion}`)}>
                    {m.name} v{m.latestVersion}
                  </a>
                </li>
              ))}
          </ul>
        )
      ) : null}
    </section>
  )
}

/** Above this many nodes dagre runs in a Web Worker, so the page stays responsive while it works. */
const WORKER_LAYOUT_NODES = 150

type Positions = Map<string, { x: number; y: number }>
let layoutWorker: Worker | null = null
let layoutRequests = 0

/** Lays out in the worker; resolves the positions of request `id`. */
function layoutInWorker(view: LineageView): Promise<Positions> {
  layoutWorker ??= new Worker(new URL('../lib/lineage-layout.worker.ts', import.meta.url), { type: 'module' })
  const worker = layoutWorker
  const id = ++layoutRequests
  return new Promise((resolve, reject) => {
    const onMessage = (
      event: MessageEvent<{ id: number; positions: [string, { x: number; y: number }][] }>,
    ) => {
      if (event.data.id !== id) return
      worker.removeEventListener('message', onMessage)
      resolve(new Map(event.data.positions))
    }
    worker.addEventListener('message', onMessage)
    worker.addEventListener('error', (e) => reject(new Error(`lineage layout failed: ${e.message}`)), {
      once: true,
    })
    worker.postMessage({ id, nodes: [...view.nodes.values()], edges: [...view.edges.values()] })
  })
}

/**
 * The view's node positions (dagre, left to right): computed in place for small graphs, in a
 * Web Worker above {@link WORKER_LAYOUT_NODES} nodes (null until the first layout arrives).
 * Each layout is timed as `performance.measure('lineage-layout')`.
 */
function useLayout(view: LineageView): Positions | null {
  const small = view.nodes.size <= WORKER_LAYOUT_NODES
  const inline = useMemo(() => {
    if (!small) return null
    performance.mark('lineage-layout-start')
    const laid = layoutLineage(view.nodes.values(), view.edges.values())
    performance.measure('lineage-layout', 'lineage-layout-start')
    return laid
  }, [view, small])
  const [fromWorker, setFromWorker] = useState<Positions | null>(null)
  useEffect(() => {
    if (small) return
    let cancelled = false
    performance.mark('lineage-layout-start')
    layoutInWorker(view).then(
      (positions) => {
        if (cancelled) return
        performance.measure('lineage-layout', 'lineage-layout-start')
        setFromWorker(positions)
      },
      () => {
        // a worker that cannot start: lay out here
        if (!cancelled) setFromWorker(layoutLineage(view.nodes.values(), view.edges.values()))
      },
    )
    return () => {
      cancelled = true
    }
  }, [view, small])
  return inline ?? fromWorker
}

/** Lays the view out and draws it with React Flow (pan, zoom, keyboard-focusable nodes). */
function Graph({
  view,
  matches,
  onToggle,
  focus,
}: {
  view: LineageView
  matches: Set<string>
  onToggle: (id: string, d: Direction) => void
  focus: string | null
}) {
  const flow = useReactFlow()
  const positions = useLayout(view)
  const nodes = useMemo<Node<LineageNodeData>[]>(
    () =>
      [...view.nodes.values()]
        .filter((n) => positions?.has(n.id) ?? false)
        .map((n) => ({
          id: n.id,
          type: 'lineage',
          position: positions?.get(n.id) ?? { x: 0, y: 0 },
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
  const showLabels = view.edges.size <= 60
  const edges = useMemo<Edge[]>(
    () =>
      [...view.edges.values()].map((e) => ({
        id: `${e.from}→${e.to}|${e.activity}`,
        source: e.from,
        target: e.to,
        ...(showLabels ? { label: e.activity } : {}),
        focusable: false,
      })),
    [view, showLabels],
  )
  // refit after an expansion or collapse, so new nodes are on screen (the search's focus wins)
  useEffect(() => {
    if (focus === null && positions !== null && positions.size > 0)
      void flow.fitView({ maxZoom: 1.2, duration: 200 })
  }, [positions, flow, focus])
  useEffect(() => {
    if (focus === null) return
    const p = positions?.get(focus)
    if (p) void flow.setCenter(p.x + 110, p.y + 39, { zoom: 1, duration: 300 })
  }, [focus, positions, flow])
  return (
    <div className="lineage" aria-busy={positions === null}>
      {positions === null ? (
        <p className="muted" role="status">
          Laying out {view.nodes.size.toLocaleString()} nodes…
        </p>
      ) : null}
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ maxZoom: 1.2 }}
        minZoom={0.05}
        onlyRenderVisibleElements={view.nodes.size > 200}
        nodesDraggable={false}
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        colorMode="system"
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  )
}

/**
 * The lineage graph around a node (`#/lineage/{kind:id}`): one level each way at first; every
 * node expands and collapses upstream and downstream one level at a time, links to its page,
 * and a search by id prefix highlights and centres matches. A table lists the same nodes.
 */
function LineageGraphPage({
  node,
  depth,
  open,
}: {
  node: string
  depth: number
  open: readonly Expansion[]
}) {
  const [view, setView] = useState<LineageView>(() => emptyView(node))
  // the expansions the URL named when the page opened, replayed once the first levels are in
  const toReplay = useRef(open)
  const [search, setSearch] = useState('')
  const [focus, setFocus] = useState<string | null>(null)
  const [busy, setBusy] = useState<string | null>(null)
  const [actionError, setActionError] = useState<Error | null>(null)
  const first = useApi(`lineage:${node}:${depth}`, async (signal) => {
    const [up, down] = await Promise.all([
      client.call('server', 'upstream', { params: { node }, query: { depth } }, { signal }),
      client.call('server', 'downstream', { params: { node }, query: { depth } }, { signal }),
    ])
    return { up, down }
  })
  useEffect(() => {
    if (first.status !== 'ok') return
    let v = expand(
      expand(emptyView(node), node, 'upstream', first.data.up),
      node,
      'downstream',
      first.data.down,
    )
    setView(v)
    const replay = toReplay.current
    toReplay.current = []
    let cancelled = false
    ;(async () => {
      for (const { id, direction } of replay) {
        if (!v.nodes.has(id) || isExpanded(v, id, direction)) continue
        const graph = await client.call('server', direction, { params: { node: id }, query: { depth: 1 } })
        if (cancelled) return
        v = expand(v, id, direction, graph)
        setView(v)
      }
    })().catch((error: Error) => setActionError(error))
    return () => {
      cancelled = true
    }
  }, [first, node])
  // Keep the expansions in the URL (replaceState: no new history entry, no page change), so a
  // reload or a shared link opens the same graph.
  useEffect(() => {
    if (view.nodes.size === 0) return
    const [path = '', search = ''] = window.location.hash.slice(1).split('?', 2)
    const q = new URLSearchParams(search)
    q.delete('open')
    for (const value of expansionParams(view)) q.append('open', value)
    const text = q.toString()
    const next = `#${path}${text === '' ? '' : `?${text}`}`
    if (next !== window.location.hash) window.history.replaceState(null, '', next)
  }, [view])

  const onToggle = useCallback(
    (id: string, direction: Direction) => {
      setActionError(null)
      if (isExpanded(view, id, direction)) {
        setView((v) => collapse(v, id, direction))
        return
      }
      setBusy(`${id} ${direction}`)
      client.call('server', direction, { params: { node: id }, query: { depth: 1 } }).then(
        (graph) => {
          setBusy(null)
          setView((v) => expand(v, id, direction, graph))
        },
        (error: Error) => {
          setBusy(null)
          if (error instanceof ConnectionError) reportUnreachable()
          setActionError(error)
        },
      )
    },
    [view],
  )
  const matches = useMemo(() => new Set(matching(view, search)), [view, search])
  const submitSearch = (e: FormEvent) => {
    e.preventDefault()
    const list = [...matches]
    if (list.length > 0) {
      const i = focus === null ? 0 : (list.indexOf(focus) + 1) % list.length
      setFocus(list[i]!)
    }
  }

  if (first.status === 'loading') return <Loading what="the lineage graph" />
  if (first.status === 'error') {
    if (isNotFound(first.error))
      return (
        <NotFound
          what={`The lineage node ${node}`}
          message={first.error.message}
          back={{ href: '#/lineage', label: 'Lineage' }}
        />
      )
    return <ErrorView error={first.error} what="the lineage graph" />
  }
  const page = nodePage(node)
  return (
    <section aria-labelledby="page-title">
      <p className="muted">
        <a href={href(['lineage'])}>Lineage</a> /
      </p>
      <h1 id="page-title">{node}</h1>
      <form className="toolbar" onSubmit={submitSearch} aria-label="Find nodes in the graph">
        <label htmlFor="lineage-search">Find by id prefix</label>
        <input
          id="lineage-search"
          type="search"
          className="grow"
          value={search}
          placeholder="dataset-commit:3f2a, run:…, flights"
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="submit" disabled={matches.size === 0}>
          Next match
        </button>
        <span className="muted" role="status" aria-live="polite">
          {search.trim() === ''
            ? `${view.nodes.size} nodes, ${view.edges.size} edges`
            : `${matches.size} of ${view.nodes.size} nodes match`}
          {busy ? ` — loading ${busy}…` : ''}
        </span>
        {page ? <a href={page}>Open this node's page</a> : null}
      </form>
      {actionError ? <ErrorView error={actionError} what="the expansion" /> : null}
      <ReactFlowProvider>
        <Graph view={view} matches={matches} onToggle={onToggle} focus={focus} />
      </ReactFlowProvider>
      <details>
        <summary>Nodes as a table ({view.nodes.size})</summary>
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
      </details>
    </section>
  )
}

/**
 * `#/lineage` (pick a node) or `#/lineage/{node}` (its graph; `?depth=N` for N levels at once;
 * `?open=u:<node>&open=d:<node>` for the nodes expanded upstream or downstream, kept up to date
 * as nodes are expanded and collapsed).
 */
export default function LineagePage({ node, query }: { node: string | undefined; query: URLSearchParams }) {
  // `?depth=N` opens N levels each way at once (default 1; at most 50)
  const depth = Math.min(50, Math.max(1, Number.parseInt(query.get('depth') ?? '1', 10) || 1))
  return node === undefined ? (
    <LineageStart />
  ) : (
    <LineageGraphPage
      key={`${node}:${depth}`}
      node={node}
      depth={depth}
      open={parseExpansions(query.getAll('open'))}
    />
  )
}
