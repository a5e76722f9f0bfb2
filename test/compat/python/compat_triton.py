"""The stock Triton HTTP client (tritonclient[http]) against `strata server --model ...`.

Env: STRATA_OIP_URL (host:port), STRATA_OIP_MODEL (served name, version 1), the model being
prediction = 0.5 + x0 + 2*x1 + 3*x2 over input `features` FP32 [-1, 3].
"""

import os

import numpy as np
import tritonclient.http as httpclient
from compat_util import check, done, step
from tritonclient.utils import InferenceServerException

url = os.environ["STRATA_OIP_URL"]
model = os.environ["STRATA_OIP_MODEL"]
client = httpclient.InferenceServerClient(url=url, network_timeout=60.0, concurrency=4)

rng = np.random.default_rng(7)


def expected(x):
    x = x.astype(np.float32)
    return (np.float32(0.5) + x[:, 0] + np.float32(2) * x[:, 1] + np.float32(3) * x[:, 2]).reshape(-1, 1)


def rows(n):
    return rng.normal(size=(n, 3)).astype(np.float32)


def features(x, binary):
    i = httpclient.InferInput("features", list(x.shape), "FP32")
    i.set_data_from_numpy(x, binary_data=binary)
    return i


def expect_server_error(fn, status, contains):
    try:
        fn()
    except InferenceServerException as e:
        check(str(e.status()) == str(status), f"expected HTTP status {status}", e.status())
        check(contains in e.message(), f"expected the message to contain {contains!r}", e.message())
        return
    raise AssertionError(f"expected InferenceServerException {status}, but the call succeeded")


with step("server live, ready and metadata"):
    check(client.is_server_live(), "is_server_live")
    check(client.is_server_ready(), "is_server_ready")
    meta = client.get_server_metadata()
    check(meta["name"] == "strata", "server name", meta)
    check("binary_tensor_data" in meta["extensions"], "binary_tensor_data extension", meta)

with step("model ready and metadata, versioned and not"):
    check(client.is_model_ready(model), "is_model_ready")
    check(client.is_model_ready(model, "1"), "is_model_ready version 1")
    check(not client.is_model_ready("no-such-model"), "an unknown model is not ready")
    m = client.get_model_metadata(model)
    check(m["platform"] == "onnxruntime_onnx", "platform", m)
    check(m["inputs"] == [{"name": "features", "datatype": "FP32", "shape": [-1, 3]}], "inputs", m)
    check(client.get_model_metadata(model, "1")["versions"] == ["1"], "versions")

with step("infer with binary data (the client's default) in and out"):
    x = rows(5)
    r = client.infer(model, [features(x, True)])
    check(np.allclose(r.as_numpy("prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions", r.as_numpy("prediction"))
    check(r.get_response()["model_version"] == "1", "model_version", r.get_response())

with step("infer with JSON data in and out, requested output, request id, pinned version"):
    x = rows(4)
    out = httpclient.InferRequestedOutput("prediction", binary_data=False)
    r = client.infer(model, [features(x, False)], model_version="1", outputs=[out], request_id="abc-1")
    resp = r.get_response()
    check(resp["id"] == "abc-1", "id echoed", resp)
    check("data" in resp["outputs"][0], "JSON output data", resp)
    check(np.allclose(r.as_numpy("prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions")

with step("gzip request and response bodies"):
    x = rows(300)
    r = client.infer(
        model,
        [features(x, False)],
        outputs=[httpclient.InferRequestedOutput("prediction", binary_data=False)],
        request_compression_algorithm="gzip",
        response_compression_algorithm="gzip",
    )
    check(np.allclose(r.as_numpy("prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions")

with step("concurrent async_infer calls each get their own rows"):
    xs = [rows(int(n)) for n in rng.integers(1, 20, size=24)]
    pending = [client.async_infer(model, [features(x, bool(k % 2))]) for k, x in enumerate(xs)]
    for x, p in zip(xs, pending):
        check(np.allclose(p.get_result().as_numpy("prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions")

with step("client mistakes are 400 with the server's message; unknown models 404"):
    x64 = rows(2).astype(np.float64)
    wrong = httpclient.InferInput("features", [2, 3], "FP64")
    wrong.set_data_from_numpy(x64)
    expect_server_error(lambda: client.infer(model, [wrong]), 400, "expects FP32")
    bad_shape = httpclient.InferInput("features", [2, 4], "FP32")
    bad_shape.set_data_from_numpy(rng.normal(size=(2, 4)).astype(np.float32))
    expect_server_error(lambda: client.infer(model, [bad_shape]), 400, "expects [-1,3]")
    other = httpclient.InferInput("other", [1, 3], "FP32")
    other.set_data_from_numpy(rows(1))
    expect_server_error(lambda: client.infer(model, [other]), 400, 'unknown input "other"')
    expect_server_error(lambda: client.infer("no-such-model", [features(rows(1), True)]), 404, "not served")
    expect_server_error(lambda: client.infer(model, [features(rows(1), True)], model_version="9"), 404, "not served")

client.close()
done()
