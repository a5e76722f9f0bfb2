/** Online stores: SQLite for one machine, Redis for shared deployments. */
export { RedisOnlineStore, type RedisOnlineStoreConfig } from './redis-online-store.js'
export { SqliteOnlineStore, type SqliteOnlineStoreConfig } from './sqlite-online-store.js'
