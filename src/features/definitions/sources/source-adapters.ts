import { StrataError } from '../../../core/errors.js'
import { type DatasetSource, datasetSourceAdapter } from './dataset-source.js'
import { type FileSource, fileSourceAdapter } from './file-source.js'
import { type PostgresSource, postgresSourceAdapter } from './postgres-source.js'
import type { SourceAdapter, SourceDescription } from './source-adapter.js'

/** Where a feature view reads its rows: one of the kinds in {@link SOURCE_ADAPTERS}. */
export type FeatureSource = DatasetSource | FileSource | PostgresSource

/**
 * The one table of source kinds: every behaviour that depends on a source's kind is a
 * method of its adapter, found here by `kind`. To add a kind, see {@link SourceAdapter}.
 */
const SOURCE_ADAPTERS: {
  readonly [K in FeatureSource['kind']]: SourceAdapter<Extract<FeatureSource, { kind: K }>>
} = {
  dataset: datasetSourceAdapter,
  file: fileSourceAdapter,
  postgres: postgresSourceAdapter,
}

const adapters: ReadonlyMap<string, SourceAdapter<FeatureSource>> = new Map(
  // Each adapter is only ever given sources of its own kind: the table's keys guarantee it.
  Object.values(SOURCE_ADAPTERS).map((a) => [a.kind, a as unknown as SourceAdapter<FeatureSource>]),
)

/** The adapter of a kind, or `undefined` for a kind this version does not know. */
export function sourceAdapterForKind(kind: unknown): SourceAdapter<FeatureSource> | undefined {
  return typeof kind === 'string' ? adapters.get(kind) : undefined
}

/** The adapter of a source; `INVALID_ARGUMENT` for an unknown kind. */
export function sourceAdapterOf(source: FeatureSource): SourceAdapter<FeatureSource> {
  const adapter = sourceAdapterForKind(source.kind)
  if (adapter === undefined) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `source kind ${JSON.stringify(source.kind)} is unknown; create sources with ${sourceFactories()}`,
    )
  }
  return adapter
}

/** The source factories, for messages: `datasetSource(...), fileSource(...) or postgresSource(...)`. */
export function sourceFactories(): string {
  const names = [...adapters.values()].map((a) => `${a.factory}(...)`)
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`
}

/** A stable, secret-free description of a source, for hashing and plan output. */
export function describeSource(source: FeatureSource): SourceDescription {
  return sourceAdapterOf(source).describe(source)
}
