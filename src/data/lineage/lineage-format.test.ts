import { describe, expect, it } from 'vitest'
import { formatLineageDot } from './lineage-format.js'
import type { LineageGraph } from './lineage-types.js'

describe('formatLineageDot', () => {
  it('breaks labels with one Graphviz \\n and escapes quotes and backslashes', () => {
    const graph: LineageGraph = {
      root: 'run:r1',
      nodes: [
        { id: 'run:r1', kind: 'run', label: 'say "hi" \\ bye', createdAt: 0 },
        { id: 'training-set:ts/1', kind: 'training-set', label: null, createdAt: 0 },
      ],
      edges: [{ from: 'training-set:ts/1', to: 'run:r1', activity: 'train', at: 0 }],
    }
    const dot = formatLineageDot(graph)
    expect(dot).toContain('"run:r1" [label="run:r1\\nsay \\"hi\\" \\\\ bye", style=bold];')
    expect(dot).toContain('"training-set:ts/1" [label="training-set:ts/1"];')
    expect(dot).toContain('"training-set:ts/1" -> "run:r1" [label="train"];')
  })
})
