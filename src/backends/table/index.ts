export { DuckDbTableEngine, type DuckDbTableEngineConfig } from './duckdb-table-engine.js'
