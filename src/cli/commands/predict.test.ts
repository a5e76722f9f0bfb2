import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { linearPrediction } from '../../../test/support/serving-models.js'
import { tempProject } from '../../../test/support/temp-project.js'
import type { LineageGraph } from '../../data/index.js'
import { initProject, openStrata } from '../../platform/index.js'
import { linearRegressorToOnnx } from '../../registry/index.js'
import type { BatchPredictResult } from '../../serving/index.js'

describe('strata predict', () => {
  it('runs a model over a CSV and a dataset file, writes the rows with predictions to Parquet in input order, with lineage', async () => {
    await using project = await tempProject('strata-predict-cli-')
    initProject(project.dir)
    // columns named as the model's features, in another order than the model's, plus an id
    writeFileSync(
      join(project.dir, 'model.onnx'),
      linearRegressorToOnnx(
        { coefficients: [[1, 2, 3]], intercepts: [0.5] },
        { featureNames: ['a', 'b', 'c'] },
      ),
    )
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: i, c: i % 3, a: i, b: i === 7 ? null : 1 }))
    const csv = ['id,c,a,b', ...rows.map((r) => `${r.id},${r.c},${r.a},${r.b ?? ''}`)].join('\n')
    writeFileSync(join(project.dir, 'input.csv'), `${csv}\n`)
    expect((await project.cli('models', 'register', 'lin', 'model.onnx', '--alias', 'champion')).code).toBe(0)

    const res = await project.cli(
      'predict',
      'lin@champion',
      '--input',
      'input.csv',
      '--out',
      'out.parquet',
      '--chunk-rows',
      '4',
      '--json',
    )
    expect(res.code).toBe(0)
    const result = res.json<BatchPredictResult>()
    expect(result).toMatchObject({ rows: 25, modelName: 'lin', modelVersion: 1, outputs: ['prediction'] })
    {
      await using strata = await openStrata({ cwd: project.dir })
      const engine = await strata.offline()
      const out = await engine.query(`SELECT * FROM read_parquet('${join(project.dir, 'out.parquet')}')`)
      expect(out.columns.map((c) => c.name)).toEqual(['id', 'c', 'a', 'b', 'prediction'])
      expect(out.rows.map((r) => Number(r.id))).toEqual(rows.map((r) => r.id))
      for (const r of out.rows) {
        const id = Number(r.id)
        if (id === 7)
          expect(r.prediction).toBeNull() // a null input is NaN (missing) for the model
        else expect(r.prediction).toBeCloseTo(linearPrediction([id, 1, id % 3]), 4)
      }
      const graph = await (await strata.lineage()).upstream(result.node)
      expect(graph.nodes.map((n) => n.id)).toContain('model-version:lin/1')

      // a dataset file as input: the output's lineage reaches the commit
      const repo = await strata.data()
      await repo.createDataset('batch-in')
      const commit = await repo.commit('batch-in', {
        message: 'input',
        changes: [{ path: 'input.csv', source: join(project.dir, 'input.csv') }],
      })
      const fromData = await project.cli(
        'predict',
        'lin@champion',
        '-i',
        'batch-in@main:input.csv',
        '-o',
        'out2.parquet',
        '--json',
      )
      expect(fromData.stdout + fromData.stderr).toContain('"rows": 25')
      const node = fromData.json<BatchPredictResult>().node
      const up = await (await strata.lineage()).upstream(node)
      expect(up.nodes.map((n) => n.id)).toContain(`dataset-commit:${commit.id}`)
    }
    const lineage = await project.cli('lineage', result.node, '--json')
    expect(lineage.json<LineageGraph>().root).toBe(result.node)

    const missing = await project.cli('predict', 'lin@champion', '-i', 'nope.csv', '-o', 'x.parquet')
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain(
      '--input "nope.csv" is neither a local file nor a dataset file reference',
    )
    writeFileSync(join(project.dir, 'short.csv'), 'a,b\n1,2\n')
    const short = await project.cli('predict', 'lin@champion', '-i', 'short.csv', '-o', 'x.parquet')
    expect(short.stderr).toContain('has no column "c"; model "lin" version 1 needs a, b, c')
  })
})
