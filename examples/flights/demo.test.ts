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
  it('runs the whole first half of the loop on Q1 2001 and leaves a champion with lineage to the raw commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-demo-'))
    try {
      const project = join(dir, 'project')
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'jiti/register', 'examples/flights/demo.ts', project],
        { cwd: repo, maxBuffer: 64 * 1024 * 1024 },
      )
      expect(stdout).toMatch(/\[10\/10\] Lineage of flight-delay@champion/)
      expect(stdout).toMatch(/✓ reaches dataset-commit:[0-9a-f]{12}/)

      await using strata = await openStrata({ cwd: project, env: {} })
      const registry = await strata.registry()
      const champion = await registry.getVersionByAlias('flight-delay', 'champion')
      expect(champion.flavor).toBe('onnx')
      expect(champion.signature?.inputs[0]).toMatchObject({ type: 'float32', shape: ['N', 11] })
      expect(champion.metrics.auc).toBeGreaterThan(0.6)

      const tracking = await strata.tracking()
      const run = await tracking.runs.get(champion.runId as string)
      expect(run.info.status).toBe('FINISHED')
      expect(Object.keys(run.data.params)).toContain('learningRate')
      const history = await tracking.runs.metricHistory(run.info.runId, 'validation_loss')
      expect(history.items.length).toBeGreaterThan(10)

      const raw = (await (await strata.data()).log('flights'))[0]
      const upstream = await (await strata.lineage()).upstream(
        `model-version:flight-delay/${champion.version}`,
      )
      expect(upstream.nodes.map((n) => n.id)).toContain(`dataset-commit:${raw?.id}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)
})
