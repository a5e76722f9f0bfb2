import { expect, it } from 'vitest'
import { systemClock } from '../../core/clock.js'
import { isStrataError } from '../../core/errors.js'
import { runMigrations } from '../../db/index.js'
import { describeMetadata } from '../../testing/metadata-fixture.js'
import { formatLineageDot, formatLineageTree } from './lineage-format.js'
import { LineageGraphStore } from './lineage-graph.js'
import { lineageMigrations } from './lineage-migrations.js'

describeMetadata('lineage graph', (openFresh) => {
  const open = async () => {
    const md = await openFresh()
    await runMigrations(md, lineageMigrations)
    return new LineageGraphStore(md, systemClock)
  }
  const chain = async (g: LineageGraphStore) => {
    await g.record({
      inputs: [{ id: 'dataset-commit:c1', label: 'flights@main' }],
      output: 'feature-view-version:delays/1',
      activity: 'materialize',
    })
    await g.record({
      inputs: ['feature-view-version:delays/1', 'dataset-commit:c2'],
      output: 'training-set:ts1',
      activity: 'build',
    })
    await g.record({ inputs: ['training-set:ts1'], output: 'run:r1', activity: 'train' })
    await g.record({ inputs: ['run:r1'], output: 'model-version:delay/1', activity: 'register' })
  }

  it('resolves exact ids and unique key prefixes, and names the candidates of an ambiguous one', async () => {
    const g = await open()
    await g.record({
      inputs: ['dataset-commit:abc123', 'dataset-commit:abd999'],
      output: 'run:R_1%x',
      activity: 'a',
    })
    expect(await g.resolve('dataset-commit:abc')).toBe('dataset-commit:abc123')
    expect(await g.resolve('run:R_1%')).toBe('run:R_1%x')
    expect(await g.resolve('dataset-commit:abd999')).toBe('dataset-commit:abd999')
    const ambiguous = await g.resolve('dataset-commit:ab').catch((e: unknown) => e)
    expect(isStrataError(ambiguous, 'INVALID_ARGUMENT')).toBe(true)
    expect((ambiguous as Error).message).toContain('dataset-commit:abc123, dataset-commit:abd999')
    // `_` and `%` are literal, and case matters.
    for (const missing of ['run:R_2', 'run:r_1', 'dataset-commit:a_c', 'training-set:abc']) {
      const err = await g.resolve(missing).catch((e: unknown) => e)
      expect(isStrataError(err, 'NOT_FOUND'), missing).toBe(true)
    }
  })

  it('walks upstream to the raw data and downstream to the model', async () => {
    const g = await open()
    await chain(g)
    const up = await g.upstream('model-version:delay/1')
    expect(up.nodes.map((n) => [n.id, n.depth])).toEqual([
      ['model-version:delay/1', 0],
      ['run:r1', 1],
      ['training-set:ts1', 2],
      ['dataset-commit:c2', 3],
      ['feature-view-version:delays/1', 3],
      ['dataset-commit:c1', 4],
    ])
    expect(up.edges).toHaveLength(5)
    const down = await g.downstream('dataset-commit:c1', 2)
    expect(down.nodes.map((n) => n.id)).toEqual([
      'dataset-commit:c1',
      'feature-view-version:delays/1',
      'training-set:ts1',
    ])
    expect(down.edges.map((e) => `${e.from}>${e.to}`)).toEqual([
      'dataset-commit:c1>feature-view-version:delays/1',
      'feature-view-version:delays/1>training-set:ts1',
    ])
  })

  it('reports each node once at its shortest distance and only the edges within the depth', async () => {
    const g = await open()
    await g.record({ inputs: ['dataset-commit:a'], output: 'dataset-commit:b', activity: 'commit' })
    await g.record({ inputs: ['dataset-commit:b'], output: 'dataset-commit:c', activity: 'commit' })
    await g.record({ inputs: ['dataset-commit:c', 'dataset-commit:a'], output: 'run:d', activity: 'train' })
    const up = await g.upstream('run:d')
    expect(up.nodes.map((n) => [n.id, n.depth])).toEqual([
      ['run:d', 0],
      ['dataset-commit:a', 1],
      ['dataset-commit:c', 1],
      ['dataset-commit:b', 2],
    ])
    expect(up.edges).toHaveLength(4)
    const near = await g.upstream('run:d', 1)
    expect(near.nodes.map((n) => n.id)).toEqual(['run:d', 'dataset-commit:a', 'dataset-commit:c'])
    expect(near.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual([
      'dataset-commit:a>run:d',
      'dataset-commit:c>run:d',
    ])
    const down = await g.downstream('dataset-commit:a', 0)
    expect(down.nodes.map((n) => n.id)).toEqual(['dataset-commit:a'])
    expect(down.edges).toEqual([])
  })

  it('traverses ids holding quotes, commas, braces and backslashes', async () => {
    const g = await open()
    const odd = 'dataset-commit:s3://b/k "x", {y} \\z'
    await g.record({ inputs: [odd], output: 'run:odd', activity: 'train' })
    expect((await g.upstream('run:odd')).nodes.map((n) => n.id)).toEqual(['run:odd', odd])
    expect((await g.downstream(odd)).edges.map((e) => e.to)).toEqual(['run:odd'])
  })

  it('finds the production path between two artifacts', async () => {
    const g = await open()
    await chain(g)
    const path = await g.path('dataset-commit:c1', 'model-version:delay/1')
    expect(path?.map((e) => e.activity)).toEqual(['materialize', 'build', 'train', 'register'])
    expect(await g.path('model-version:delay/1', 'dataset-commit:c1')).toBeUndefined()
  })

  it('records idempotently and keeps labels', async () => {
    const g = await open()
    await chain(g)
    await chain(g)
    const up = await g.upstream('model-version:delay/1')
    expect(up.edges).toHaveLength(5)
    expect((await g.node('dataset-commit:c1')).label).toBe('flights@main')
  })

  it('keeps a label when a node is recorded again without one, and takes a new one', async () => {
    const g = await open()
    await g.record({
      inputs: [{ id: 'dataset-commit:c9', label: 'first' }],
      output: 'run:r9',
      activity: 'train',
    })
    await g.record({
      inputs: ['dataset-commit:c9'],
      output: { id: 'run:r9', label: 'run nine' },
      activity: 'train',
    })
    expect((await g.node('dataset-commit:c9')).label).toBe('first')
    expect((await g.node('run:r9')).label).toBe('run nine')
    await g.record({
      inputs: [{ id: 'dataset-commit:c9', label: 'second' }],
      output: 'run:r9',
      activity: 'train',
    })
    expect((await g.node('dataset-commit:c9')).label).toBe('second')
    expect((await g.node('run:r9')).label).toBe('run nine')
  })

  it('rejects malformed ids, self-loops and unknown nodes with clear codes', async () => {
    const g = await open()
    const bad = await g
      .record({ inputs: ['Dataset:x'], output: 'run:r', activity: 'train' })
      .catch((e: unknown) => e)
    expect(isStrataError(bad, 'INVALID_ARGUMENT')).toBe(true)
    expect((bad as Error).message).toContain('"Dataset:x"')
    const loop = await g
      .record({ inputs: ['run:r'], output: 'run:r', activity: 'train' })
      .catch((e: unknown) => e)
    expect(isStrataError(loop, 'INVALID_ARGUMENT')).toBe(true)
    const missing = await g.upstream('run:nope').catch((e: unknown) => e)
    expect(isStrataError(missing, 'NOT_FOUND')).toBe(true)
  })

  it('renders a tree and Graphviz dot', async () => {
    const g = await open()
    await chain(g)
    const tree = formatLineageTree(await g.upstream('model-version:delay/1'), 'up')
    expect(tree.split('\n')[0]).toBe('model-version:delay/1')
    expect(tree).toContain('← materialize: dataset-commit:c1  (flights@main)')
    const dot = formatLineageDot(await g.upstream('run:r1'))
    expect(dot).toContain('"training-set:ts1" -> "run:r1" [label="train"];')
  })
})
