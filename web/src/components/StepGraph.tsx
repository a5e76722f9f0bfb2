/** A step of the graph: its name, the steps it reads, and an optional state shown as its class and label. */
export interface GraphStep {
  name: string
  upstream: readonly string[]
  status?: string
  detail?: string
}

const W = 150
const H = 44
const GAP_X = 60
const GAP_Y = 18

/** Each step's layer: one more than the deepest step it reads (longest path from a source). */
function layers(steps: readonly GraphStep[]): Map<string, number> {
  const byName = new Map(steps.map((s) => [s.name, s]))
  const depth = new Map<string, number>()
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name)
    if (known !== undefined) return known
    if (seen.has(name)) return 0 // a cycle cannot be declared; stay finite anyway
    seen.add(name)
    const ups = byName.get(name)?.upstream.filter((u) => byName.has(u)) ?? []
    const d = ups.length === 0 ? 0 : Math.max(...ups.map((u) => visit(u, seen))) + 1
    depth.set(name, d)
    return d
  }
  for (const s of steps) visit(s.name, new Set())
  return depth
}

/**
 * A pipeline's DAG drawn left to right in layers (a step sits one layer right of the deepest
 * step it reads), as an SVG: each step a box with its name and state, each input an arrow.
 * The same information is in the steps table next to it, for screen readers.
 */
export function StepGraph({ steps, label }: { steps: readonly GraphStep[]; label: string }) {
  const depth = layers(steps)
  const columns: GraphStep[][] = []
  for (const s of steps) {
    const d = depth.get(s.name) ?? 0
    const column = columns[d] ?? []
    column.push(s)
    columns[d] = column
  }
  const pos = new Map<string, { x: number; y: number }>()
  columns.forEach((column, c) => {
    column.forEach((s, r) => {
      pos.set(s.name, { x: 10 + c * (W + GAP_X), y: 10 + r * (H + GAP_Y) })
    })
  })
  const width = 20 + columns.length * (W + GAP_X) - GAP_X
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y
  return (
    <figure className="step-graph">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="edge-head" />
          </marker>
        </defs>
        {steps.flatMap((s) =>
          s.upstream.map((u) => {
            const from = pos.get(u)
            const to = pos.get(s.name)
            if (from === undefined || to === undefined) return null
            const x1 = from.x + W
            const y1 = from.y + H / 2
            const x2 = to.x
            const y2 = to.y + H / 2
            const mid = (x1 + x2) / 2
            return (
              <path
                key={`${u}->${s.name}`}
                className="edge"
                d={`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`}
                markerEnd="url(#arrow)"
              />
            )
          }),
        )}
        {steps.map((s) => {
          const p = pos.get(s.name) as { x: number; y: number }
          return (
            <g key={s.name} className={`step-node${s.status ? ` step-${s.status}` : ''}`} data-step={s.name}>
              <rect x={p.x} y={p.y} width={W} height={H} rx={6} />
              <text x={p.x + 10} y={p.y + 18}>
                {s.name.length > 18 ? `${s.name.slice(0, 17)}…` : s.name}
              </text>
              {s.status || s.detail ? (
                <text x={p.x + 10} y={p.y + 35} className="step-state">
                  {[s.status, s.detail].filter(Boolean).join(' · ')}
                </text>
              ) : null}
            </g>
          )
        })}
      </svg>
    </figure>
  )
}
