import { expect, it } from 'vitest'
import { describeDataRepo } from '../../test/support/data-repo-fixture.js'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import type { DataRepository } from '../data/index.js'
import { INPUT_COMMIT_KEY } from './map-output.js'
import { datasetOutput, datums } from './map-source.js'
import { mapStep } from './map-step.js'
import { pipeline } from './pipeline.js'
import { step } from './step.js'

const text = (s: string) => new TextEncoder().encode(s)

async function readText(repo: DataRepository, dataset: string, ref: string, path: string): Promise<string> {
  const parts: Uint8Array[] = []
  for await (const c of await repo.readFile(dataset, ref, path)) parts.push(c)
  return Buffer.concat(parts).toString('utf8')
}

/** Upper-cases every file of `docs@main` into `upper@main`; records which datums really ran. */
function upperPipeline(repo: DataRepository, ran: string[]) {
  const upper = mapStep({
    name: 'upper',
    over: datums('docs@main', '/*'),
    output: datasetOutput('upper@main'),
    run: async (_ctx, datum) => {
      ran.push(datum.path)
      const body = await readText(repo, datum.dataset, datum.commit, datum.path)
      // The output depends on the content only: the element's cache key covers the content, not the path.
      return { text: body.toUpperCase(), chars: body.length }
    },
  })
  const count = step({ name: 'count', inputs: { all: upper }, run: (_c, { all }) => all.map((u) => u.text) })
  return pipeline({ name: 'docs', steps: [upper, count] })
}

