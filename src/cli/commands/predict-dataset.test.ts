import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { linearPrediction } from '../../../test/support/serving-models.js'
import { tempProject } from '../../../test/support/temp-project.js'
import { openStrata } from '../../platform/index.js'
import { linearRegressorToOnnx } from '../../registry/index.js'
import { describeWithService } from '../../testing/services.js'
import type { PredictCommandResult } from './predict.js'

const rowsOf = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: from + i, a: from + i, b: 1, c: (from + i) % 3 }))
const csvOf = (rows: ReturnType<typeof rowsOf>) =>
  `${['id,a,b,c', ...rows.map((r) => `${r.id},${r.a},${r.b},${r.c}`)].join('\n')}\n`

/** Batch predictions committed to a dataset, on the project's blob store (`blobs`: a URL or the default files). */
function suite(blobs: () => string | undefined) {
  it('commits predictions of a dataset commit, a directory and a training set to a dataset, with lineage, and refuses bad input clearly', async () => {
    await using project = await tempProject('strata-predict-ds-')
    expect((await project.cli('init', '--bare')).code).toBe(0)
    const url = blobs()
    if (url !== undefined)
      writeFileSync(
        join(project.dir, 'strata.config.ts'),
        `export default { blobs: ${JSON.stringify(url)} }\n`,
      )
    writeFileSync(
      join(project.dir, 'model.onnx'),
      linearRegressorToOnnx(
        { coefficients: [[1, 2, 3]], intercepts: [0.5] },
        { featureNames: ['a', 'b', 'c'] },
      ),
    )
    expect((await project.cli('models', 'register', 'lin', 'model.onnx', '--alias', 'champion')).code).toBe(0)
    writeFileSync(join(project.dir, 'jan.csv'), csvOf(rowsOf(0, 30)))
    writeFileSync(join(project.dir, 'feb.csv'), csvOf(rowsOf(30, 20)))
    expect((await project.cli('data', 'create', 'flights')).code).toBe(0)
    expect(
      (await project.cli('data', 'commit', 'flights', 'jan.csv', 'feb.csv', '-m', 'two months')).code,
    ).toBe(0)

    // every CSV of the commit, in path order (feb, jan), three calls at once
    const first = await project.cli(
      'predict',
      'lin@champion',
      '-i',
      'flights@main',
      '--output',
      'scored',
      '--chunk-rows',
      '7',
      '--parallel',
      '3',
      '--json',
    )
    expect(first.code).toBe(0)
    const r1 = first.json<PredictCommandResult>()
    expect(r1).toMatchObject({ rows: 50, modelName: 'lin', modelVersion: 1, outputs: ['prediction'] })
    expect(r1.commit).toMatchObject({ dataset: 'scored', branch: 'main', path: 'predictions.parquet' })
    {
      await using strata = await openStrata({ cwd: project.dir })
      const repo = await strata.data()
      const inputCommit = await repo.resolve('flights', 'main')
      const file = await repo.localFile('scored', 'main', 'predictions.parquet')
      const out = await (await strata.offline()).query(`SELECT * FROM read_parquet('${file}')`)
      expect(out.columns.map((c) => c.name)).toEqual(['id', 'a', 'b', 'c', 'prediction'])
      expect(out.rows.map((r) => Number(r.id))).toEqual(
        [...rowsOf(30, 20), ...rowsOf(0, 30)].map((r) => r.id),
      )
      for (const r of out.rows)
        expect(r.prediction).toBeCloseTo(linearPrediction([Number(r.a), Number(r.b), Number(r.c)]), 4)
      const head = await repo.resolve('scored', 'main')
      expect(head.id).toBe(r1.commit?.id)
      expect(head.metadata).toMatchObject({ model: 'lin/1', inputNode: `dataset-commit:${inputCommit.id}` })
      const up = await (await strata.lineage()).upstream(`dataset-commit:${head.id}`)
      const ids = up.nodes.map((n) => n.id)
      expect(ids).toEqual(
        expect.arrayContaining([r1.node, 'model-version:lin/1', `dataset-commit:${inputCommit.id}`]),
      )

      // a saved training set (as the feature store stores it) as input, to another path
      await repo.createDataset('training-sets')
      const ts = await repo.commit('training-sets', {
        message: 'training set churn v1',
        changes: [{ path: 'churn/v1.parquet', source: file }],
        metadata: { trainingSet: 'churn/1' },
      })
      expect(ts.id).toBeTruthy()
    }
    // one file of a commit, to a new branch: the branch starts at main's head
    const second = await project.cli(
      'predict',
      'lin@champion',
      '-i',
      'flights@main:jan.csv',
      '--output',
      'scored@exp',
      '--json',
    )
    expect(second.code).toBe(0)
    const r2 = second.json<PredictCommandResult>()
    expect(r2.rows).toBe(30)
    expect(r2.commit?.branch).toBe('exp')
    const fromTs = await project.cli(
      'predict',
      'lin@champion',
      '-i',
      'training-set:churn/1',
      '--output',
      'scored:from-ts.parquet',
      '--json',
    )
    expect(fromTs.code).toBe(0)
    const r3 = fromTs.json<PredictCommandResult>()
    expect(r3.inputs).toEqual(['training-set:churn/1'])
    {
      await using strata = await openStrata({ cwd: project.dir })
      const repo = await strata.data()
      expect((await repo.log('scored', { ref: 'exp' })).map((c) => c.id)).toContain(r1.commit?.id)
      // prediction columns the input already has are replaced; the table keeps the earlier schema
      const head = await repo.resolve('scored', 'main')
      expect(head.parents[0]).toBe(r1.commit?.id)
      const up = await (await strata.lineage()).upstream(`dataset-commit:${head.id}`)
      expect(up.nodes.map((n) => n.id)).toContain('training-set:churn/1')
    }

    // errors: one line each, naming the value
    const unknown = await project.cli('predict', 'lin@champion', '-i', 'nope@main', '--output', 'scored')
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toMatch(/nope/)
    const badRef = await project.cli('predict', 'lin@champion', '-i', 'flights@v9', '--output', 'scored')
    expect(badRef.code).not.toBe(0)
    expect(badRef.stderr).toMatch(/v9/)
    const noTs = await project.cli(
      'predict',
      'lin@champion',
      '-i',
      'training-set:churn/7',
      '--output',
      'scored',
    )
    expect(noTs.stderr).toContain('training set churn/7 is not saved')
    writeFileSync(join(project.dir, 'short.csv'), 'a,b\n1,2\n')
    expect((await project.cli('data', 'commit', 'flights', 'short.csv', '-m', 'short')).code).toBe(0)
    const short = await project.cli(
      'predict',
      'lin@champion',
      '-i',
      'flights@main:short.csv',
      '--output',
      'scored',
    )
    expect(short.stderr).toContain('has no column "c"; model "lin" version 1 needs a, b, c')
    writeFileSync(join(project.dir, 'wide.csv'), 'a,b,c,extra\n1,2,3,x\n')
    const wide = await project.cli('predict', 'lin@champion', '-i', 'wide.csv', '--output', 'scored')
    expect(wide.code).not.toBe(0)
    expect(wide.stderr).toContain(
      '--output "scored@main" exists with another schema: predictions.parquet has (id BIGINT',
    )
    expect(wide.stderr).toContain('extra VARCHAR')
    const badTarget = await project.cli(
      'predict',
      'lin@champion',
      '-i',
      'wide.csv',
      '--output',
      'scored:x.csv',
    )
    expect(badTarget.stderr).toContain('--output "scored:x.csv" is invalid')
  })
}

describe('strata predict --output <dataset> (local blobs)', () => suite(() => undefined))

describeWithService('s3', 'strata predict --output <dataset> (S3 blobs)', (url) => {
  const u = new URL(url.replace(/^s3:/, 'http:'))
  const prefixed = () => {
    const path = `${u.pathname.replace(/\/$/, '')}/predict-${randomBytes(4).toString('hex')}`
    return url.replace(u.pathname, path)
  }
  suite(prefixed)
})
