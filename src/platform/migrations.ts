import { accessMigrations } from '../access/index.js'
import { lineageMigrations } from '../data/lineage/index.js'
import { dataMigrations } from '../data/repo/index.js'
import type { Migration } from '../db/index.js'
import { featuresMigrations } from '../features/index.js'
import { monitoringMigrations } from '../monitoring/index.js'
import { pipelineMigrations } from '../pipelines/index.js'
import { registryMigrations } from '../registry/index.js'
import { deliveryMigrations, servingMigrations } from '../serving/index.js'
import { trackingMigrations } from '../tracking/index.js'

/**
 * Every domain's metadata migrations. Each domain owns its list (ids prefixed by the domain);
 * the platform only concatenates them.
 */
export const ALL_MIGRATIONS: readonly Migration[] = [
  ...lineageMigrations,
  ...dataMigrations,
  ...trackingMigrations,
  ...registryMigrations,
  ...featuresMigrations,
  ...accessMigrations,
  ...pipelineMigrations,
  ...deliveryMigrations,
  ...servingMigrations,
  ...monitoringMigrations,
]