describeDataRepo(
  'Steps mapped over datums',
  (open) => {
    it('re-runs only changed or added datums, removes the outputs of removed ones, and commits the outputs with lineage', async () => {
      const { repo, metadata } = await open()
      await repo.createDataset('docs')
      const c1 = await repo.commit('docs', {
        message: 'three docs',
        changes: [
          { path: 'a.txt', bytes: text('alpha') },
          { path: 'b.txt', bytes: text('beta') },
          { path: 'c.txt', bytes: text('gamma') },
        ],
      })
      const ran: string[] = []
      const { engine, ctx } = await openTestPipelineEngine(metadata, [upperPipeline(repo, ran)], {
        data: repo,
      })

      const first = await engine.run('docs')
      expect(first.steps.map((s) => s.error)).toEqual([null, null])
      expect(first.run.status).toBe('succeeded')
      expect([...ran].sort()).toEqual(['a.txt', 'b.txt', 'c.txt'])
      expect(first.outputs.count).toEqual(['ALPHA', 'BETA', 'GAMMA'])
      const out1 = first.steps.find((s) => s.step === 'upper')?.outputCommit as string
      expect((await repo.files('upper', 'main')).map((f) => f.path)).toEqual([
        'a.txt.jsonl',
        'b.txt.jsonl',
        'c.txt.jsonl',
      ])
      expect(JSON.parse(await readText(repo, 'upper', 'main', 'b.txt.jsonl'))).toEqual({
        text: 'BETA',
        chars: 4,
      })
      const head1 = await repo.resolve('upper', 'main')
      expect(head1.id).toBe(out1)
      expect(head1.metadata[INPUT_COMMIT_KEY]).toBe(`docs@${c1.id}`)
      // The output commit's lineage reaches the step run, the pipeline run and the input commit.
      const up = await ctx.lineage.upstream(`dataset-commit:${out1}`)
      const ids = up.nodes.map((n) => n.id)
      expect(ids).toContain(`dataset-commit:${c1.id}`)
      expect(ids).toContain(`pipeline-step:${first.run.runId}/upper`)
      expect(ids).toContain(`pipeline-run:${first.run.runId}`)

      // A new commit: b changed, c removed, d added.
      const c2 = await repo.commit('docs', {
        message: 'edit',
        changes: [
          { path: 'b.txt', bytes: text('BETA two') },
          { path: 'c.txt', delete: true },
          { path: 'd.txt', bytes: text('delta') },
        ],
      })
      const plan = await engine.plan('docs')
      const upperPlan = plan.steps.find((s) => s.step === 'upper')
      expect(upperPlan?.elements?.items.map((e) => [e.key, e.action, e.reason])).toEqual([
        ['a.txt', 'cached', 'cached'],
        ['b.txt', 'run', 'inputs-changed'],
        ['d.txt', 'run', 'new-element'],
      ])
      expect(upperPlan?.elements?.items[1]?.why).toBe(`datum content changed since run ${first.run.runId}`)
      expect(upperPlan?.elements?.removed).toEqual(['c.txt'])
      expect(upperPlan?.why).toContain('2 of 3 elements run')

      ran.length = 0
      const second = await engine.run('docs')
      expect([...ran].sort()).toEqual(['b.txt', 'd.txt'])
      expect(second.outputs.count).toEqual(['ALPHA', 'BETA TWO', 'DELTA'])
      expect((await repo.files('upper', 'main')).map((f) => f.path)).toEqual([
        'a.txt.jsonl',
        'b.txt.jsonl',
        'd.txt.jsonl',
      ])
      expect(JSON.parse(await readText(repo, 'upper', 'main', 'b.txt.jsonl')).text).toBe('BETA TWO')
      const head2 = await repo.resolve('upper', 'main')
      expect(head2.parents).toEqual([out1])
      expect(head2.metadata[INPUT_COMMIT_KEY]).toBe(`docs@${c2.id}`)
      const diff = await repo.diff('upper', out1, head2.id)
      expect(diff.added.map((f) => f.path)).toEqual(['d.txt.jsonl'])
      expect(diff.removed.map((f) => f.path)).toEqual(['c.txt.jsonl'])
      expect(diff.changed.map((c) => c.path)).toEqual(['b.txt.jsonl'])

      // Same input again: nothing runs and no second output commit is made.
      ran.length = 0
      const third = await engine.run('docs')
      expect(ran).toEqual([])
      expect(third.steps.find((s) => s.step === 'upper')?.outputCommit).toBe(head2.id)

      // A branch merge re-runs only the datums the merge changed; a renamed file hits by content.
      await repo.branch('docs', 'feature', 'main')
      await repo.commit('docs', {
        branch: 'feature',
        message: 'feature work',
        changes: [
          { path: 'a.txt', bytes: text('alpha prime') },
          { path: 'e.txt', bytes: text('epsilon') },
          { path: 'd.txt', delete: true },
          { path: 'd2.txt', bytes: text('delta') },
        ],
      })
      await repo.merge('docs', 'feature', 'main')
      ran.length = 0
      const merged = await engine.run('docs')
      expect([...ran].sort()).toEqual(['a.txt', 'e.txt'])
      expect(merged.outputs.count).toEqual(['ALPHA PRIME', 'BETA TWO', 'DELTA', 'EPSILON'])
      const elements = await engine.elements(merged.run.runId, 'upper')
      expect(elements.map((e) => [e.key, e.cached])).toEqual([
        ['a.txt', false],
        ['b.txt', true],
        ['d2.txt', true],
        ['e.txt', false],
      ])
      expect((await repo.files('upper', 'main')).map((f) => f.path)).toEqual([
        'a.txt.jsonl',
        'b.txt.jsonl',
        'd2.txt.jsonl',
        'e.txt.jsonl',
      ])
    })

    it('maps over partition directories: a changed partition re-runs, the others hit', async () => {
      const { repo, metadata } = await open()
      await repo.createDataset('events')
      await repo.commit('events', {
        message: 'two months',
        changes: [
          { path: 'month=01/part-0.jsonl', bytes: text('{"n":1}\n{"n":2}\n') },
          { path: 'month=01/part-1.jsonl', bytes: text('{"n":3}\n') },
          { path: 'month=02/part-0.jsonl', bytes: text('{"n":10}\n') },
          { path: 'README', bytes: text('not a partition') },
        ],
      })
      const ran: string[] = []
      const rows = mapStep({
        name: 'rows',
        over: datums('events@main', '/month=*'),
        output: datasetOutput('event-counts@main', { format: 'json' }),
        run: (_c, d) => {
          ran.push(d.path)
          return d.files.map((f) => ({ file: f.path, bytes: f.size }))
        },
      })
      const { engine } = await openTestPipelineEngine(
        metadata,
        [pipeline({ name: 'events', steps: [rows] })],
        {
          data: repo,
        },
      )
      const first = await engine.run('events')
      expect(ran).toEqual(['month=01', 'month=02'])
      expect(first.outputs.rows).toEqual([
        [
          { file: 'month=01/part-0.jsonl', bytes: 16 },
          { file: 'month=01/part-1.jsonl', bytes: 8 },
        ],
        [{ file: 'month=02/part-0.jsonl', bytes: 9 }],
      ])
      const files = await repo.files('event-counts', 'main')
      expect(files.map((f) => [f.path, f.table?.rows])).toEqual([
        ['month=01.json', 2],
        ['month=02.json', 1],
      ])
      await repo.commit('events', {
        message: 'late data for February',
        changes: [{ path: 'month=02/part-1.jsonl', bytes: text('{"n":11}\n') }],
      })
      ran.length = 0
      await engine.run('events')
      expect(ran).toEqual(['month=02'])
    })
  },
  ['sqlite+fs', 'postgres+s3'],
)
