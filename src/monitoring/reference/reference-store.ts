import { StrataError } from '../../core/errors.js'
import type { DataRepository, ServiceContext } from '../../data/index.js'
import { detectCompression, detectTableFormat, tableSource } from '../../data/index.js'
import type { TableEngine } from '../../ports/index.js'
import { type ModelRegistry, modelVersionNodeId } from '../../registry/index.js'
import type { ColumnSample } from '../drift/column-sample.js'
import { profileTable } from '../profile/profile-table.js'
import type { Binning, DatasetProfile } from '../profile/profile-types.js'
import { readFloat64 } from './reference-values.js'

/** The version tag that points a model version at its reference profile. */
export const REFERENCE_TAG = 'strata.monitoring.reference'

/** A reference profile as stored: the profile and where each numeric column's sorted values are. */
export interface StoredReference {
  model: string
  version: number
  /** Blob-store prefix of the reference (`monitoring/references/<model>/<version>`). */
  prefix: string
  /** Lineage node of the reference (`reference-profile:<model>/<version>`). */
  node: string
  profile: DatasetProfile
  /** Numeric column → blob key of its sorted finite values (little-endian float64). */
  values: Record<string, string>
  createdAt: number
}

/** What a reference is computed from. */
export type ReferenceSource =
  | { kind: 'dataset'; dataset: string; ref: string; path: string }
  | { kind: 'table'; relation: string; label?: string }

/** Options for {@link ReferenceProfiles.compute}. */
export interface ComputeReferenceOptions {
  /** Columns and kinds to profile (default: every column, numeric by SQL type). */
  columns?: Record<string, 'numeric' | 'categorical'>
  /** Bins of the fine histograms (default 1000). */
  bins?: number
}

/** Collects a blob into one buffer. */
async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts)
}

/** Numeric reference values kept in memory across monitor runs (256 MB: 32M values). */
export const SAMPLE_CACHE_BYTES = 256 * 1024 * 1024

/**
 * Reference profiles of model versions: computed once from a dataset commit (a training set is
 * one) or any table the engine reads, stored in the blob store next to the model's lineage, and
 * read back by every monitor run without rereading the rows. The profile holds the summaries;
 * each numeric column's sorted values are kept beside it (8 bytes a value), because the exact
 * statistics (KS, Wasserstein, PSI/JS over Sturges bins) need them — categorical tests run on the
 * stored frequencies alone.
 */
export class ReferenceProfiles {
  /**
   * Samples of recently used references, newest last, so a monitor's next window does not
   * re-read its reference (and the drift tests' per-reference indexes, cached with the arrays,
   * are built once). Keyed by prefix and creation time: a recomputed reference is a new entry.
   * Bounded by {@link SAMPLE_CACHE_BYTES} of numeric values.
   */
  private readonly sampleCache = new Map<string, { samples: Record<string, ColumnSample>; bytes: number }>()

  constructor(
    private readonly ctx: ServiceContext,
    private readonly deps: {
      registry: ModelRegistry
      engine: TableEngine
      data: () => Promise<DataRepository>
    },
  ) {}

  /**
   * Profiles `source` and stores it as the reference of `model` version `version` (replacing an
   * earlier one): the values first, the profile last, then the version tag and lineage
   * (`dataset-commit` and `model-version` → `reference-profile`).
   *
   * @example
   * await references.compute('flight-delay', 3, { kind: 'dataset', dataset: 'flights-train', ref: 'main', path: 'train.parquet' })
   */
  async compute(
    model: string,
    version: number,
    source: ReferenceSource,
    options: ComputeReferenceOptions = {},
  ): Promise<StoredReference> {
    await this.deps.registry.getVersion(model, version)
    const { relation, inputs, label } = await this.relationOf(source)
    const { profile, samples } = await profileTable(this.deps.engine, relation, {
      ...(options.columns === undefined ? {} : { columns: options.columns }),
      ...(options.bins === undefined ? {} : { bins: options.bins }),
      samples: true,
      source: { ...source, ...(label === undefined ? {} : { label }) },
    })
    const prefix = `monitoring/references/${model}/${version}`
    const values: Record<string, string> = {}
    let k = 0
    for (const [name, sample] of Object.entries(samples)) {
      if (sample.kind !== 'numeric') continue
      const key = `${prefix}/values/${k++}.f64`
      const bytes = new Uint8Array(sample.values.buffer, sample.values.byteOffset, sample.values.byteLength)
      await this.ctx.blobs.put(key, bytes)
      values[name] = key
    }
    const node = `reference-profile:${model}/${version}`
    const stored: StoredReference = {
      model,
      version,
      prefix,
      node,
      profile,
      values,
      createdAt: this.ctx.clock.now(),
    }
    await this.ctx.blobs.put(`${prefix}/reference.json`, Buffer.from(JSON.stringify(stored)))
    await this.deps.registry.setVersionTag(model, version, REFERENCE_TAG, prefix)
    await this.ctx.lineage.record({
      inputs: [...inputs, { id: modelVersionNodeId(model, version) }],
      output: { id: node, label: `reference of ${model} v${version}` },
      activity: 'profile',
    })
    return stored
  }

