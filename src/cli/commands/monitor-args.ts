import { StrataError } from '../../core/errors.js'

/** `model@version` → parts; fails naming the value. */
export function parseModelVersion(text: string): { model: string; version: number } {
  const m = /^(.+)@(\d+)$/.exec(text)
  if (m === null)
    throw new StrataError(
      'INVALID_ARGUMENT',
      `"${text}" is not a model version; use <model>@<version>, e.g. flight-delay@3`,
    )
  return { model: m[1] as string, version: Number(m[2]) }
}

/** `name[@ref]:path` → parts. */
export function parseDatasetFile(text: string): { dataset: string; ref: string; path: string } {
  const m = /^([^@:]+)(?:@([^:]+))?:(.+)$/.exec(text)
  if (m === null)
    throw new StrataError(
      'INVALID_ARGUMENT',
      `--dataset "${text}" is invalid; use <dataset>[@<ref>]:<path>, e.g. flights-train@main:train.parquet`,
    )
  return { dataset: m[1] as string, ref: m[2] ?? 'main', path: m[3] as string }
}
