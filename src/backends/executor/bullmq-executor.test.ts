import { randomBytes } from 'node:crypto'
import { expect, it } from 'vitest'
import { describeExecutor } from '../../testing/executor.suite.js'
import { describeWithService } from '../../testing/services.js'
import { BullMqExecutor, parseBullMqUri, startBullMqWorker } from './bullmq-executor.js'

describeWithService('redis', 'BullMqExecutor', (redisUrl) => {
  describeExecutor({
    name: 'bullmq',
    create: async (handler) => {
      // A queue per case, so no case's worker takes another's jobs.
      const queue = `suite-${randomBytes(4).toString('hex')}`
      const worker = await startBullMqWorker({ redisUrl, queue, handler, concurrency: 4 })
      const executor = new BullMqExecutor({ redisUrl, queue })
      return {
        executor,
        close: async () => {
          await executor.close()
          await worker.close()
        },
      }
    },
  })
})

it('parses the bounds of a BullMQ executor URI and names a bad one', () => {
  expect(parseBullMqUri('bullmq+redis://h:6379/2?queue=q&check-seconds=0.5&unavailable-seconds=30')).toEqual({
    redisUrl: 'redis://h:6379/2',
    queue: 'q',
    prefix: 'strata',
    checkIntervalMs: 500,
    unavailableAfterMs: 30_000,
  })
  expect(() => parseBullMqUri('bullmq+redis://h:6379/0?unavailable-seconds=soon')).toThrow(
    'unavailable-seconds=soon is not a positive number of seconds',
  )
})
