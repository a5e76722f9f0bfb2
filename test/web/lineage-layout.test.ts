import { describe, expect, it } from 'vitest'
import { layoutLineage, NODE_HEIGHT, NODE_WIDTH } from '../../web/src/lib/lineage-layout.js'

type Edge = { from: string; to: string; activity: string; at: number }
const node = (id: string) => ({ id, kind: id.slice(0, id.indexOf(':')), label: null, createdAt: 0 })

/** 10 layers of 100 nodes, each made from 2 nodes of the layer before, feeding one model (the bench's graph). */
function layered(): { nodes: ReturnType<typeof node>[]; edges: Edge[] } {
  const id = (layer: number, i: number) => `n:l${layer}-${i}`
  const nodes = []
  const edges: Edge[] = []
  for (let l = 0; l < 10; l++) for (let i = 0; i < 100; i++) nodes.push(node(id(l, i)))
  for (let l = 1; l < 10; l++)
    for (let i = 0; i < 100; i++) {
      edges.push({ from: id(l - 1, i), to: id(l, i), activity: 'c', at: 0 })
      edges.push({ from: id(l - 1, (i * 7 + 3) % 100), to: id(l, i), activity: 'c', at: 0 })
    }
  nodes.push(node('model-version:m/1'))
  for (let i = 0; i < 100; i++)
    edges.push({ from: id(9, i), to: 'model-version:m/1', activity: 'register', at: 0 })
  return { nodes, edges }
}

/** Pairs of nodes drawn on top of each other (same column, closer than a node's height). */
function overlaps(positions: Map<string, { x: number; y: number }>): number {
  const columns = new Map<number, number[]>()
  for (const p of positions.values()) columns.set(p.x, [...(columns.get(p.x) ?? []), p.y])
  let bad = 0
  for (const ys of columns.values()) {
    ys.sort((a, b) => a - b)
    for (let i = 1; i < ys.length; i++) if (ys[i]! - ys[i - 1]! < NODE_HEIGHT) bad++
  }
  return bad
}

describe('layoutLineage (the lineage page layout)', () => {
  it('places 1,001 nodes in 11 columns, inputs left of outputs, none overlapping', () => {
    const { nodes, edges } = layered()
    const positions = layoutLineage(nodes, edges)
    expect(positions.size).toBe(1001)
    for (const p of positions.values()) expect(Number.isFinite(p.x) && Number.isFinite(p.y)).toBe(true)
    expect(new Set([...positions.values()].map((p) => p.x)).size).toBe(11)
    for (const e of edges) expect(positions.get(e.from)!.x).toBeLessThan(positions.get(e.to)!.x)
    expect(overlaps(positions)).toBe(0)
    expect(Math.min(...[...positions.values()].map((p) => p.y))).toBe(0)
  })

  it('puts a raw input next to what it fed, not in the first column', () => {
    // a -> b -> c -> d, and raw -> d: raw sits one column left of d
    const edges: Edge[] = [
      { from: 'x:a', to: 'x:b', activity: 'f', at: 0 },
      { from: 'x:b', to: 'x:c', activity: 'f', at: 0 },
      { from: 'x:c', to: 'x:d', activity: 'f', at: 0 },
      { from: 'x:raw', to: 'x:d', activity: 'f', at: 0 },
    ]
    const positions = layoutLineage(['x:a', 'x:b', 'x:c', 'x:d', 'x:raw'].map(node), edges)
    expect(positions.get('x:raw')!.x).toBe(
      positions.get('x:d')!.x - (positions.get('x:b')!.x - positions.get('x:a')!.x),
    )
    expect(positions.get('x:a')!.x).toBe(0)
    expect(positions.get('x:b')!.x).toBeGreaterThanOrEqual(NODE_WIDTH)
    expect(overlaps(positions)).toBe(0)
  })

  it('orders a layer so edges do not cross when they need not', () => {
    // two independent chains, listed crossed: p1 -> q2 and p2 -> q1
    const edges: Edge[] = [
      { from: 'x:p1', to: 'x:q2', activity: 'f', at: 0 },
      { from: 'x:p2', to: 'x:q1', activity: 'f', at: 0 },
    ]
    const positions = layoutLineage(['x:p1', 'x:p2', 'x:q1', 'x:q2'].map(node), edges)
    const above = (a: string, b: string) => positions.get(a)!.y < positions.get(b)!.y
    expect(above('x:p1', 'x:p2')).toBe(above('x:q2', 'x:q1'))
  })

  it('survives a cycle, self-loops, duplicate edges and edges to unknown nodes', () => {
    const edges: Edge[] = [
      { from: 'x:a', to: 'x:b', activity: 'f', at: 0 },
      { from: 'x:b', to: 'x:c', activity: 'f', at: 0 },
      { from: 'x:c', to: 'x:a', activity: 'f', at: 0 },
      { from: 'x:a', to: 'x:a', activity: 'f', at: 0 },
      { from: 'x:a', to: 'x:b', activity: 'g', at: 0 },
      { from: 'x:a', to: 'x:ghost', activity: 'f', at: 0 },
    ]
    const positions = layoutLineage(['x:a', 'x:b', 'x:c', 'x:a'].map(node), edges)
    expect([...positions.keys()].sort()).toEqual(['x:a', 'x:b', 'x:c'])
    expect(positions.get('x:a')!.x).toBeLessThan(positions.get('x:b')!.x)
    expect(positions.get('x:b')!.x).toBeLessThan(positions.get('x:c')!.x)
  })

  it('lays out nothing as nothing', () => {
    expect(layoutLineage([], []).size).toBe(0)
  })
})
