import { describeTableEngine } from '../../testing/table-engine.suite.js'
import { DuckDbTableEngine } from './duckdb-table-engine.js'

describeTableEngine({
  name: 'duckdb',
  create: () => DuckDbTableEngine.open({ threads: 2, memoryLimit: '1GB' }),
})
