"""An MLServer runtime for bench/serving-peers.bench.ts: runs the model's ONNX file (the `uri`
parameter of its model-settings.json) in onnxruntime. MLServer ships no ONNX runtime of its own;
this is the few lines its docs show for a custom runtime. The bench copies this file into the
model repository as `onnx_runtime.py` and names `onnx_runtime.OnnxRuntime` as the implementation.
"""

import numpy as np
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse


class OnnxRuntime(MLModel):
    async def load(self) -> bool:
        self._session = ort.InferenceSession(self.settings.parameters.uri, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._outputs = [o.name for o in self._session.get_outputs()]
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        x = NumpyCodec.decode_input(payload.inputs[0]).astype(np.float32, copy=False)
        results = self._session.run(None, {self._input: x})
        return InferenceResponse(
            model_name=self.name,
            id=payload.id,
            outputs=[NumpyCodec.encode_output(name, value) for name, value in zip(self._outputs, results)],
        )
