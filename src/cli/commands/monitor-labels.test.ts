import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { tempProject } from '../../../test/support/temp-project.js'
import { type MonitorReport, monitor } from '../../monitoring/index.js'
import { openStrata } from '../../platform/index.js'
import { newPredictionId, type PredictionEntry } from '../../serving/index.js'

it('delayed labels ingested by prediction id join the payload log: a payload-log monitor scores them', async () => {
  await using project = await tempProject()
  expect((await project.cli('init', '--bare')).code).toBe(0)
  const ids = Array.from({ length: 40 }, (_, i) => newPredictionId(1000 + i))
  {
    await using strata = await openStrata({ cwd: project.dir })
    const registry = await strata.registry()
    await registry.registerVersion('delay', { source: 'file:/nowhere', flavor: 'external' })
    const monitoring = await strata.monitoring()
    await monitoring.references.compute('delay', 1, {
      kind: 'table',
      relation: '(SELECT range::DOUBLE AS fare FROM range(100))',
    })
    const entries: PredictionEntry[] = ids.map((id, i) => ({
      id,
      at: 1000 + i,
      endpoint: 'delay',
      modelName: 'delay',
      modelVersion: 1,
      deploymentRevision: null,
      requestId: null,
      entityKey: i >= 30 ? { flight: `F${i}` } : null,
      inputs: { fare: i },
      // the model's own output `label` (a predicted class, always 0 here) must not hide the truth
      outputs: {
        label: 0,
        probabilities: {
          datatype: 'FP32',
          shape: [1, 2],
          data: [i % 2 === 0 ? 0.1 : 0.9, i % 2 === 0 ? 0.9 : 0.1],
        },
      },
      latencyMs: 1,
      status: 'ok',
      error: null,
      featureViews: null,
    }))
    await (await strata.payloads()).write(entries)
    await monitoring.apply([
      monitor({
        name: 'live',
        model: 'delay',
        reference: 1,
        window: { every: '1h', source: { kind: 'payload-log', endpoint: 'delay' } },
        checks: {
          drift: false,
          quality: false,
          performance: {
            task: 'classification',
            prediction: 'probabilities[1]',
            label: '@label',
            min: { accuracy: 0.9 },
          },
        },
      }),
      monitor({
        name: 'late',
        model: 'delay',
        reference: 1,
        window: { every: '1h', source: { kind: 'payload-log', endpoint: 'delay' } },
        checks: {
          drift: false,
          quality: false,
          performance: {
            task: 'classification',
            prediction: 'probabilities[1]',
            label: '@label',
            labelDelay: '1h',
            min: { accuracy: 0.99 },
          },
        },
      }),
    ])
    // `label` on a payload-log window would be the model's output, not the truth: refused
    expect(() =>
      monitor({
        name: 'ambiguous',
        model: 'delay',
        window: { every: '1h', source: { kind: 'payload-log' } },
        checks: { performance: { task: 'classification', prediction: 'probabilities[1]', label: 'label' } },
      }),
    ).toThrow(/performance.label "label" is ambiguous on a payload-log window.*joined as "@label"/)
  }
  // Labels for the first 30 predictions; the model is right on all but the last two of them.
  const lines = ids
    .slice(0, 30)
    .map((id, i) => JSON.stringify({ prediction_id: id, label: i >= 28 ? i % 2 : i % 2 === 0 ? 1 : 0 }))
  await writeFile(join(project.dir, 'labels.jsonl'), `${lines.join('\n')}\n`)
  const ingested = await project.cli('monitor', 'labels', 'labels.jsonl', '--json')
  expect(ingested.code, ingested.stderr).toBe(0)
  expect(ingested.json()).toEqual({ ingested: 30 })

  await writeFile(join(project.dir, 'bad.jsonl'), `${JSON.stringify({ prediction_id: 'nope', label: 1 })}\n`)
  const bad = await project.cli('monitor', 'labels', 'bad.jsonl')
  expect(bad.code).toBe(1)
  expect(bad.stderr).toMatch(
    /1 label names a prediction that is not in the payload log, e.g. "nope"; nothing was ingested/,
  )

  // Five more by entity key + time (the latest prediction for the flight at or before ts).
  const csv = [
    'flight,ts,label',
    ...[30, 31, 32, 33, 34].map((i) => `F${i},${new Date(2000).toISOString()},${i % 2 === 0 ? 1 : 0}`),
  ]
  await writeFile(join(project.dir, 'outcomes.csv'), `${csv.join('\n')}\n`)
  const byEntity = await project.cli(
    'monitor',
    'labels',
    'outcomes.csv',
    '--entity',
    'flight',
    '--time',
    'ts',
    '--json',
  )
  expect(byEntity.code, byEntity.stderr).toBe(0)
  expect(byEntity.json()).toEqual({ ingested: 5 })
  await writeFile(join(project.dir, 'late.csv'), `flight,ts,label\nF35,${new Date(1000).toISOString()},1\n`)
  const early = await project.cli('monitor', 'labels', 'late.csv', '--entity', 'flight', '--time', 'ts')
  expect(early.code).toBe(1)
  expect(early.stderr).toMatch(
    /matches no prediction .* entity \{"flight":"F35"\} at 1970-01-01T00:00:01\.000Z/,
  )

  const run = await project.cli('monitor', 'run', 'live', '--window-end', '3600000', '--json')
  expect(run.code, run.stderr).toBe(0)
  const report = run.json<MonitorReport>()
  expect(report.result).toMatchObject({ rows: 40, status: 'ok' })
  expect(report.performance).toMatchObject({ labeled: 35, unlabeled: 5, violations: [] })
  expect(report.performance?.metrics.accuracy).toBeCloseTo(33 / 35, 12)

  expect(report.performance?.byVersion).toMatchObject({ '1': { labeled: 35, unlabeled: 5 } })

  // labelDelay 1h: the run of [1h, 2h) — no predictions of its own — scores [0, 1h) on its labels
  const late = await project.cli('monitor', 'run', 'late', '--window-end', '7200000', '--json')
  expect(late.code, late.stderr).toBe(0)
  const delayed = late.json<MonitorReport>()
  expect(delayed.result).toMatchObject({ rows: 0, status: 'alert', windowStart: 3_600_000 })
  expect(delayed.performance).toMatchObject({
    window: { start: 0, end: 3_600_000 },
    labeled: 35,
    violations: [expect.stringMatching(/^accuracy 0\.94\d+ < 0\.99$/)],
  })
})
