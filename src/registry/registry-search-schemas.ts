import type { SearchSchema } from '../db/index.js'

const pageSize = (defaultSize: number) => ({ default: defaultSize, max: 10_000 })
const created = { column: 'created_at', type: 'number' } as const
const updated = { column: 'updated_at', type: 'number' } as const

/**
 * Registered models (`registry_models as m`), as MLflow's `SearchModelUtils`: `name`, the
 * timestamps (MLflow's and Strata's names) and `tags.<key>`; by name unless ordered otherwise.
 */
export const REGISTERED_MODEL_SEARCH_SCHEMA: SearchSchema = {
  subject: 'registered models',
  alias: 'm',
  attributes: {
    name: { column: 'name', type: 'string' },
    creation_timestamp: created,
    created_at: created,
    last_updated_timestamp: updated,
    updated_at: updated,
  },
  tags: { table: 'registry_model_tags', link: { model: 'name' } },
  defaultOrder: ['name ASC'],
  pageSize: pageSize(100),
}

/**
 * Model versions (`registry_versions as v`), as MLflow's `SearchModelVersionUtils`: `name`,
 * `version_number`, `run_id`, `source_path`, `status`, Strata's `flavor`, the timestamps and
 * `tags.<key>`; by name, then newest version first, unless ordered otherwise.
 */
export const MODEL_VERSION_SEARCH_SCHEMA: SearchSchema = {
  subject: 'model versions',
  alias: 'v',
  attributes: {
    name: { column: 'model', type: 'string' },
    version_number: { column: 'version', type: 'number' },
    version: { column: 'version', type: 'number' },
    run_id: { column: 'run_id', type: 'string', nullable: true },
    source_path: { column: 'source', type: 'string' },
    source: { column: 'source', type: 'string' },
    flavor: { column: 'flavor', type: 'string' },
    status: { column: 'status', type: 'string' },
    creation_timestamp: created,
    created_at: created,
    last_updated_timestamp: updated,
    updated_at: updated,
  },
  tags: { table: 'registry_version_tags', link: { model: 'model', version: 'version' } },
  defaultOrder: ['name ASC', 'version_number DESC'],
  pageSize: pageSize(1000),
}
