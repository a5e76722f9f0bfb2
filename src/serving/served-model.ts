import { join } from 'node:path'
import { StrataError } from '../core/errors.js'
import type { ModelVersion } from '../registry/index.js'
import { allocateValues } from './datatypes.js'
import type { ModelCache, ReadModelFile } from './model-cache.js'
import type { ModelRuntime, RuntimeKind } from './model-runtime.js'
import { type MetadataTensor, metadataTensor } from './signature-check.js'
import type { InferTensor } from './tensor.js'
import { startWorkerRuntime } from './worker-runtime.js'

/** A model version loaded into a runtime, warmed up and ready to answer. */
export interface ServedModel {
  name: string
  version: number
  /** The registry version (its signature validates every request). */
  model: ModelVersion
  /** `onnxruntime_onnx` or `strata_predictor` (reported as the protocol's `platform`). */
  platform: string
  inputs: MetadataTensor[]
  outputs: MetadataTensor[]
  runtime: ModelRuntime
}

/** File names a `js` version's predictor module may have, in order of preference. */
export const PREDICTOR_ENTRIES = ['predictor.ts', 'predictor.mts', 'predictor.mjs', 'predictor.js']

/** Options of {@link loadServedModel}. */
export interface LoadOptions {
  cache: ModelCache
  read: ReadModelFile
  /** Worker threads per model (default 1). */
  threads?: number
}

/**
 * Loads a registry version into a worker runtime: `onnx` versions with onnxruntime, `js` versions
 * whose files include a predictor module ({@link PREDICTOR_ENTRIES}) as a TypeScript predictor.
 * The files come through the local content-addressed cache. The model is warmed up with one
 * all-zero row before it is returned; a model that cannot load or warm up is an error naming it.
 */
export async function loadServedModel(model: ModelVersion, options: LoadOptions): Promise<ServedModel> {
  const label = `model "${model.name}" version ${model.version}`
  if (model.status !== 'READY') {
    throw new StrataError('FAILED_PRECONDITION', `${label} is ${model.status}, not READY`)
  }
  if (model.signature === null) {
    throw new StrataError(
      'FAILED_PRECONDITION',
      `${label} has no signature; register it with one (inputs and outputs) to serve it`,
    )
  }
  let kind: RuntimeKind
  let file: string
  if (model.flavor === 'onnx') {
    kind = 'onnx'
    file = 'model.onnx'
  } else if (model.flavor === 'js') {
    kind = 'predictor'
    const entry = PREDICTOR_ENTRIES.find((e) => model.files.some((f) => f.path === e))
    if (entry === undefined) {
      throw new StrataError(
        'FAILED_PRECONDITION',
        `${label} (flavor js) has no predictor module; expected one of ${PREDICTOR_ENTRIES.join(', ')} among its files (${model.files.map((f) => f.path).join(', ') || 'none'})`,
      )
    }
    file = entry
  } else {
    throw new StrataError(
      'UNSUPPORTED',
      `${label} has flavor "${model.flavor}"; only onnx and js versions can be served`,
    )
  }
  if (!model.files.some((f) => f.path === file)) {
    throw new StrataError('FAILED_PRECONDITION', `${label} has no file "${file}"`)
  }
  const inputs = model.signature.inputs.map(metadataTensor)
  const outputs = model.signature.outputs.map(metadataTensor)
  const dir = await options.cache.materialize(model, options.read)
  const runtime = await startWorkerRuntime(
    { kind, path: join(dir, file), signature: model.signature },
    { threads: options.threads ?? 1, label },
  )
  try {
    await runtime.infer(warmUpRow(inputs))
  } catch (err) {
    await runtime.close()
    throw new StrataError(
      'FAILED_PRECONDITION',
      `${label} failed its warm-up call: ${(err as Error).message}`,
      {
        cause: err,
      },
    )
  }
  return {
    name: model.name,
    version: model.version,
    model,
    platform: kind === 'onnx' ? 'onnxruntime_onnx' : 'strata_predictor',
    inputs,
    outputs,
    runtime,
  }
}

/** One all-zero row per input (variable dimensions of size 1). */
function warmUpRow(inputs: readonly MetadataTensor[]): InferTensor[] {
  return inputs.map((i) => {
    const shape = i.shape.map((d) => (d < 0 ? 1 : d))
    const n = shape.reduce((a, b) => a * b, 1)
    return { name: i.name, datatype: i.datatype, shape, values: allocateValues(i.datatype, n) }
  })
}
