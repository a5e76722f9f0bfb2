"""KServe's Python model server for bench/serving-peers.bench.ts: a `kserve.Model` per ONNX file,
each running the file in onnxruntime, served over the Open Inference Protocol v2 (REST) by
`kserve.ModelServer` with its defaults (one worker, latency logging off so a log line per
request does not count against it).

Usage: python serving-peers.kserve.py <http_port> <grpc_port> <name>=<model.onnx> ...
"""

import sys
import uuid

import kserve
import numpy as np
import onnxruntime as ort
from kserve import InferOutput, InferRequest, InferResponse

DATATYPES = {np.dtype(np.float32): "FP32", np.dtype(np.float64): "FP64", np.dtype(np.int64): "INT64"}


class OnnxModel(kserve.Model):
    def __init__(self, name, path):
        super().__init__(name)
        self.path = path
        self.session = None

    def load(self):
        self.session = ort.InferenceSession(self.path, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.outputs = [o.name for o in self.session.get_outputs()]
        self.ready = True
        return self.ready

    def predict(self, payload: InferRequest, headers=None, response_headers=None) -> InferResponse:
        x = payload.inputs[0].as_numpy().astype(np.float32, copy=False)
        results = self.session.run(None, {self.input: x})
        outputs = []
        for name, value in zip(self.outputs, results):
            out = InferOutput(name=name, shape=list(value.shape), datatype=DATATYPES[value.dtype])
            out.set_data_from_numpy(value, binary_data=False)
            outputs.append(out)
        return InferResponse(model_name=self.name, infer_outputs=outputs, response_id=payload.id or str(uuid.uuid4()))


if __name__ == "__main__":
    http_port, grpc_port = int(sys.argv[1]), int(sys.argv[2])
    models = []
    for spec in sys.argv[3:]:
        name, path = spec.split("=", 1)
        model = OnnxModel(name, path)
        model.load()
        models.append(model)
    kserve.ModelServer(http_port=http_port, grpc_port=grpc_port, enable_latency_logging=False).start(models)
