export type { Comparator, EntityType, FilterClause, Identifier } from './filter-parser.js'
export { parseFilter } from './filter-parser.js'
export { decodePageToken, encodePageToken, toPage } from './page-token.js'
export { type ScopedQuery, searchPage } from './search-page.js'
export {
  type OrderByClause,
  type ParsedSearch,
  parseFilterFor,
  parseOrderByFor,
  parseSearch,
  resolvePageSize,
  type SearchRequest,
  valueType,
} from './search-parser.js'
export {
  type AttributeSpec,
  type KeyedValues,
  type MetricValues,
  type RelatedFields,
  type SearchSchema,
  searchableEntities,
} from './search-schema.js'
export { filterSql, type OrderTerm, orderTerms } from './search-sql.js'
export { byteOrder, compareSql, likeToGlob } from './sql-compare.js'
