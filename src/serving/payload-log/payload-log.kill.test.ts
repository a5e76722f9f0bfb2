import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runKillChild } from '../../../test/support/kill-child.js'
import { linearOnnx, linearPrediction } from '../../../test/support/serving-models.js'
import { openStrata } from '../../platform/index.js'
import { freshSchemaUrls } from '../../testing/metadata-fixture.js'
import { describeWithService } from '../../testing/services.js'

const CHILD = fileURLToPath(new URL('../../../test/support/payload-log-kill-child.ts', import.meta.url))
const KILLS = 3

/**
 * SIGKILLs a serving process at random points while it predicts and flushes; afterwards every
 * prediction flushed before the kill is in the log, whole, exactly once, with its lineage, and
 * the next process logs on top.
 */
function killSuite(dialect: string, metadataUrl: () => Promise<string | undefined>) {
  const dirs: string[] = []
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  it(`${dialect}: kill -9 loses nothing flushed, leaves no partial row, and the next process logs on`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-payload-kill-'))
    dirs.push(dir)
    const metadata = await metadataUrl()
    const config = { project: 'payload-kill', ...(metadata === undefined ? {} : { metadata }) }
    {
      await using strata = await openStrata({ cwd: dir, config })
      const registry = await strata.registry()
      await registry.registerVersion('linear', { onnx: linearOnnx() })
      await registry.setAlias('linear', 'champion', 1)
    }
    const predicted: string[] = []
    const mustSurvive: string[] = []
    for (let k = 0; k < KILLS; k++) {
      const start = predicted.length
      const afterFlushes = 1 + Math.floor(Math.random() * 4)
      const extraLines = Math.floor(Math.random() * 6)
      let flushes = 0
      let countdown = -1
      const exit = await runKillChild({
        module: CHILD,
        run: 'runPayloadLogKillChild',
        env: { KILL_CHILD_DIR: dir, ...(metadata === undefined ? {} : { KILL_CHILD_METADATA: metadata }) },
        onLine: (line, kill) => {
          if (line.startsWith('predicted ')) predicted.push(line.slice('predicted '.length))
          else if (line.startsWith('flushed ')) {
            // the run's first n predictions are written
            const n = start + Number(line.slice('flushed '.length))
            for (const id of predicted.slice(start, n)) if (!mustSurvive.includes(id)) mustSurvive.push(id)
            if (++flushes === afterFlushes) countdown = extraLines
          }
          if (countdown === 0) kill()
          if (countdown >= 0) countdown--
        },
      })
      expect(exit.killed).toBe(true)
    }

    await using strata = await openStrata({ cwd: dir, config })
    const payloads = await strata.payloads()
    const logged = []
    for await (const r of payloads.scan({ endpoint: 'linear', limit: 500 })) logged.push(r)
    const ids = logged.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    // every prediction flushed before its kill survived; nothing was logged that was not predicted
    const known = new Set(predicted)
    for (const id of ids) expect(known.has(id)).toBe(true)
    const have = new Set(ids)
    expect(mustSurvive.length).toBeGreaterThanOrEqual(KILLS * 5)
    expect(mustSurvive.filter((id) => !have.has(id))).toEqual([])
    for (const r of logged) {
      const x = (r.inputs.features as { data: number[] }).data
      expect(r.outputs).toEqual({
        prediction: { datatype: 'FP32', shape: [1, 1], data: [linearPrediction(x)] },
      })
    }
    // each write batch is in the lineage graph, from the model version
    const graph = await payloads.lineage(ids[ids.length - 1] ?? '')
    expect(graph.nodes.map((n) => n.id)).toContain('model-version:linear/1')

    const server = await strata.serving()
    await server.deploy('linear@champion')
    const next = await server.infer('linear', undefined, {
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 3], values: Float32Array.from([1, 1, 1]) }],
    })
    await server.flushPayloadLog()
    expect((await payloads.get(next.predictionId)).status).toBe('ok')
  }, 180_000)
}

describe('payload log crash safety [sqlite]', { timeout: 180_000 }, () => {
  killSuite('sqlite', async () => undefined)
})

describeWithService('postgres', 'payload log crash safety [postgres]', (url) => {
  const freshSchema = freshSchemaUrls(url, 't')
  killSuite('postgres', freshSchema)
})
