import { StrataError } from '../core/errors.js'
import type { Commit, DataRepository, LineageGraphStore } from '../data/index.js'
import type { TableEngine } from '../ports/index.js'

/** Where batch predictions are committed: `dataset[@branch][:path]`. */
export interface PredictionsTarget {
  dataset: string
  /** Default the dataset's default branch; created from it when missing. */
  branch?: string
  /** Path of the Parquet file in the dataset (default `predictions.parquet`). */
  path?: string
}

/** Parses `dataset[@branch][:path.parquet]`. */
export function parsePredictionsTarget(arg: string): PredictionsTarget {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:@([^:]+))?(?::(.+))?$/.exec(arg)
  if (m?.[1] === undefined || (m[3] !== undefined && !m[3].toLowerCase().endsWith('.parquet')))
    throw new StrataError(
      'INVALID_ARGUMENT',
      `--output "${arg}" is invalid; expected a .parquet file or a dataset as dataset[@branch][:path.parquet], e.g. scored@main or scored:march.parquet`,
    )
  return {
    dataset: m[1],
    ...(m[2] === undefined ? {} : { branch: m[2] }),
    ...(m[3] === undefined ? {} : { path: m[3] }),
  }
}

/** Options of {@link commitPredictions}. */
export interface CommitPredictionsOptions {
  repo: DataRepository
  engine: TableEngine
  lineage: LineageGraphStore
  target: PredictionsTarget
  /** The local Parquet file of predictions. */
  file: string
  /** The lineage node stored as the commit (`prediction-batch:<id>`), if any. */
  node?: string
  message: string
  metadata: Record<string, string>
}

const describeColumns = (cols: readonly { name: string; type: string }[]) =>
  cols.map((c) => `${c.name} ${c.type}`).join(', ')

/**
 * Commits a Parquet file of predictions to a dataset (created when missing; a missing branch is
 * created from the default branch's head) and records lineage `prediction-batch:<id>` → the commit
 * (activity `store`). When the branch already holds a table at the path (or, without one, any
 * Parquet table), its columns and types must be the new file's: otherwise `FAILED_PRECONDITION`
 * names both schemas and nothing is committed.
 */
export async function commitPredictions(options: CommitPredictionsOptions): Promise<Commit> {
  const { repo, target } = options
  const path = target.path ?? 'predictions.parquet'
  const exists = (await repo.listDatasets()).find((d) => d.name === target.dataset)
  if (exists === undefined) await repo.createDataset(target.dataset, { description: 'batch predictions' })
  const dataset = await repo.getDataset(target.dataset)
  const branch = target.branch ?? dataset.defaultBranch
  const refs = await repo.refs(target.dataset)
  const ref = refs.find((r) => r.name === branch)
  if (ref?.kind === 'tag')
    throw new StrataError(
      'INVALID_ARGUMENT',
      `--output "${target.dataset}@${branch}": ${branch} is a tag; commit to a branch`,
    )
  const head = ref === undefined ? (await repo.branch(target.dataset, branch)).commit : ref.commit
  if (head !== null) {
    const files = await repo.files(target.dataset, head)
    const previous =
      files.find((f) => f.path === path && f.table !== undefined) ??
      files.find((f) => f.path.toLowerCase().endsWith('.parquet') && f.table !== undefined)
    if (previous?.table !== undefined) {
      const fresh = (
        await options.engine.query(
          `DESCRIBE SELECT * FROM read_parquet('${options.file.replaceAll("'", "''")}')`,
        )
      ).rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }))
      const old = previous.table.columns
      const same =
        old.length === fresh.length &&
        old.every((c, i) => c.name === fresh[i]?.name && c.type === fresh[i]?.type)
      if (!same)
        throw new StrataError(
          'FAILED_PRECONDITION',
          `--output "${target.dataset}@${branch}" exists with another schema: ${previous.path} has (${describeColumns(old)}) but these predictions are (${describeColumns(fresh)}); write to another dataset, branch or path`,
          { details: { existing: old, predictions: fresh, path: previous.path } },
        )
    }
  }
  const commit = await repo.commit(target.dataset, {
    branch,
    message: options.message,
    changes: [{ path, source: options.file }],
    metadata: options.metadata,
    allowEmpty: true,
  })
  if (options.node !== undefined)
    await options.lineage.record({
      inputs: [options.node],
      output: `dataset-commit:${commit.id}`,
      activity: 'store',
    })
  return commit
}
