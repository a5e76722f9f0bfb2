import { expect, it } from 'vitest'
import { openTestPipelineEngine } from '../../test/support/pipeline-engine.js'
import { strataThrow } from '../../test/support/strata-error.js'
import { openMetadataDatabase } from '../db/index.js'
import { pipeline } from './pipeline.js'
import { step } from './step.js'

it('runs at most `concurrency` attempts of a step at once across runs', async () => {
  let inFlight = 0
  let most = 0
  const gpu = step({
    name: 'gpu',
    concurrency: 1,
    cache: false,
    run: async () => {
      most = Math.max(most, ++inFlight)
      await new Promise((resolve) => setTimeout(resolve, 30))
      inFlight--
      return 'done'
    },
  })
  const metadata = await openMetadataDatabase({
    dialect: 'sqlite',
    location: ':memory:',
    url: 'sqlite::memory:',
  })
  const { engine } = await openTestPipelineEngine(metadata, [pipeline({ name: 'p', steps: [gpu] })])
  const runs = await Promise.all([engine.run('p'), engine.run('p'), engine.run('p')])
  expect(runs.map((r) => r.outputs.gpu)).toEqual(['done', 'done', 'done'])
  expect(most).toBe(1)
  expect(strataThrow(() => step({ name: 'x', concurrency: 0, run: () => 1 }))).toMatchObject({
    code: 'INVALID_ARGUMENT',
    message: expect.stringContaining('concurrency 0'),
  })
})
