export {
  type LinearClassifierSpec,
  type LinearClassifierTransform,
  type LinearModelSpec,
  linearClassifierToOnnx,
  linearRegressorToOnnx,
} from './linear-onnx.js'
export {
  encodeOnnxModel,
  ONNX_DEFAULT_OPSET,
  ONNX_IR_VERSION,
  ONNX_ML_OPSET,
  type OnnxAttribute,
  type OnnxExportOptions,
  type OnnxModelSpec,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  onnxAttr,
} from './onnx-graph.js'
export {
  type InspectOnnxOptions,
  inspectOnnxModel,
  type ModelSignature,
  type OnnxModelInfo,
  type TensorSpec,
} from './onnx-inspect.js'
export { ONNX_DATA_TYPE, onnxProtoRoot, onnxType } from './onnx-proto.js'
export {
  type DecisionTreeLeaf,
  type DecisionTreeNode,
  type DecisionTreeSplit,
  flattenTreeEnsemble,
  isLeaf,
  scoreTreeEnsemble,
  type TreeEnsemble,
  validateTreeEnsemble,
} from './tree-ensemble.js'
export {
  type TreeEnsembleClassifierOptions,
  treeEnsembleClassifierToOnnx,
  treeEnsembleRegressorToOnnx,
} from './tree-ensemble-onnx.js'
