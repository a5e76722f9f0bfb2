import { randomUUID } from 'node:crypto'
import type { ModelSignature, TensorSpec } from './onnx/index.js'

/** The name MLflow gives a model directory's descriptor. */
export const MLMODEL_FILE = 'MLmodel'

/** onnxruntime's tensor types that MLflow's tensor specs accept as numpy dtypes. */
const NUMPY_DTYPES = new Set([
  'bool',
  'float16',
  'float32',
  'float64',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
])

/**
 * The `MLmodel` descriptor of an ONNX version, as `mlflow.onnx.save_model` writes one: the
 * `onnx` flavor and a `python_function` entry loaded by `mlflow.onnx`, both pointing at
 * `model.onnx`. With it, the stock client's `mlflow.pyfunc.load_model('models:/<name>@<alias>')`
 * (and `mlflow.onnx.load_model`) loads a version registered through Strata from `strata server`.
 *
 * The tensor signature is included when every input and output is a numeric or boolean tensor
 * of known rank (MLflow then checks inputs' dtypes and shapes as it does for its own models);
 * otherwise it is left out rather than guessed. No Python version or environment is claimed:
 * the model was not written by Python.
 *
 * @example
 * mlmodelFor(info.signature, Date.now()) // 'flavors:\n  onnx:\n    code: null\n    data: model.onnx\n…'
 */
export function mlmodelFor(signature: ModelSignature | null, createdAt: number): string {
  const lines = [
    'flavors:',
    '  onnx:',
    '    code: null',
    '    data: model.onnx',
    '    providers:',
    '    - CPUExecutionProvider',
    '  python_function:',
    '    data: model.onnx',
    '    loader_module: mlflow.onnx',
    `model_uuid: ${randomUUID().replaceAll('-', '')}`,
  ]
  const specs = signature === null ? null : tensorSignature(signature)
  if (specs !== null) {
    lines.push(
      'signature:',
      `  inputs: ${yamlQuote(specs.inputs)}`,
      `  outputs: ${yamlQuote(specs.outputs)}`,
      '  params: null',
    )
  }
  lines.push(`utc_time_created: ${yamlQuote(mlflowTime(createdAt))}`)
  return `${lines.join('\n')}\n`
}

/** MLflow's tensor-spec signature (JSON text per side), or `null` when a tensor does not map. */
function tensorSignature(signature: ModelSignature): { inputs: string; outputs: string } | null {
  const side = (specs: TensorSpec[]) => {
    const out = []
    for (const s of specs) {
      if (!NUMPY_DTYPES.has(s.type) || s.shape === null) return null
      const shape = s.shape.map((d) => (typeof d === 'number' ? d : -1))
      out.push({ type: 'tensor', 'tensor-spec': { dtype: s.type, shape }, name: s.name })
    }
    return JSON.stringify(out)
  }
  const inputs = side(signature.inputs)
  const outputs = side(signature.outputs)
  return inputs === null || outputs === null ? null : { inputs, outputs }
}

/** `2026-12-07 06:50:00.123000`, as MLflow writes `utc_time_created`. */
function mlflowTime(ms: number): string {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`
}

/** A YAML single-quoted scalar (a quote inside is doubled). */
function yamlQuote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}
