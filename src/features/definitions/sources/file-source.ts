import { stat } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'
import { StrataError } from '../../../core/errors.js'
import { assertName } from '../feature-types.js'
import { sha256 } from '../spec-hash.js'
import { fileRelation } from '../sql.js'
import type { SourceAdapter } from './source-adapter.js'
import { formatOf, type SourceFormat } from './source-format.js'

/** Rows from local files (a path or glob), read by DuckDB; for quick starts, tests and benchmarks. */
export interface FileSource {
  readonly kind: 'file'
  readonly path: string
  readonly timestamp: string
  readonly format: SourceFormat
}

/**
 * Local files as a feature source (a path or a glob such as `data/*.parquet`).
 *
 * @example
 * fileSource({ path: 'data/trips.parquet', timestamp: 'event_time' })
 */
export function fileSource(def: { path: string; timestamp: string; format?: SourceFormat }): FileSource {
  if (typeof def.path !== 'string' || def.path === '') {
    throw new StrataError('INVALID_ARGUMENT', 'file source needs a path, e.g. "data/trips.parquet"')
  }
  assertName('source timestamp column', def.timestamp)
  return Object.freeze({
    kind: 'file',
    path: def.path,
    timestamp: def.timestamp,
    format: formatOf(def.path, def.format),
  })
}

/**
 * File sources are read as snapshots: the glob (relative to the project root) is expanded by
 * DuckDB, and the files' names, sizes and modification times key the snapshot, so an edited
 * file is computed again. Files have no commits, hence no source lineage.
 */
export const fileSourceAdapter: SourceAdapter<FileSource> = {
  kind: 'file',
  factory: 'fileSource',
  describe: (source) => ({
    kind: 'file',
    path: source.path,
    timestamp: source.timestamp,
    format: source.format,
  }),
  show: (s) => `file ${s.path}`,
  reading: {
    mode: 'snapshot',
    async snapshot(view, { engine, root }) {
      const source = view.source
      const pattern = isAbsolute(source.path) ? source.path : resolve(root, source.path)
      const { rows } = await engine.query('SELECT file FROM glob($1) ORDER BY file', [pattern])
      const files = rows.map((r) => String(r.file))
      if (files.length === 0) {
        throw new StrataError('NOT_FOUND', `feature view "${view.name}": no file matches "${pattern}"`)
      }
      const signature = await Promise.all(
        files.map(async (f) => {
          const s = await stat(f)
          return `${f}:${s.size}:${s.mtimeMs}`
        }),
      )
      return {
        relation: fileRelation(files, source.format),
        key: `files-${sha256(signature.join('\n')).slice(0, 40)}`,
        commit: null,
        origin: null,
      }
    },
  },
}
