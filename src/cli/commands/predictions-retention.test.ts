import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempProject } from '../../../test/support/temp-project.js'
import { payloadHolds } from '../../monitoring/index.js'
import { monitor } from '../../monitoring/monitors/monitor-definition.js'
import { openStrata } from '../../platform/index.js'
import {
  newPredictionId,
  type PredictionEntry,
  type PruneResult,
  prunePayloadLog,
} from '../../serving/index.js'

const DAY = 86_400_000

function entry(at: number, endpoint = 'delay'): PredictionEntry {
  return {
    id: newPredictionId(at),
    at,
    endpoint,
    modelName: 'delay-model',
    modelVersion: 1,
    deploymentRevision: null,
    requestId: null,
    entityKey: { origin: 'ORD' },
    inputs: { x1: 1, x2: 2, x3: 3 },
    outputs: { prediction: [14.5] },
    latencyMs: 1.5,
    status: 'ok',
    error: null,
    featureViews: null,
  }
}

describe('strata predictions export | prune', () => {
  it('archives old predictions as dataset commits, deletes them, exports live and archived rows with labels, and resumes a killed prune without duplicates', async () => {
    await using project = await tempProject('strata-predictions-retention-')
    expect((await project.cli('init', '--bare')).code).toBe(0)
    const now = Date.now()
    const old = Array.from({ length: 30 }, (_, i) =>
      entry(now - 40 * DAY + i * 1000, i % 2 === 0 ? 'delay' : 'other'),
    )
    const recent = Array.from({ length: 10 }, (_, i) => entry(now - DAY + i * 1000))
    {
      await using strata = await openStrata({ cwd: project.dir })
      const payloads = await strata.payloads()
      await payloads.write([...old, ...recent])
      await (await strata.monitoring()).ingestLabels([{ predictionId: old[0]?.id ?? '', label: 1 }])
    }

    const dry = await project.cli('predictions', 'prune', '--older-than', '30d', '--dry-run', '--json')
    expect(dry.code).toBe(0)
    expect(dry.json<PruneResult>()).toMatchObject({ eligible: 30, deleted: 0, archived: 0 })

    const noAge = await project.cli('predictions', 'prune')
    expect(noAge.code).not.toBe(0)
    expect(noAge.stderr).toContain('needs --older-than (e.g. 30d) or payloadLog.retainDays')

    const pruned = await project.cli(
      'predictions',
      'prune',
      '--older-than',
      '30d',
      '--segment-rows',
      '12',
      '--json',
    )
    expect(pruned.code).toBe(0)
    const p = pruned.json<PruneResult>()
    expect(p).toMatchObject({ eligible: 30, deleted: 30, archived: 30, archive: 'payload-log', heldBy: null })
    expect(p.commits).toHaveLength(3)
    {
      await using strata = await openStrata({ cwd: project.dir })
      expect(await (await strata.payloads()).count()).toBe(10)
      const repo = await strata.data()
      expect((await repo.log('payload-log')).length).toBe(3)
      expect((await repo.files('payload-log', 'main', { prefix: 'segments' })).length).toBe(3)
    }

    // export: live and archived rows, in time order, the label joined
    const all = await project.cli('predictions', 'export', '--output', 'all.parquet', '--json')
    expect(all.code).toBe(0)
    expect(all.json()).toMatchObject({ rows: 40, live: 10, archived: 30 })
    const onlyDelay = await project.cli(
      'predictions',
      'export',
      '--deployment',
      'delay',
      '--start',
      '45d',
      '--end',
      '20d',
      '--output',
      'delay.parquet',
      '--json',
    )
    expect(onlyDelay.json()).toMatchObject({ rows: 15, live: 0, archived: 15 })
    const toDataset = await project.cli(
      'predictions',
      'export',
      '--deployment',
      'delay',
      '--output',
      'exports@main',
      '--json',
    )
    expect(toDataset.code).toBe(0)
    expect(toDataset.json()).toMatchObject({ rows: 25 })
    {
      await using strata = await openStrata({ cwd: project.dir })
      const engine = await strata.offline()
      const rows = (await engine.query(`SELECT * FROM read_parquet('${join(project.dir, 'all.parquet')}')`))
        .rows
      expect(rows.map((r) => r.prediction_id)).toEqual([...old, ...recent].map((e) => e.id))
      expect(rows[0]).toMatchObject({
        deployment: 'delay',
        model_name: 'delay-model',
        label: '1',
        latency_ms: 1.5,
      })
      expect(JSON.parse(String(rows[0]?.inputs))).toEqual({ x1: 1, x2: 2, x3: 3 })
      expect(rows[0]?.time).toBeInstanceOf(Date)
      const file = await (await strata.data()).localFile('exports', 'main', 'predictions.parquet')
      expect((await engine.query(`SELECT count(*) AS n FROM read_parquet('${file}')`)).rows[0]?.n).toBe(25n)
    }

    // a monitor window holds what it reads; a run that dies after its archive commit resumes without archiving twice
    {
      await using strata = await openStrata({ cwd: project.dir })
      const payloads = await strata.payloads()
      const more = Array.from({ length: 8 }, (_, i) => entry(now - 10 * DAY + i * 1000))
      await payloads.write(more)
      const holds = payloadHolds(
        [
          monitor({
            name: 'daily',
            model: 'delay-model',
            window: { every: '1d', source: { kind: 'payload-log' } },
          }),
        ],
        now,
      )
      const held = await prunePayloadLog({
        store: payloads,
        engine: await strata.offline(),
        before: now,
        holds,
        dryRun: true,
      })
      expect(held.heldBy?.reason).toContain('monitor "daily"')
      expect(held.cutoff).toBeLessThanOrEqual(now - DAY)
      expect(held.eligible).toBe(8)
      const archive = { repo: await strata.data() }
      const crash = prunePayloadLog({
        store: payloads,
        engine: await strata.offline(),
        before: now - 5 * DAY,
        archive,
        segmentRows: 5,
        onStep: (s) => {
          if (s.kind === 'archived') throw new Error('killed after the archive commit')
        },
      })
      await expect(crash).rejects.toThrow('killed after the archive commit')
      expect(await payloads.count()).toBe(18)
      const resumed = await prunePayloadLog({
        store: payloads,
        engine: await strata.offline(),
        before: now - 5 * DAY,
        archive,
        segmentRows: 5,
      })
      expect(resumed).toMatchObject({ deleted: 8, archived: 3 })
      expect(await payloads.count()).toBe(10)
      const repo = await strata.data()
      const files = await repo.files('payload-log', 'main', { prefix: 'segments' })
      const paths = await Promise.all(files.map((f) => repo.localFile('payload-log', 'main', f.path)))
      const ids = (
        await (
          await strata.offline()
        ).query(`SELECT prediction_id FROM read_parquet([${paths.map((x) => `'${x}'`).join(', ')}])`)
      ).rows.map((r) => r.prediction_id)
      expect(ids).toHaveLength(38)
      expect(new Set(ids).size).toBe(38)
    }
  })
})