  /** The stored reference of a model version; `NOT_FOUND` naming the command that computes it. */
  async get(model: string, version: number): Promise<StoredReference> {
    const mv = await this.deps.registry.getVersion(model, version)
    const prefix = mv.tags[REFERENCE_TAG]
    const info = prefix === undefined ? undefined : await this.ctx.blobs.stat(`${prefix}/reference.json`)
    if (prefix === undefined || info === undefined) {
      throw new StrataError(
        'NOT_FOUND',
        `model "${model}" version ${version} has no reference profile; compute one with "strata monitor reference ${model}@${version} --dataset <name>@<ref>:<path>"`,
        { details: { model, version } },
      )
    }
    return JSON.parse(
      (await readAll(await this.ctx.blobs.get(`${prefix}/reference.json`))).toString('utf8'),
    ) as StoredReference
  }

  /**
   * The exact samples of a stored reference: numeric values read from their blobs, categories
   * from the profile. Recently used references are kept in memory (read-only: do not modify the
   * returned samples), so the next window of a monitor costs only its own rows.
   */
  async samples(stored: StoredReference): Promise<Record<string, ColumnSample>> {
    const key = `${stored.prefix}@${stored.createdAt}`
    const cached = this.sampleCache.get(key)
    if (cached !== undefined) {
      this.sampleCache.delete(key)
      this.sampleCache.set(key, cached)
      return cached.samples
    }
    const out: Record<string, ColumnSample> = {}
    let bytes = 0
    for (const [name, col] of Object.entries(stored.profile.columns)) {
      if (col.kind === 'numeric') {
        const blob = stored.values[name]
        const values = blob === undefined ? new Float64Array(0) : await readFloat64(this.ctx.blobs, blob)
        bytes += values.byteLength
        out[name] = { kind: 'numeric', values, missing: col.missing }
      } else {
        out[name] = {
          kind: 'categorical',
          counts: new Map(Object.entries(col.frequencies)),
          missing: col.missing,
        }
      }
    }
    this.sampleCache.set(key, { samples: out, bytes })
    let total = 0
    for (const entry of this.sampleCache.values()) total += entry.bytes
    for (const [k, entry] of this.sampleCache) {
      if (total <= SAMPLE_CACHE_BYTES || k === key) break
      this.sampleCache.delete(k)
      total -= entry.bytes
    }
    return out
  }

  private async relationOf(
    source: ReferenceSource,
  ): Promise<{ relation: string; inputs: { id: string; label?: string }[]; label?: string }> {
    if (source.kind === 'table')
      return {
        relation: source.relation,
        inputs: [],
        ...(source.label === undefined ? {} : { label: source.label }),
      }
    const repo = await this.deps.data()
    const commit = await repo.resolve(source.dataset, source.ref)
    const format = detectTableFormat(source.path)
    if (format === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `cannot tell the table format of "${source.path}"; use a .parquet, .csv, .tsv, .json or .jsonl file`,
        {
          details: { path: source.path },
        },
      )
    }
    const path = await repo.localFile(source.dataset, commit.id, source.path)
    const relation = tableSource(path, format, { compression: await detectCompression(path) })
    const label = `${source.dataset}@${commit.id.slice(0, 12)}:${source.path}`
    return { relation, inputs: [{ id: `dataset-commit:${commit.id}` }], label }
  }
}

/** The numeric binnings of a reference, for profiling its windows on the same bins. */
export function referenceBinnings(profile: DatasetProfile): Record<string, Binning> {
  const out: Record<string, Binning> = {}
  for (const [name, col] of Object.entries(profile.columns)) {
    if (col.kind === 'numeric' && col.histogram !== null)
      out[name] = { lo: col.histogram.lo, hi: col.histogram.hi, bins: col.histogram.bins }
  }
  return out
}
