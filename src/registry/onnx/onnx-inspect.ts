import { errorMessage, StrataError } from '../../core/errors.js'
import { onnxType } from './onnx-proto.js'

/** One input or output of a model: name, element type (`float32`, `int64`, …) and shape. */
export interface TensorSpec {
  name: string
  /** onnxruntime's tensor type name (`float32`, `int64`, `string`, …), or `non-tensor` for maps and sequences. */
  type: string
  /** Dimensions: a size, a symbolic name (`N`), or `null` for an unnamed unknown; `null` when the rank is unknown. */
  shape: (number | string | null)[] | null
}

/** The inputs and outputs a model takes and returns. */
export interface ModelSignature {
  inputs: TensorSpec[]
  outputs: TensorSpec[]
}

/** What loading an ONNX model tells: its signature and header. */
export interface OnnxModelInfo {
  signature: ModelSignature
  irVersion: number | null
  /** Operator sets by domain (`''` is the default ONNX domain). */
  opsets: Record<string, number>
  producerName: string | null
  producerVersion: string | null
  /** The model's `metadata_props`. */
  metadata: Record<string, string>
}

/** Options for {@link inspectOnnxModel}. */
export interface InspectOnnxOptions {
  /**
   * Accept outputs that are not tensors (e.g. a ZipMap's sequence of maps). onnxruntime-node
   * cannot return them, so by default such models are rejected with `INVALID_ARGUMENT`.
   */
  allowNonTensorOutputs?: boolean
}

/**
 * Loads an ONNX model with onnxruntime-node and returns its real signature and header. A model
 * that onnxruntime cannot load is rejected with `INVALID_ARGUMENT` carrying onnxruntime's message.
 *
 * Takes bytes and returns plain data, so it can run unchanged inside a worker thread
 * (onnxruntime's session creation and `run` block the thread that calls them).
 */
export async function inspectOnnxModel(
  bytes: Uint8Array,
  options: InspectOnnxOptions = {},
): Promise<OnnxModelInfo> {
  const ort = await import('onnxruntime-node')
  let session: import('onnxruntime-node').InferenceSession
  try {
    session = await ort.InferenceSession.create(bytes)
  } catch (err) {
    throw new StrataError('INVALID_ARGUMENT', `onnxruntime cannot load the model: ${errorMessage(err)}`, {
      cause: err,
      details: { runtime: 'onnxruntime-node', message: errorMessage(err) },
    })
  }
  try {
    const declared = declaredShapes(bytes)
    const spec = (m: import('onnxruntime-node').InferenceSession.ValueMetadata): TensorSpec => {
      if (!m.isTensor) return { name: m.name, type: 'non-tensor', shape: null }
      // onnxruntime reports an unknown rank as [], like a scalar; the graph tells them apart.
      const fromGraph = declared.get(m.name)
      const shape =
        m.shape.length === 0 && fromGraph !== undefined
          ? fromGraph
          : m.shape.map((d) => (typeof d === 'string' && d === '' ? null : d))
      return { name: m.name, type: m.type, shape }
    }
    const signature = { inputs: session.inputMetadata.map(spec), outputs: session.outputMetadata.map(spec) }
    const nonTensor = signature.outputs.filter((o) => o.type === 'non-tensor')
    if (nonTensor.length > 0 && options.allowNonTensorOutputs !== true) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `the model's output${nonTensor.length > 1 ? 's' : ''} ${nonTensor.map((o) => `"${o.name}"`).join(', ')} ` +
          'is not a tensor (e.g. a ZipMap of class probabilities), which onnxruntime-node cannot return; ' +
          're-export it with plain tensor outputs (skl2onnx: options={"zipmap": False})',
        { details: { outputs: nonTensor.map((o) => o.name) } },
      )
    }
    return { signature, ...readHeader(bytes) }
  } finally {
    await session.release()
  }
}

/** Shapes as declared in the graph's inputs and outputs (`null` when a value has no shape). */
function declaredShapes(bytes: Uint8Array): Map<string, (number | string | null)[] | null> {
  const shapes = new Map<string, (number | string | null)[] | null>()
  try {
    const message = onnxType('ModelSignatureProto').decode(bytes)
    const object = onnxType('ModelSignatureProto').toObject(message, { longs: Number, defaults: false }) as {
      graph?: { input?: DeclaredValue[]; output?: DeclaredValue[] }
    }
    for (const v of [...(object.graph?.input ?? []), ...(object.graph?.output ?? [])]) {
      const shape = v.type?.tensor_type?.shape
      shapes.set(
        v.name ?? '',
        shape === undefined ? null : (shape.dim ?? []).map((d) => d.dim_value ?? d.dim_param ?? null),
      )
    }
  } catch {
    // onnxruntime loaded it, so the bytes are a model; a decode problem here only costs detail.
  }
  return shapes
}

type DeclaredValue = {
  name?: string
  type?: { tensor_type?: { shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } }
}

function readHeader(bytes: Uint8Array): Omit<OnnxModelInfo, 'signature'> {
  const header: Omit<OnnxModelInfo, 'signature'> = {
    irVersion: null,
    opsets: {},
    producerName: null,
    producerVersion: null,
    metadata: {},
  }
  try {
    const type = onnxType('ModelHeaderProto')
    const h = type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as {
      ir_version?: number
      producer_name?: string
      producer_version?: string
      opset_import?: { domain?: string; version?: number }[]
      metadata_props?: { key?: string; value?: string }[]
    }
    header.irVersion = h.ir_version ?? null
    header.producerName = h.producer_name ?? null
    header.producerVersion = h.producer_version ?? null
    for (const o of h.opset_import ?? []) header.opsets[o.domain ?? ''] = o.version ?? 0
    for (const p of h.metadata_props ?? []) if (p.key !== undefined) header.metadata[p.key] = p.value ?? ''
  } catch {
    // Header fields are informative only.
  }
  return header
}
