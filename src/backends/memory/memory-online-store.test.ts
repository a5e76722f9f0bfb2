import { describeOnlineStore } from '../../testing/online-store.suite.js'
import { MemoryOnlineStore } from './memory-online-store.js'

describeOnlineStore({
  name: 'memory',
  create: () => new MemoryOnlineStore(),
  createWithClock: (now) => new MemoryOnlineStore({ now }),
})
