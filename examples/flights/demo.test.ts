import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { openStrata } from '../../src/platform/index.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('npm run demo (examples/flights/demo.ts)', () => {
  it('runs the FTI pipelines through the engine, hits the cache on a second look, and leaves a champion with lineage to the pipeline run and the raw commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-demo-'))
    try {
      const project = join(dir, 'project')
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'jiti/register', 'examples/flights/demo.ts', project],
        { cwd: repo, maxBuffer: 64 * 1024 * 1024 },
      )
      expect(stdout).toMatch(/training\.train +run +params changed since run/)
      expect(stdout).toMatch(/features\.views +cached/)
      expect(stdout).toMatch(/✓ reaches pipeline-run:\w+ and dataset-commit:[0-9a-f]{12}/)

      await using strata = await openStrata({ cwd: project, env: {} })
      const registry = await strata.registry()
      const champion = await registry.getVersionByAlias('flight-delay', 'champion')
      expect(champion.flavor).toBe('onnx')
      expect(champion.signature?.inputs[0]).toMatchObject({ type: 'float32', shape: ['N', 11] })
      expect(champion.metrics.auc).toBeGreaterThan(0.6)
      // the Python calibration step's output reached the registered metrics
      expect(champion.metrics.calibration_ece).toBeGreaterThanOrEqual(0)
      expect(champion.metrics.calibration_ece).toBeLessThan(0.2)

      const tracking = await strata.tracking()
      const run = await tracking.runs.get(champion.runId as string)
      expect(run.info.status).toBe('FINISHED')
      expect(Object.keys(run.data.params)).toContain('learningRate')
      expect(Object.keys(run.data.metrics)).toContain('test_auc')
      const history = await tracking.runs.metricHistory(run.info.runId, 'validation_loss')
      expect(history.items.length).toBeGreaterThan(10)

      // Both FTI pipelines ran on the engine; the second feature run reused every step.
      const engine = await strata.pipelines()
      const runs = await engine.runs({ limit: 100 })
      const features = runs.filter((r) => r.pipeline === 'features')
      expect(features.length).toBeGreaterThanOrEqual(2)
      // the training run that registered the champion (v1, or the challenger the loop promoted)
      const training = runs.find((r) => r.runId === champion.tags['pipeline.run'])
      expect(training?.pipeline).toBe('training')
      expect(training?.status).toBe('succeeded')

      const raw = (await (await strata.data()).log('flights')).at(-1)
      const upstream = await (await strata.lineage()).upstream(
        `model-version:flight-delay/${champion.version}`,
      )
      const ids = upstream.nodes.map((n) => n.id)
      expect(ids).toContain(`dataset-commit:${raw?.id}`)
      expect(ids).toContain(`pipeline-run:${training?.runId}`)

      // The second half: traffic replayed through the model server, weekly monitor windows,
      // and one prediction traced back to the raw data.
      expect(stdout).toMatch(/week to 2001-04-07: [\d,]+ predictions/)
      // The champion answers departures over HTTP through the JSON route, each with its id, and
      // one of those predictions is traced back to the raw data.
      const overHttp = [...stdout.matchAll(/p\(delay\) [\d.]+ from v\d+, prediction (\S+)/g)].map((m) => m[1])
      expect(overHttp).toHaveLength(3)
      expect(stdout).toContain(`Lineage of prediction ${overHttp[0]}, back to the raw data commit`)
      expect(stdout).toMatch(/answered p=[\d.]+ at 2001-06-30T\d\d:\d\d; reaches dataset-commit:[0-9a-f]{12}/)
      const serve = await strata.payloads()
      expect(await serve.count({ endpoint: 'flight-delay', status: 'ok' })).toBeGreaterThan(1000)
      const windows = await (await strata.monitoring()).history('delay-drift')
      expect(windows.length).toBeGreaterThan(0)
      if (windows.some((r) => r.status === 'alert')) {
        // an alert retrained through the pipeline and rolled the challenger out with guards
        const retrains = (await engine.runs({ pipeline: 'training', limit: 10 })).length
        expect(retrains).toBeGreaterThanOrEqual(2)
        const { decisions } = await (await strata.delivery()).history('flight-delay')
        expect(decisions.map((d) => d.action)).toContain('create')
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)
})
