import { existsSync } from 'node:fs'
import { extname } from 'node:path'
import { StrataError } from '../core/errors.js'
import type { DataRepository, FileEntry } from '../data/index.js'

/** The dataset the feature store saves training sets to (`FeatureStore`'s default). */
const TRAINING_SETS = 'training-sets'

/** The local files of a batch-inference input and the lineage nodes they are. */
export interface BatchInput {
  /** Local files of one format, read in order. */
  files: string[]
  format: 'parquet' | 'csv'
  /** `dataset-commit:<id>` or `training-set:<name>/<version>`. */
  nodes: string[]
  /** What was asked for, for messages. */
  label: string
}

function formatOf(path: string): 'parquet' | 'csv' | undefined {
  const ext = extname(path).toLowerCase()
  return ext === '.parquet' ? 'parquet' : ext === '.csv' || ext === '.tsv' ? 'csv' : undefined
}

const TRAINING_SET = /^(?:training-set:)?([A-Za-z0-9][A-Za-z0-9._-]{0,127})\/(\d+)$/

/**
 * Resolves what `strata predict --input` names: a local Parquet/CSV file (checked first), a
 * saved training set (`training-set:<name>/<version>` or `<name>/<version>`), or a dataset
 * commit `dataset[@ref][:path]` — one file, the tabular files under a directory, or (without a
 * path) every Parquet file of the commit, else every CSV file. An unknown dataset, ref, path or
 * training set is `NOT_FOUND` naming it.
 */
export async function resolveBatchInput(
  spec: string,
  local: string,
  repo: () => Promise<DataRepository>,
): Promise<BatchInput> {
  if (existsSync(local)) {
    const format = formatOf(local)
    if (format === undefined)
      throw new StrataError(
        'INVALID_ARGUMENT',
        `--input "${spec}" is not a Parquet or CSV file; expected a path ending in .parquet, .csv or .tsv`,
      )
    return { files: [local], format, nodes: [], label: spec }
  }
  const ts = TRAINING_SET.exec(spec)
  if (ts?.[1] !== undefined && ts[2] !== undefined)
    return trainingSet(spec, ts[1], Number(ts[2]), await repo())
  const m = /^([^@:]+)(?:@([^:]+))?(?::(.*))?$/.exec(spec)
  // `x.csv` is a missing file, not a dataset
  if (m?.[1] === undefined || (m[2] === undefined && m[3] === undefined && formatOf(spec) !== undefined))
    throw new StrataError(
      'NOT_FOUND',
      `--input "${spec}" is neither a local file nor a dataset file reference (dataset[@ref][:path]) or training set (training-set:name/version)`,
    )
  const data = await repo()
  const dataset = m[1]
  const ref = m[2] ?? (await data.getDataset(dataset)).defaultBranch
  const commit = await data.resolve(dataset, ref)
  const path = m[3] ?? ''
  const all = await data.files(dataset, commit.id, path === '' ? {} : { prefix: path })
  let chosen: FileEntry[] = all.filter((f) => formatOf(f.path) === 'parquet')
  if (chosen.length === 0) chosen = all.filter((f) => formatOf(f.path) === 'csv')
  const where = `${dataset}@${ref}${path === '' ? '' : `:${path}`}`
  if (all.length === 0)
    throw new StrataError(
      'NOT_FOUND',
      `--input "${spec}": ${where} has no file${path === '' ? 's' : ` or directory "${path}"`}`,
    )
  if (chosen.length === 0)
    throw new StrataError(
      'INVALID_ARGUMENT',
      `--input "${spec}": ${where} holds no Parquet or CSV file (${all
        .slice(0, 3)
        .map((f) => f.path)
        .join(', ')}${all.length > 3 ? ', …' : ''})`,
    )
  const files: string[] = []
  for (const f of chosen) files.push(await data.localFile(dataset, commit.id, f.path))
  const format = formatOf(chosen[0]?.path ?? '') ?? 'parquet'
  return { files, format, nodes: [`dataset-commit:${commit.id}`], label: where }
}

async function trainingSet(
  spec: string,
  name: string,
  version: number,
  data: DataRepository,
): Promise<BatchInput> {
  const id = `${name}/${version}`
  const path = `${name}/v${version}.parquet`
  const missing = () =>
    new StrataError(
      'NOT_FOUND',
      `--input "${spec}": training set ${id} is not saved (saved training sets are in the "${TRAINING_SETS}" dataset; save one with strata features training-set --save ${name})`,
    )
  const datasets = await data.listDatasets()
  if (!datasets.some((d) => d.name === TRAINING_SETS)) throw missing()
  const commits = await data.log(TRAINING_SETS, { paths: [path] })
  const commit = commits.find((c) => c.metadata.trainingSet === id) ?? commits.at(-1)
  if (commit === undefined) throw missing()
  const file = await data.localFile(TRAINING_SETS, commit.id, path)
  return { files: [file], format: 'parquet', nodes: [`training-set:${id}`], label: `training-set:${id}` }
}
