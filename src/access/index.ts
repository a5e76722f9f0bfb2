/**
 * Access control: API tokens with scopes, stored hashed in the metadata database. The server's
 * authentication hook (`src/api/`) verifies them; see docs/security.md.
 */
export { type AccessTables, accessMigrations } from './access-migrations.js'
export { grants, isScope, parseScopes, SCOPES, type Scope } from './scopes.js'
export { type CreateTokenInput, type TokenInfo, TokenStore, type TokenStoreContext } from './token-store.js'
