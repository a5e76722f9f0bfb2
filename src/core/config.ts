import { z } from 'zod'
import { StrataError } from './errors.js'

/** Default backend URIs: everything embedded under `.strata/` in the project root. */
export const DEFAULT_BACKENDS = {
  metadata: 'sqlite:.strata/meta.db',
  blobs: 'file:.strata/blobs',
  online: 'sqlite:.strata/online.db',
  offline: 'duckdb:',
} as const

/** Which backend a setting selects. */
export type BackendSetting = keyof typeof DEFAULT_BACKENDS

/** Environment variables that override each backend setting. */
export const BACKEND_ENV: Record<BackendSetting, string> = {
  metadata: 'STRATA_METADATA_URL',
  blobs: 'STRATA_BLOBS_URL',
  online: 'STRATA_ONLINE_URL',
  offline: 'STRATA_OFFLINE_URL',
}

const uri = z.string().min(1, 'must be a non-empty URI')

/** The schema of `strata.config.ts`. */
export const strataConfigSchema = z
  .object({
    /** A name for the project, shown by the CLI and UI. */
    project: z.string().min(1).optional(),
    /** Metadata database: `sqlite:<path>` or `postgres://…`. */
    metadata: uri.optional(),
    /** Blob storage: `file:<dir>`, `s3://bucket/prefix?endpoint=…` or `memory:`. */
    blobs: uri.optional(),
    /** Online feature store: `sqlite:<path>`, `redis://…` or `memory:`. */
    online: uri.optional(),
    /** Offline table engine: `duckdb:` (in-memory) or `duckdb:<path>`. */
    offline: uri.optional(),
    /** Feature definitions module, relative to the project root (for `strata features plan` / `strata apply`). */
    features: z.string().min(1).optional(),
    /** Pipeline definitions module, relative to the project root (for `strata pipelines …` and `strata worker`). */
    pipelines: z.string().min(1).optional(),
    /** Monitors module, relative to the project root (for `strata apply` and `strata monitor …`). */
    monitors: z.string().min(1).optional(),
    /** Inference graphs module, relative to the project root (`strata server` serves every graph it exports). */
    graphs: z.string().min(1).optional(),
    /** Where pipeline steps run: `local` (in the coordinating process) or `bullmq+redis://host:port/db?queue=name`. */
    executor: uri.optional(),
    /**
     * Worker threads for TypeScript pipeline steps (default: one per CPU, at least 2); `0` runs
     * them on the engine's thread (no isolation). `STRATA_STEP_THREADS` overrides it.
     */
    stepThreads: z.number().int().min(0).optional(),
    /** The prediction payload log of the model server (`strata server`): its queue and what it keeps. */
    payloadLog: z
      .object({
        /** Log predictions at all (default true). */
        enabled: z.boolean().optional(),
        /** Most predictions waiting to be written; beyond it they are dropped and counted (default 10000). */
        maxQueue: z.number().int().positive().optional(),
        /** Most predictions per write (default 100). */
        maxBatch: z.number().int().positive().optional(),
        /** Milliseconds between writes (default 1000). */
        flushIntervalMs: z.number().int().positive().optional(),
        /** Fraction of predictions logged, 0 to 1 (default 1). */
        sampleRate: z.number().min(0).max(1).optional(),
        /** Input, output and feature names stored as "[redacted]". */
        redact: z.array(z.string().min(1)).optional(),
        /** Days of predictions `strata predictions prune` keeps by default (no default: prune needs --older-than). */
        retainDays: z.number().positive().optional(),
        /** Dataset pruned predictions are archived to as Parquet segments (default "payload-log"; false: delete only). */
        archive: z.union([z.string().min(1), z.literal(false)]).optional(),
      })
      .strict()
      .optional(),
    /**
     * The Open Inference Protocol v2 over gRPC on `strata server` (off unless a port is set here
     * or with `--grpc-port`; bound to the server's `--host`).
     */
    grpc: z
      .object({
        /** Port to serve gRPC on (0 picks a free one). */
        port: z.number().int().min(0).max(65535).optional(),
        /** Largest message received or sent, in bytes (default 64 MiB). */
        maxMessageBytes: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()

/** The `grpc` settings of a config. */
export type GrpcConfig = NonNullable<z.output<typeof strataConfigSchema>['grpc']>

/** The `payloadLog` settings of a config. */
export type PayloadLogConfig = NonNullable<z.output<typeof strataConfigSchema>['payloadLog']>

/** What a project may write in `strata.config.ts`. */
export type StrataConfig = z.input<typeof strataConfigSchema>

/** A config with every backend resolved: defaults applied, env overrides applied. */
export interface ResolvedConfig {
  /** Absolute project root (the directory holding `strata.config.ts`, or the working directory). */
  root: string
  /** The config file that was loaded, if any. */
  configFile: string | undefined
  project: string
  metadata: string
  blobs: string
  online: string
  offline: string
  features: string | undefined
  pipelines: string | undefined
  monitors: string | undefined
  /** The inference graphs module (`inferenceGraph(...)` exports), served by `strata server`. */
  graphs: string | undefined
  /** The pipeline executor URI (`local` by default; `STRATA_EXECUTOR_URL` overrides it). */
  executor: string
  /** Worker threads for TypeScript steps (`undefined`: one per CPU; `0`: none, steps run on the engine's thread). */
  stepThreads: number | undefined
  /** The payload log settings as written in the config (defaults applied by the model server). */
  payloadLog: PayloadLogConfig
  /** The gRPC settings as written in the config (`{}`: gRPC off unless `--grpc-port`). */
  grpc: GrpcConfig
  /** Where each backend setting came from. */
  sources: Record<BackendSetting, 'default' | 'config' | 'env'>
}

/**
 * Declares a project's configuration with full type checking. Backend URIs select
 * implementations; environment variables (`STRATA_METADATA_URL`, …) override them.
 *
 * @example
 * // strata.config.ts
 * import { defineConfig } from 'strata-ml'
 * export default defineConfig({ metadata: 'postgres://localhost/strata', blobs: 's3://ml/strata' })
 */
export function defineConfig(config: StrataConfig): StrataConfig {
  return config
}

/**
 * Validates a raw config object and resolves defaults and env overrides.
 * Unknown keys and wrong types fail with `INVALID_ARGUMENT` naming the key.
 */
export function resolveConfig(
  raw: unknown,
  options: { root: string; configFile?: string; env?: Record<string, string | undefined> },
): ResolvedConfig {
  const parsed = strataConfigSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : '(root)'
    const file = options.configFile ?? 'config'
    throw new StrataError(
      'INVALID_ARGUMENT',
      `invalid ${file}: "${where}" ${issue?.message ?? 'is invalid'}; valid keys are ${Object.keys(strataConfigSchema.shape).join(', ')}`,
    )
  }
  const config = parsed.data
  const env = options.env ?? process.env
  const sources = {} as Record<BackendSetting, 'default' | 'config' | 'env'>
  const pick = (setting: BackendSetting): string => {
    const fromEnv = env[BACKEND_ENV[setting]]
    if (fromEnv !== undefined && fromEnv !== '') {
      sources[setting] = 'env'
      return fromEnv
    }
    const fromConfig = config[setting]
    if (fromConfig !== undefined) {
      sources[setting] = 'config'
      return fromConfig
    }
    sources[setting] = 'default'
    return DEFAULT_BACKENDS[setting]
  }
  return {
    root: options.root,
    configFile: options.configFile,
    project: config.project ?? options.root.split(/[\\/]/).filter(Boolean).pop() ?? 'strata',
    metadata: pick('metadata'),
    blobs: pick('blobs'),
    online: pick('online'),
    offline: pick('offline'),
    features: config.features,
    pipelines: config.pipelines,
    monitors: config.monitors,
    graphs: config.graphs,
    executor: nonEmpty(env.STRATA_EXECUTOR_URL) ?? config.executor ?? 'local',
    stepThreads: stepThreads(nonEmpty(env.STRATA_STEP_THREADS)) ?? config.stepThreads,
    payloadLog: config.payloadLog ?? {},
    grpc: config.grpc ?? {},
    sources,
  }
}

function stepThreads(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `STRATA_STEP_THREADS "${value}" is invalid; give a whole number of threads (0: steps run on the engine's thread)`,
    )
  }
  return n
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
