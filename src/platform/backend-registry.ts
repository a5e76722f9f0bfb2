import { type BackendUri, parseBackendUri, redactUri, uriLocalPath } from '../core/backend-uri.js'
import type { BackendSetting } from '../core/config.js'
import { StrataError } from '../core/errors.js'
import { type MetadataDatabase, openMetadataDatabase } from '../db/index.js'
import type { BlobStore, OnlineStore, TableEngine } from '../ports/index.js'

/** Opens one kind of backend from a URI whose scheme it handles. Imports its driver lazily. */
type Opener<T> = (uri: BackendUri, root: string) => Promise<T>

const metadataOpeners: Record<string, Opener<MetadataDatabase>> = {
  sqlite: (uri, root) =>
    openMetadataDatabase({ dialect: 'sqlite', location: uriLocalPath(uri, root), url: uri.raw }),
  postgres: (uri) =>
    openMetadataDatabase({ dialect: 'postgres', location: uri.raw, url: redactUri(uri.raw) }),
  postgresql: (uri) =>
    openMetadataDatabase({ dialect: 'postgres', location: uri.raw, url: redactUri(uri.raw) }),
}

const blobOpeners: Record<string, Opener<BlobStore>> = {
  file: async (uri, root) => {
    const { FsBlobStore } = await import('../backends/blob/fs-blob-store.js')
    return new FsBlobStore({ root: uriLocalPath(uri, root) })
  },
  s3: async (uri) => {
    const { S3BlobStore, parseS3Url } = await import('../backends/blob/index.js')
    return new S3BlobStore(parseS3Url(uri.raw))
  },
  memory: async () => {
    const { MemoryBlobStore } = await import('../backends/memory/index.js')
    return new MemoryBlobStore()
  },
}

const onlineOpeners: Record<string, Opener<OnlineStore>> = {
  sqlite: async (uri, root) => {
    const { SqliteOnlineStore } = await import('../backends/online/sqlite-online-store.js')
    return new SqliteOnlineStore({ path: uriLocalPath(uri, root) })
  },
  redis: async (uri) => {
    const { RedisOnlineStore } = await import('../backends/online/redis-online-store.js')
    return new RedisOnlineStore({ url: uri.raw })
  },
  rediss: async (uri) => {
    const { RedisOnlineStore } = await import('../backends/online/redis-online-store.js')
    return new RedisOnlineStore({ url: uri.raw })
  },
  memory: async () => {
    const { MemoryOnlineStore } = await import('../backends/memory/index.js')
    return new MemoryOnlineStore()
  },
}

const offlineOpeners: Record<string, Opener<TableEngine>> = {
  duckdb: async (uri, root) => {
    const { DuckDbTableEngine } = await import('../backends/table/duckdb-table-engine.js')
    const path = uriLocalPath(uri, root)
    return DuckDbTableEngine.open(path === ':memory:' ? {} : { path })
  },
}

const OPENERS = {
  metadata: metadataOpeners,
  blobs: blobOpeners,
  online: onlineOpeners,
  offline: offlineOpeners,
} as const

/** The backend type each setting opens. */
export interface BackendTypes {
  metadata: MetadataDatabase
  blobs: BlobStore
  online: OnlineStore
  offline: TableEngine
}

/** URI schemes each setting accepts, for messages and docs. */
export function supportedSchemes(setting: BackendSetting): string[] {
  return Object.keys(OPENERS[setting])
}

/**
 * Opens the backend a setting's URI selects. This is the only place that names concrete
 * backends. An unknown scheme fails with `INVALID_ARGUMENT` naming the setting, the value
 * and the schemes that would be valid.
 */
export async function openBackend<S extends BackendSetting>(
  setting: S,
  value: string,
  root: string,
): Promise<BackendTypes[S]> {
  const uri = parseBackendUri(setting, value)
  const openers = OPENERS[setting] as Record<string, Opener<BackendTypes[S]>>
  const open = openers[uri.scheme]
  if (open === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `${setting} = "${redactUri(value)}" uses the unknown scheme "${uri.scheme}:"; valid schemes are ${supportedSchemes(
        setting,
      )
        .map((s) => `"${s}:"`)
        .join(', ')}`,
    )
  }
  return open(uri, root)
}
