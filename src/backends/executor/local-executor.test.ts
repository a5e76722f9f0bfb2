import { describeExecutor } from '../../testing/executor.suite.js'
import { LocalExecutor } from './local-executor.js'

describeExecutor({
  name: 'local',
  create: async (handler) => {
    const executor = new LocalExecutor({ handler, concurrency: 4 })
    return { executor, close: () => executor.close() }
  },
})
