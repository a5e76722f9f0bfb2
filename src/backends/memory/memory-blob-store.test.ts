import { describeBlobStore } from '../../testing/blob-store.suite.js'
import { MemoryBlobStore } from './memory-blob-store.js'

describeBlobStore({ name: 'memory', create: () => new MemoryBlobStore() })
