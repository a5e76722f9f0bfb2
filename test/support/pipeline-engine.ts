import { LocalExecutor } from '../../src/backends/executor/index.js'
import { MemoryBlobStore } from '../../src/backends/memory/index.js'
import { StrataError } from '../../src/core/errors.js'
import type { ServiceContext } from '../../src/data/index.js'
import { lineageMigrations } from '../../src/data/lineage/index.js'
import { type MetadataDatabase, runMigrations } from '../../src/db/index.js'
import {
  catalogOf,
  createStepHandler,
  type Pipeline,
  type PipelineData,
  PipelineEngine,
  pipelineMigrations,
} from '../../src/pipelines/index.js'
import type { BlobStore, Executor } from '../../src/ports/index.js'
import { testServiceContext } from './service-context.js'

/** Options of {@link openTestPipelineEngine}. */
export interface TestPipelineEngineOptions {
  /** Default: a fresh in-memory blob store. */
  blobs?: BlobStore
  /** Default: a local executor running the pipelines' steps in this process. */
  executor?: Executor
  /** Dataset refs the engine resolves: `"<dataset>@<ref>"` → commit id. */
  commits?: Record<string, string>
  heartbeatMs?: number
  /**
   * A data repository (e.g. `describeDataRepo`'s): dataset refs resolve through it, and steps
   * mapped over datums read it and write their dataset outputs to it.
   */
  data?: PipelineData
  /** Steps of one run under way at once (engine default 8). */
  concurrency?: number
}

/**
 * A pipeline engine over a migrated metadata database, for tests: the test's own pipelines,
 * a local executor (unless given another) and a dataset resolver over fixed commit ids.
 */
export async function openTestPipelineEngine(
  metadata: MetadataDatabase,
  pipelines: readonly Pipeline[],
  options: TestPipelineEngineOptions = {},
): Promise<{ engine: PipelineEngine; ctx: ServiceContext; executor: Executor }> {
  await runMigrations(metadata, [...lineageMigrations, ...pipelineMigrations])
  const blobs = options.blobs ?? new MemoryBlobStore()
  const ctx = testServiceContext(metadata, { blobs })
  const catalog = catalogOf(pipelines)
  const executor =
    options.executor ?? new LocalExecutor({ handler: createStepHandler(catalog.get, { blobs }) })
  const commits = options.commits ?? {}
  const engine = new PipelineEngine(ctx, {
    catalog,
    executor,
    resolveDataset: async (dataset, ref) => {
      if (options.data !== undefined) return (await options.data.resolve(dataset, ref)).id
      const commit = commits[`${dataset}@${ref}`]
      if (commit === undefined)
        throw new StrataError('NOT_FOUND', `dataset ref ${dataset}@${ref} does not exist`)
      return commit
    },
    ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.data === undefined ? {} : { data: async () => options.data as PipelineData }),
  })
  return { engine, ctx, executor }
}
