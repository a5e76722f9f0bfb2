/**
 * The services behind `http-frameworks.bench.ts`: one Strata project (SQLite metadata, memory
 * blobs so an artifact transfer measures the HTTP layer, not the disk) whose feature store is the
 * online bench's store on a SQLite online store, seeded with one run for `runs/get` and one
 * artifact for downloads. Every server of the bench is built over the same services.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { FeatureStore } from '../src/features/index.js'
import { openStrata, type Strata } from '../src/platform/index.js'
import { openFeatureStoreForBench } from './feature-online.setup.js'

/** What a bench server serves, and where its seeded data is. */
export interface HttpBenchServices {
  /** The project; its `features()` is {@link HttpBenchServices.features}. */
  strata: Strata
  /** The online bench's feature store (10 float features of `driver_stats`). */
  features: FeatureStore
  /** A finished run with params, metrics and tags (the body of `runs/get`, ~1 KiB). */
  runId: string
  /** Artifact proxy path of the seeded download file. */
  downloadPath: string
  /** Artifact proxy path uploads are written to (replaced by every upload). */
  uploadPath: string
  close(): Promise<void>
}

/** Options of {@link openHttpBenchServices}. */
export interface HttpBenchSetup {
  /** Where the online bench's data lives (`features.parquet`, the materialized online DB). */
  dataDir: string
  /** `sqlite:<path>` of the materialized online store. */
  onlineUrl: string
  /** Namespace prefix the online store was materialized under. */
  prefix: string
  /** A fresh directory for this server's project. */
  projectDir: string
  /** Size of the seeded download artifact in bytes. */
  artifactBytes: number
}

/** Opens the project and the feature store and seeds the run and the download artifact. */
export async function openHttpBenchServices(setup: HttpBenchSetup): Promise<HttpBenchServices> {
  mkdirSync(setup.projectDir, { recursive: true })
  const bench = await openFeatureStoreForBench(
    setup.dataDir,
    setup.onlineUrl,
    setup.prefix,
    join(setup.projectDir, 'features-meta.db'),
  )
  const opened = await openStrata({ cwd: setup.projectDir, config: { blobs: 'memory:' }, env: {} })
  const strata: Strata = { ...opened, features: async () => bench.store }
  const tracking = await strata.tracking()
  const run = await tracking.startRun({ experiment: 'http-bench', name: 'bench-run', userId: 'bench' })
  await run.logParams({ learning_rate: 0.05, depth: 6, estimators: 400, loss: 'logloss', seed: 7 })
  await run.logMetrics({ auc: 0.912, logloss: 0.311, accuracy: 0.874, precision: 0.81, recall: 0.77 })
  await run.setTags({ team: 'ranking', dataset: 'flights@main' })
  await run.end()
  const base = `${run.experimentId}/${run.runId}/artifacts`
  const downloadPath = `${base}/download.bin`
  await tracking.artifacts.put(downloadPath, randomBytes(setup.artifactBytes))
  return {
    strata,
    features: bench.store,
    runId: run.runId,
    downloadPath,
    uploadPath: `${base}/upload.bin`,
    close: async () => {
      await opened.close()
      await bench.online.close()
      await bench.engine.close()
      await bench.metadata.close()
    },
  }
}
