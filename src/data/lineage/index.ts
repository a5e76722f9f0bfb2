export { formatLineageDot, formatLineageTree } from './lineage-format.js'
export { LineageGraphStore, parseNodeId } from './lineage-graph.js'
export { type LineageTables, lineageMigrations } from './lineage-migrations.js'
export * from './lineage-types.js'
