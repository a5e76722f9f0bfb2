import { isStrataError, StrataError } from '../../../core/errors.js'
import { assertName } from '../feature-types.js'
import { fileRelation } from '../sql.js'
import type { SourceAdapter } from './source-adapter.js'
import { FORMAT_EXTENSIONS, formatOf, type SourceFormat } from './source-format.js'

/** Rows from a versioned dataset at a branch, tag or commit. */
export interface DatasetSource {
  readonly kind: 'dataset'
  readonly dataset: string
  /** Branch, tag or commit id; a branch is resolved each time the view is computed. */
  readonly ref: string
  /** A file, or a directory prefix whose files are all read; `undefined` = every file. */
  readonly path: string | undefined
  /** The event-timestamp column. */
  readonly timestamp: string
  readonly format: SourceFormat
}

/**
 * A versioned dataset as a feature source. `ref` may also be given inline as
 * `'dataset@ref:path'` (the CLI form).
 *
 * @example
 * datasetSource({ dataset: 'flights', ref: 'main', path: 'flights.parquet', timestamp: 'date' })
 * datasetSource('flights@main:flights.parquet', { timestamp: 'date' })
 */
export function datasetSource(
  def: { dataset: string; ref?: string; path?: string; timestamp: string; format?: SourceFormat } | string,
  extra?: { timestamp: string; format?: SourceFormat },
): DatasetSource {
  let spec: { dataset: string; ref?: string; path?: string; timestamp: string; format?: SourceFormat }
  if (typeof def === 'string') {
    const m = /^([^@:]+)(?:@([^:]+))?(?::(.+))?$/.exec(def)
    if (!m?.[1] || extra === undefined) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `dataset source "${def}" is invalid; expected "dataset@ref:path" plus { timestamp }`,
      )
    }
    spec = { dataset: m[1], timestamp: extra.timestamp }
    if (m[2] !== undefined) spec.ref = m[2]
    if (m[3] !== undefined) spec.path = m[3]
    if (extra.format !== undefined) spec.format = extra.format
  } else spec = def
  if (typeof spec.dataset !== 'string' || spec.dataset === '') {
    throw new StrataError('INVALID_ARGUMENT', 'dataset source needs a dataset name')
  }
  assertName('source timestamp column', spec.timestamp)
  return Object.freeze({
    kind: 'dataset',
    dataset: spec.dataset,
    ref: spec.ref ?? 'main',
    path: spec.path,
    timestamp: spec.timestamp,
    format: formatOf(spec.path, spec.format),
  })
}

/**
 * Dataset sources are read as snapshots: the ref is resolved to a commit, whose files of the
 * source's format (under `path`) DuckDB reads from the local cache. The commit is the
 * snapshot's key, and the input of the view version's lineage.
 */
export const datasetSourceAdapter: SourceAdapter<DatasetSource> = {
  kind: 'dataset',
  factory: 'datasetSource',
  describe: (source) => ({
    kind: 'dataset',
    dataset: source.dataset,
    ref: source.ref,
    path: source.path ?? null,
    timestamp: source.timestamp,
    format: source.format,
  }),
  show: (s) => `dataset ${s.dataset}@${s.ref}${s.path ? `:${s.path}` : ''}`,
  async definedFrom(source, repository) {
    try {
      return { commit: (await repository.resolve(source.dataset, source.ref)).id }
    } catch (err) {
      if (!isStrataError(err, 'NOT_FOUND')) throw err
      return { missing: `dataset ${source.dataset}@${source.ref}` }
    }
  },
  reading: {
    mode: 'snapshot',
    async snapshot(view, { repository }) {
      const source = view.source
      if (repository === undefined) {
        throw new StrataError(
          'FAILED_PRECONDITION',
          `feature view "${view.name}" reads dataset "${source.dataset}", but the feature store has no data repository`,
        )
      }
      const commit = await repository.resolve(source.dataset, source.ref)
      const files = await repository.files(
        source.dataset,
        commit.id,
        source.path === undefined ? {} : { prefix: source.path },
      )
      const wanted = files
        .map((f) => f.path)
        .filter((p) => p === source.path || FORMAT_EXTENSIONS[source.format].test(p))
        .sort()
      if (wanted.length === 0) {
        throw new StrataError(
          'NOT_FOUND',
          `feature view "${view.name}": dataset ${source.dataset}@${source.ref} has no ${source.format} file at "${source.path ?? ''}"`,
        )
      }
      const local = await Promise.all(wanted.map((p) => repository.localFile(source.dataset, commit.id, p)))
      return {
        relation: fileRelation(local, source.format),
        key: commit.id,
        commit: commit.id,
        origin: `${source.dataset}@${commit.id.slice(0, 12)}`,
      }
    },
  },
}
