import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { LineageGraph } from '../components/LineageGraph.js'
import { LineageNodeTable } from '../components/LineageNodeTable.js'
import { LineageStart } from '../components/LineageStart.js'
import { ErrorView, Loading, NotFound } from '../components/states.js'
import { ConnectionError, client, isNotFound, useApi } from '../lib/api.js'
import { reportUnreachable } from '../lib/connection.js'
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
import { nodePage } from '../lib/links.js'
import { href } from '../lib/router.js'

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
  // the expansions to replay once the first levels are in: the URL's when the page opens; the
  // view's own when the first levels are fetched again (the server came back after an outage),
  // so a refetch never drops what the user expanded
  const toReplay = useRef(open)
  const current = useRef(view)
  current.current = view
  // expansions asked for whose answer has not arrived yet: a refetch in between replays them too
  const pending = useRef(new Map<string, Expansion>())
  const [replaying, setReplaying] = useState(open.length > 0)
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
    // the view's expansions first, then what is left of the URL's (a refetch during the replay)
    const replay = [
      ...parseExpansions(expansionParams(current.current)),
      ...toReplay.current,
      ...pending.current.values(),
    ]
    setView(v)
    setReplaying(replay.length > 0)
    let cancelled = false
    ;(async () => {
      for (const { id, direction } of replay) {
        if (!v.nodes.has(id) || isExpanded(v, id, direction)) continue
        const graph = await client.call('server', direction, { params: { node: id }, query: { depth: 1 } })
        if (cancelled) return
        v = expand(v, id, direction, graph)
        // on the latest view: an expansion the user made meanwhile stays
        setView((latest) => expand(latest, id, direction, graph))
      }
      toReplay.current = []
      setReplaying(false)
    })().catch((error: Error) => {
      setReplaying(false)
      setActionError(error)
    })
    return () => {
      cancelled = true
    }
  }, [first, node])
  // Keep the expansions in the URL (replaceState: no new history entry, no page change), so a
  // reload or a shared link opens the same graph.
  useEffect(() => {
    // (not while the URL's own expansions are being replayed: it would drop them from the URL)
    if (view.nodes.size === 0 || replaying) return
    const [path = '', search = ''] = window.location.hash.slice(1).split('?', 2)
    const q = new URLSearchParams(search)
    q.delete('open')
    for (const value of expansionParams(view)) q.append('open', value)
    const text = q.toString()
    const next = `#${path}${text === '' ? '' : `?${text}`}`
    if (next !== window.location.hash) window.history.replaceState(null, '', next)
  }, [view, replaying])

  const onToggle = useCallback(
    (id: string, direction: Direction) => {
      setActionError(null)
      if (isExpanded(view, id, direction)) {
        setView((v) => collapse(v, id, direction))
        return
      }
      const key = `${id} ${direction}`
      setBusy(key)
      pending.current.set(key, { id, direction })
      client.call('server', direction, { params: { node: id }, query: { depth: 1 } }).then(
        (graph) => {
          pending.current.delete(key)
          setBusy(null)
          setView((v) => expand(v, id, direction, graph))
        },
        (error: Error) => {
          pending.current.delete(key)
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
      <LineageGraph view={view} matches={matches} onToggle={onToggle} focus={focus} />
      <LineageNodeTable view={view} />
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
