import { randomBytes } from 'node:crypto'
import { describeExecutor } from '../../testing/executor.suite.js'
import { describeWithService } from '../../testing/services.js'
import { BullMqExecutor, startBullMqWorker } from './bullmq-executor.js'

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
