import type { Kysely } from 'kysely'
import { type FilterClause, type MetadataDialect, parseSearch, searchPage } from '../db/index.js'
import type { RegistryTables } from './registry-migrations.js'
import { loadModels, loadVersions } from './registry-rows.js'
import { MODEL_VERSION_SEARCH_SCHEMA, REGISTERED_MODEL_SEARCH_SCHEMA } from './registry-search-schemas.js'
import type { ModelVersion, RegisteredModel, RegistryPage } from './registry-types.js'
import { withDbErrors } from './version-registration.js'

/** A search over models or versions: MLflow filter text (or clauses parsed from it), order, paging. */
export interface RegistrySearch {
  /** e.g. `name LIKE 'fraud%' AND tags.team = 'risk'`; clauses from `parseFilterFor` are accepted too. */
  filter?: string | readonly FilterClause[]
  /** MLflow `order_by` entries such as `name ASC` or `version_number DESC`. */
  orderBy?: readonly string[]
  /** Page size (default 100 for models, 1000 for versions; at most 10 000). */
  maxResults?: number
  pageToken?: string
}

/** Registered models matching a search ({@link REGISTERED_MODEL_SEARCH_SCHEMA}). */
export async function searchModels(
  db: Kysely<RegistryTables>,
  dialect: MetadataDialect,
  request: RegistrySearch,
): Promise<RegistryPage<RegisteredModel>> {
  const search = parseSearch(REGISTERED_MODEL_SEARCH_SCHEMA, request)
  const page = await withDbErrors('registered models', () =>
    searchPage(dialect, search, db.selectFrom('registry_models as m').selectAll('m')),
  )
  return { items: await loadModels(db, page.items), nextPageToken: page.nextPageToken ?? null }
}

/** Model versions matching a search ({@link MODEL_VERSION_SEARCH_SCHEMA}). */
export async function searchVersions(
  db: Kysely<RegistryTables>,
  dialect: MetadataDialect,
  request: RegistrySearch,
): Promise<RegistryPage<ModelVersion>> {
  const search = parseSearch(MODEL_VERSION_SEARCH_SCHEMA, request)
  const page = await withDbErrors('model versions', () =>
    searchPage(dialect, search, db.selectFrom('registry_versions as v').selectAll('v')),
  )
  return { items: await loadVersions(db, page.items), nextPageToken: page.nextPageToken ?? null }
}
