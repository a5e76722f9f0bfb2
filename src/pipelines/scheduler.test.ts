import { describe, expect, it } from 'vitest'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import { strataThrow } from '../../test/support/strata-error.js'
import { describeMetadata } from '../testing/metadata-fixture.js'
import { parseCron } from './cron.js'
import { pipeline } from './pipeline.js'
import { PipelineScheduler } from './scheduler.js'
import { datasetInput, step } from './step.js'
import { onCommit, onCron } from './triggers.js'

const feat = () =>
  pipeline({
    name: 'feat',
    steps: [
      step({ name: 'read', inputs: { f: datasetInput('flights@main') }, run: (_c, { f }) => f.commit }),
    ],
    triggers: [onCommit('flights@main'), onCron('*/5 * * * *')],
  })

describe('parseCron', () => {
  it('finds the latest scheduled minute (UTC), with either day field matching when both are set', () => {
    const wednesdayNoon = Date.parse('2026-01-07T12:00:00Z')
    expect(new Date(parseCron('0 3 * * 1').latestAtOrBefore(wednesdayNoon) as number).toISOString()).toBe(
      '2026-01-05T03:00:00.000Z',
    )
    expect(
      new Date(
        parseCron('*/15 * * * *').latestAtOrBefore(Date.parse('2026-01-07T12:44:59Z')) as number,
      ).toISOString(),
    ).toBe('2026-01-07T12:30:00.000Z')
    expect(new Date(parseCron('0 0 1 * 3').latestAtOrBefore(wednesdayNoon) as number).toISOString()).toBe(
      '2026-01-07T00:00:00.000Z',
    )
  })

  it('rejects a bad expression naming the field and what is valid', () => {
    expect(strataThrow(() => parseCron('61 * * * *')).message).toBe(
      'cron "61 * * * *": minute field "61" is invalid; use *, n, a-b, */step or lists of them, with values 0-59',
    )
    expect(strataThrow(() => parseCron('* * * *')).message).toContain('has 4 fields; expected 5')
    expect(strataThrow(() => onCron('* * * 13 *')).message).toContain('month field "13"')
  })
})

describeMetadata('PipelineScheduler', (openFresh) => {
  it('fires each commit and each cron minute once, however many schedulers tick at once', async () => {
    const md = await openFresh()
    const commits = { 'flights@main': 'c1' }
    const clock = { t: Date.parse('2026-01-01T00:05:30Z') }
    const a = await openTestPipelineEngine(md, [feat()], { commits })
    const b = await openTestPipelineEngine(md, [feat()], { commits })
    const schedulers = [a, b, a, b].map((x) => new PipelineScheduler(x.engine, { now: () => clock.t }))
    const tickAll = async () => (await Promise.all(schedulers.map((s) => s.tick()))).flatMap((r) => r.fired)

    const first = await tickAll()
    expect(first.map((f) => [f.trigger, f.fireKey]).sort()).toEqual([
      ['commit:flights@main', 'c1'],
      ['cron:*/5 * * * *', '2026-01-01T00:05:00.000Z'],
    ])
    expect(await tickAll()).toEqual([])

    commits['flights@main'] = 'c2'
    const second = await tickAll()
    expect(second.map((f) => f.fireKey)).toEqual(['c2'])
    expect(second[0]?.run.tags).toEqual({ trigger: 'commit:flights@main', 'trigger.commit': 'c2' })
    const driven = await a.engine.drive(second[0]?.run.runId as string)
    expect(driven.outputs.read).toBe('c2')

    clock.t = Date.parse('2026-01-01T00:10:10Z')
    expect((await tickAll()).map((f) => f.fireKey)).toEqual(['2026-01-01T00:10:00.000Z'])
    // A minute older than the grace is skipped (the scheduler was down), not fired late.
    clock.t = Date.parse('2026-01-01T00:18:00Z')
    expect(await tickAll()).toEqual([])

    expect(await a.engine.runs()).toHaveLength(4)
    expect(await b.engine.lastFire('feat', 'commit:flights@main')).toMatchObject({ fireKey: 'c2' })
    const searched = await a.engine.search({ filter: "tags.trigger = 'commit:flights@main'" })
    expect(searched.items).toHaveLength(2)
  })

  it('reports a trigger it cannot check and goes on with the others', async () => {
    const { engine } = await openTestPipelineEngine(await openFresh(), [feat()], { commits: {} })
    const scheduler = new PipelineScheduler(engine, { now: () => Date.parse('2026-01-01T00:00:10Z') })
    const { fired, problems } = await scheduler.tick()
    expect(fired.map((f) => f.trigger)).toEqual([])
    expect(problems).toEqual([
      { pipeline: 'feat', trigger: 'commit:flights@main', error: 'dataset ref flights@main does not exist' },
      // the cron run needs the dataset input too: planned runs resolve every ref
      { pipeline: 'feat', trigger: 'cron:*/5 * * * *', error: 'dataset ref flights@main does not exist' },
    ])
  })
})
