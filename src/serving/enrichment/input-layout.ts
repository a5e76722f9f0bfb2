import { StrataError } from '../../core/errors.js'
import type { ServedModel } from '../served-model.js'
import type { MetadataTensor } from '../signature-check.js'

/** ONNX metadata key holding the model's feature names in column order (written by `strata/training`). */
export const FEATURE_NAMES_KEY = 'strata.feature_names'

/** How named values become a model's input tensors. */
export type InputLayout =
  /** One `[N, k]` input whose k columns are the named values, in order. */
  | { kind: 'matrix'; input: MetadataTensor; columns: string[] }
  /** One input per value, named as the value, of shape `[N]` or `[N, 1]`. */
  | { kind: 'columns'; inputs: MetadataTensor[] }

/**
 * The layout of a served model's inputs for assembling them from named values (features and
 * request values): a single `[N, k]` input with the model's feature names (ONNX metadata
 * `strata.feature_names`), or one input per value with a shape of one value per row. Any other
 * signature cannot be filled from named values: `FAILED_PRECONDITION` saying why.
 */
export function inputLayout(served: ServedModel): InputLayout {
  const label = `model "${served.name}" version ${served.version}`
  const inputs = served.inputs
  const only = inputs[0]
  if (inputs.length === 1 && only !== undefined && only.shape.length === 2 && only.shape[0] === -1) {
    const raw = served.model.onnx?.metadata[FEATURE_NAMES_KEY]
    if (raw === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `${label} takes one matrix input "${only.name}" but does not name its columns (ONNX metadata "${FEATURE_NAMES_KEY}"); export it with featureNames to serve it from features`,
      )
    }
    const columns = parseNames(raw, label)
    if (only.shape[1] !== -1 && only.shape[1] !== columns.length) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `${label} names ${columns.length} feature columns but its input "${only.name}" has ${only.shape[1]}`,
      )
    }
    return { kind: 'matrix', input: only, columns }
  }
  for (const i of inputs) {
    const perRow = i.shape.length === 1 || (i.shape.length === 2 && i.shape[1] === 1)
    if (!perRow || i.shape[0] !== -1) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `${label} cannot be filled from features: input "${i.name}" has shape [${i.shape.join(',')}]; expected one [N, k] input with named columns, or one input per feature of shape [N] or [N, 1]`,
      )
    }
  }
  return { kind: 'columns', inputs: [...inputs] }
}

/** The value names a layout needs, in order. */
export function layoutNames(layout: InputLayout): string[] {
  return layout.kind === 'matrix' ? layout.columns : layout.inputs.map((i) => i.name)
}

function parseNames(raw: string, label: string): string[] {
  let names: unknown
  try {
    names = JSON.parse(raw)
  } catch {}
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `${label} has ONNX metadata "${FEATURE_NAMES_KEY}" that is not a JSON list of names: ${raw.slice(0, 200)}`,
    )
  }
  return names as string[]
}
