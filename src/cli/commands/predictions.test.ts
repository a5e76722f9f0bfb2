import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { linearOnnx, linearPrediction } from '../../../test/support/serving-models.js'
import { tempProject } from '../../../test/support/temp-project.js'
import type { LineageGraph } from '../../data/index.js'
import { initProject, openStrata } from '../../platform/index.js'
import type { PredictionPage, PredictionRecord } from '../../serving/index.js'
import { parseTimeOption } from './predictions.js'

describe('strata predictions', () => {
  it('lists and shows logged predictions, and walks a prediction’s lineage to its model version', async () => {
    await using project = await tempProject('strata-predictions-cli-')
    initProject(project.dir)
    writeFileSync(join(project.dir, 'model.onnx'), linearOnnx())
    expect((await project.cli('models', 'register', 'delay', 'model.onnx', '--alias', 'champion')).code).toBe(
      0,
    )
    const ids: string[] = []
    {
      await using strata = await openStrata({ cwd: project.dir })
      const server = await strata.serving()
      await server.deploy('delay@champion')
      for (const row of [
        [1, 2, 3],
        [4, 5, 6],
      ]) {
        const result = await server.infer('delay', undefined, {
          inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from(row) }],
        })
        ids.push(result.predictionId)
      }
      // closing the project flushes the payload log
    }

    const list = await project.cli('predictions', 'list', '--endpoint', 'delay', '--json')
    expect(list.stderr).toBe('')
    const page = list.json<PredictionPage>()
    // listed by time, then id: two predictions of one millisecond come in id order (ids start with the time)
    expect(page.records.map((r) => r.id)).toEqual([...ids].sort())
    expect(page.records.find((r) => r.id === ids[1])?.outputs).toEqual({
      prediction: { datatype: 'FP32', shape: [1, 1], data: [linearPrediction([4, 5, 6])] },
    })
    const paged = await project.cli('predictions', 'list', '--max', '1', '--since', '1h', '--json')
    const first = paged.json<PredictionPage>()
    expect(first.records).toHaveLength(1)
    const rest = await project.cli(
      'predictions',
      'list',
      '--page-token',
      String(first.nextPageToken),
      '--json',
    )
    expect(rest.json<PredictionPage>().records.map((r) => r.id)).toEqual([ids[1]])
    expect(
      (await project.cli('predictions', 'list', '--model', 'delay/2', '--json')).json<PredictionPage>()
        .records,
    ).toEqual([])
    const human = await project.cli('predictions', 'list')
    expect(human.stdout).toContain(String(ids[0]))
    expect(human.stdout).toContain('delay/1')

    const show = await project.cli('predictions', 'show', String(ids[0]), '--json')
    expect(show.json<PredictionRecord>()).toMatchObject({
      id: ids[0],
      modelName: 'delay',
      modelVersion: 1,
      status: 'ok',
    })
    const missing = await project.cli('predictions', 'show', '000000000000-0000000000000000')
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(
      /^error: prediction "000000000000-0000000000000000" is not in the payload log/,
    )

    const lineage = await project.cli('lineage', `prediction:${ids[0]}`, '--json')
    expect(lineage.stderr).toBe('')
    const graph = lineage.json<LineageGraph>()
    expect(graph.root).toBe(`prediction:${ids[0]}`)
    expect(graph.nodes.map((n) => n.id)).toContain('model-version:delay/1')
    const tree = await project.cli('lineage', `prediction:${ids[0]}`)
    expect(tree.stdout).toContain('model-version:delay/1')

    const bad = await project.cli('predictions', 'list', '--since', 'yesterday')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('--since "yesterday" is invalid')
  })

  it('reads times as ISO, epoch milliseconds or a span back from now', () => {
    const now = Date.parse('2026-03-02T00:00:00Z')
    expect(parseTimeOption('--since', '2h', now)).toBe(now - 2 * 3_600_000)
    expect(parseTimeOption('--since', '7d', now)).toBe(now - 7 * 86_400_000)
    expect(parseTimeOption('--since', '2026-03-01', now)).toBe(Date.parse('2026-03-01'))
    expect(parseTimeOption('--since', '1772323200000', now)).toBe(1772323200000)
    expect(() => parseTimeOption('--until', 'soon', now)).toThrow(/--until "soon" is invalid/)
  })
})
