import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe } from 'vitest'
import { FsBlobStore, parseS3Url, S3BlobStore } from '../../src/backends/blob/index.js'
import { MemoryBlobStore } from '../../src/backends/memory/index.js'
import { DuckDbTableEngine } from '../../src/backends/table/index.js'
import { systemClock } from '../../src/core/clock.js'
import { silentTracing } from '../../src/core/tracing.js'
import {
  DataRepository,
  type DataRepositoryConfig,
  dataMigrations,
  LineageGraphStore,
  lineageMigrations,
} from '../../src/data/index.js'
import { type MetadataDatabase, openMetadataDatabase, runMigrations } from '../../src/db/index.js'
import type { BlobStore, TableEngine } from '../../src/ports/index.js'
import { withSearchPath } from '../../src/testing/metadata-fixture.js'
import { describeWithService, testServiceUrl } from '../../src/testing/services.js'

/** A repository over fresh backends, with the parts tests poke at. */
export interface TestRepo {
  repo: DataRepository
  metadata: MetadataDatabase
  blobs: BlobStore
  engine: TableEngine
  lineage: LineageGraphStore
  cacheDir: string
  /** A second repository over the same backends (another "process"), optionally over other blobs. */
  another(config?: TestRepoConfig): DataRepository
  /** A temp directory removed after the suite. */
  tempDir(): string
}

/** Repository config of a test, and optionally the blob store of its service context. */
export type TestRepoConfig = Partial<DataRepositoryConfig> & { blobs?: BlobStore }

/** Opens a fresh test repository, optionally with extra config. */
export type OpenTestRepo = (config?: TestRepoConfig) => Promise<TestRepo>

/** The backend pairs a suite runs on: sqlite+fs and sqlite+memory always; postgres+s3 when both services are configured. */
export const REPO_BACKENDS = ['sqlite+fs', 'sqlite+memory', 'postgres+s3'] as const

/**
 * Runs `body` once per backend pair; the pair's name is in every suite title. Postgres+S3 is
 * skipped (with the reason) when `STRATA_TEST_POSTGRES_URL` or `STRATA_TEST_S3_URL` is unset.
 */
export function describeDataRepo(
  title: string,
  body: (open: OpenTestRepo, backend: (typeof REPO_BACKENDS)[number]) => void,
  only: readonly (typeof REPO_BACKENDS)[number][] = REPO_BACKENDS,
): void {
  for (const backend of only) {
    const run = () => {
      const cleanups: (() => Promise<void> | void)[] = []
      afterAll(async () => {
        for (const c of cleanups.reverse()) await c()
      })
      const tempDir = () => {
        const d = mkdtempSync(join(tmpdir(), 'strata-data-'))
        cleanups.push(() => rmSync(d, { recursive: true, force: true }))
        return d
      }
      let engine: Promise<TableEngine> | undefined
      const open: OpenTestRepo = async (config = {}) => {
        engine ??= DuckDbTableEngine.open({ threads: 2 }).then((e) => {
          cleanups.push(() => e.close())
          return e
        })
        const metadata = await openMetadata(backend, tempDir, cleanups)
        await runMigrations(metadata, [...lineageMigrations, ...dataMigrations])
        const blobs = openBlobs(backend, tempDir)
        const lineage = new LineageGraphStore(metadata, systemClock)
        const cacheDir = join(tempDir(), 'cache')
        const base = { metadata, blobs, engine: await engine, lineage, cacheDir }
        const make = (extra: TestRepoConfig = {}) => {
          const { blobs: own, ...repoConfig } = { ...config, ...extra }
          // Built by hand so a second repository can share this lineage graph over other blobs.
          const context = {
            metadata,
            blobs: own ?? blobs,
            lineage,
            principal: { id: 'tester' },
            clock: systemClock,
            tracing: silentTracing,
          }
          return new DataRepository(context, { engine: base.engine, cacheDir, ...repoConfig })
        }
        return { ...base, repo: make(), another: make, tempDir }
      }
      body(open, backend)
    }
    if (backend === 'postgres+s3') {
      // Both services: each wrapper skips locally (and fails under CI) when its URL is unset.
      describeWithService('postgres', `${title} [${backend}]`, () => {
        describeWithService('s3', 'with S3 blobs', () => run())
      })
    } else describe(`${title} [${backend}]`, run)
  }
}

async function openMetadata(
  backend: string,
  tempDir: () => string,
  cleanups: (() => Promise<void> | void)[],
): Promise<MetadataDatabase> {
  if (!backend.startsWith('postgres')) {
    const md = await openMetadataDatabase({
      dialect: 'sqlite',
      location: join(tempDir(), 'meta.db'),
      url: 'sqlite:test',
    })
    cleanups.push(() => md.close())
    return md
  }
  const url = testServiceUrl('postgres') as string
  const schema = `d_${randomBytes(6).toString('hex')}`
  const admin = await openMetadataDatabase({ dialect: 'postgres', location: url, url: 'postgres:test' })
  const { sql } = await import('kysely')
  await sql.raw(`create schema "${schema}"`).execute(admin.db)
  await admin.close()
  const md = await openMetadataDatabase({
    dialect: 'postgres',
    location: withSearchPath(url, schema),
    url: 'postgres:test',
    poolSize: 6,
  })
  cleanups.push(async () => {
    await md.close()
    const drop = await openMetadataDatabase({ dialect: 'postgres', location: url, url: 'postgres:test' })
    await sql.raw(`drop schema if exists "${schema}" cascade`).execute(drop.db)
    await drop.close()
  })
  return md
}

const runId = `data-${Date.now()}-${randomUUID().slice(0, 8)}`
let s3Count = 0

function openBlobs(backend: string, tempDir: () => string): BlobStore {
  if (backend === 'sqlite+memory') return new MemoryBlobStore()
  if (backend === 'sqlite+fs') return new FsBlobStore({ root: join(tempDir(), 'blobs') })
  const location = parseS3Url(testServiceUrl('s3') as string)
  return new S3BlobStore({ ...location, prefix: `${location.prefix ?? 'tests'}/${runId}/${++s3Count}` })
}
