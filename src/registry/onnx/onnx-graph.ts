import { StrataError } from '../../core/errors.js'
import { ONNX_ATTRIBUTE_TYPE, ONNX_DATA_TYPE, onnxType } from './onnx-proto.js'

/** An ONNX attribute as the protobuf encoder takes it (build with {@link onnxAttr}). */
export interface OnnxAttribute {
  name: string
  type: number
  f?: number
  i?: number
  s?: Uint8Array
  floats?: number[]
  ints?: number[]
  strings?: Uint8Array[]
}

/** Builders for typed ONNX attributes. Float attributes are stored as float32 by ONNX. */
export const onnxAttr = {
  float: (name: string, f: number): OnnxAttribute => ({ name, type: ONNX_ATTRIBUTE_TYPE.FLOAT, f }),
  int: (name: string, i: number): OnnxAttribute => ({
    name,
    type: ONNX_ATTRIBUTE_TYPE.INT,
    i: checkInt(name, i),
  }),
  string: (name: string, s: string): OnnxAttribute => ({
    name,
    type: ONNX_ATTRIBUTE_TYPE.STRING,
    s: utf8(s),
  }),
  floats: (name: string, floats: ArrayLike<number>): OnnxAttribute => ({
    name,
    type: ONNX_ATTRIBUTE_TYPE.FLOATS,
    floats: Array.from(floats),
  }),
  ints: (name: string, ints: ArrayLike<number>): OnnxAttribute => ({
    name,
    type: ONNX_ATTRIBUTE_TYPE.INTS,
    ints: Array.from(ints, (i) => checkInt(name, i)),
  }),
  strings: (name: string, strings: readonly string[]): OnnxAttribute => ({
    name,
    type: ONNX_ATTRIBUTE_TYPE.STRINGS,
    strings: strings.map(utf8),
  }),
}

/** One graph node. `domain` is `''` for the default ONNX domain or `ai.onnx.ml`. */
export interface OnnxNode {
  opType: string
  domain: string
  name: string
  inputs: string[]
  outputs: string[]
  attributes: OnnxAttribute[]
}

/** A graph input or output: a tensor name, element type and shape (numbers or symbolic names). */
export interface OnnxValueInfo {
  name: string
  elemType: number
  dims: (number | string)[]
}

/** A constant tensor stored in the graph (an initializer). */
export interface OnnxTensor {
  name: string
  dataType: number
  dims: number[]
  floatData?: number[]
  int64Data?: number[]
}

/** What {@link encodeOnnxModel} writes. */
export interface OnnxModelSpec {
  graphName: string
  nodes: OnnxNode[]
  inputs: OnnxValueInfo[]
  outputs: OnnxValueInfo[]
  initializers?: OnnxTensor[]
  /** Operator sets by domain, e.g. `{ '': 17, 'ai.onnx.ml': 3 }`. */
  opsets: Record<string, number>
  docString?: string
  /** Free-form `metadata_props` (feature names, trainer, …). */
  metadata?: Record<string, string>
  producerName?: string
  producerVersion?: string
}

/** ONNX IR version written: IR 8 goes with default-domain opset 17 and ai.onnx.ml 3. */
export const ONNX_IR_VERSION = 8

/** The default-domain operator set Strata writes. */
export const ONNX_DEFAULT_OPSET = 17

/** The ai.onnx.ml operator set Strata writes (the last one with TreeEnsembleRegressor/Classifier). */
export const ONNX_ML_OPSET = 3

/** Serializes a model to ONNX protobuf bytes. */
export function encodeOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const valueInfo = (v: OnnxValueInfo) => ({
    name: v.name,
    type: {
      tensor_type: {
        elem_type: v.elemType,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  })
  const model = {
    ir_version: ONNX_IR_VERSION,
    producer_name: spec.producerName ?? 'strata',
    producer_version: spec.producerVersion ?? '0.1.0',
    doc_string: spec.docString ?? '',
    opset_import: Object.entries(spec.opsets).map(([domain, version]) => ({ domain, version })),
    metadata_props: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.graphName,
      node: spec.nodes.map((n) => ({
        name: n.name,
        op_type: n.opType,
        domain: n.domain,
        input: n.inputs,
        output: n.outputs,
        attribute: n.attributes,
      })),
      initializer: (spec.initializers ?? []).map((t) => ({
        name: t.name,
        data_type: t.dataType,
        dims: t.dims,
        ...(t.floatData ? { float_data: t.floatData } : {}),
        ...(t.int64Data ? { int64_data: t.int64Data } : {}),
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  }
  const type = onnxType('ModelProto')
  const problem = type.verify(model)
  if (problem !== null) throw new StrataError('INTERNAL', `invalid ONNX model message: ${problem}`)
  return type.encode(type.fromObject(model)).finish()
}

/** A float32 `[N, features]` input named `name`, the shape every Strata-written model takes. */
export function floatMatrixInput(name: string, features: number): OnnxValueInfo {
  return { name, elemType: ONNX_DATA_TYPE.FLOAT, dims: ['N', features] }
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}

function checkInt(name: string, i: number): number {
  if (!Number.isSafeInteger(i)) {
    throw new StrataError('INVALID_ARGUMENT', `ONNX attribute "${name}" needs integers; got ${i}`)
  }
  return i
}

/** Options every Strata ONNX exporter accepts. */
export interface OnnxExportOptions {
  /** Name of the float32 `[N, features]` input (default `features`). */
  inputName?: string
  /** Feature names in column order, stored in the model's metadata as `strata.feature_names`. */
  featureNames?: readonly string[]
  docString?: string
  /** Extra `metadata_props`. */
  metadata?: Record<string, string>
}

/** The doc string and `metadata_props` of an export: the caller's, plus feature names when given. */
export function exportFields(
  options: OnnxExportOptions,
  features: number,
): { metadata: Record<string, string>; docString?: string } {
  const metadata: Record<string, string> = { ...options.metadata }
  if (options.featureNames !== undefined) {
    if (options.featureNames.length !== features) {
      throw new StrataError(
        'INVALID_ARGUMENT',
        `featureNames has ${options.featureNames.length} names but the model takes ${features} features`,
      )
    }
    metadata['strata.feature_names'] = JSON.stringify(options.featureNames)
  }
  return options.docString === undefined ? { metadata } : { metadata, docString: options.docString }
}
