"""The stock Triton gRPC client (tritonclient[grpc]) against `strata server --grpc-port ...`.

Env: STRATA_OIP_GRPC (host:port of the gRPC server), STRATA_OIP_URL (host:port of the REST
server), STRATA_OIP_MODEL (`linear`: prediction = 0.5 + x0 + 2*x1 + 3*x2 over `features` FP32
[-1, 3], version 1), STRATA_OIP_INT64_MODEL (`sums`: `ids` INT64 [-1, 2] -> `sum` INT64 [-1, 1]
and `half` FP64 [-1, 1]), STRATA_OIP_BYTES_MODEL (`echo`: `text` BYTES [-1, 1] -> `upper` BYTES
[-1, 1], upper-cased, and `length` INT64 [-1, 1], UTF-8 byte length), STRATA_OIP_DEPLOYMENT (a canary deployment of `linear`, sticky on the
`x-user-id` header, serving versions STRATA_OIP_CANARY_VERSIONS, comma-separated).
"""

import json
import os
import urllib.request

import grpc
import numpy as np
import tritonclient.grpc as grpcclient
from compat_util import check, done, step
from tritonclient.grpc import service_pb2, service_pb2_grpc
from tritonclient.utils import InferenceServerException

address = os.environ["STRATA_OIP_GRPC"]
rest = os.environ["STRATA_OIP_URL"]
model = os.environ["STRATA_OIP_MODEL"]
int64_model = os.environ["STRATA_OIP_INT64_MODEL"]
bytes_model = os.environ["STRATA_OIP_BYTES_MODEL"]
deployment = os.environ["STRATA_OIP_DEPLOYMENT"]
canary_versions = set(os.environ["STRATA_OIP_CANARY_VERSIONS"].split(","))
client = grpcclient.InferenceServerClient(url=address)

rng = np.random.default_rng(11)


def expected(x):
    x = x.astype(np.float32)
    return (np.float32(0.5) + x[:, 0] + np.float32(2) * x[:, 1] + np.float32(3) * x[:, 2]).reshape(-1, 1)


def rows(n):
    return rng.normal(size=(n, 3)).astype(np.float32)


def features(x):
    i = grpcclient.InferInput("features", list(x.shape), "FP32")
    i.set_data_from_numpy(x)  # raw_input_contents: the client's only way
    return i


def expect_server_error(fn, status, message):
    try:
        fn()
    except InferenceServerException as e:
        check(e.status() == status, f"expected status {status}", e.status())
        check(e.message() == message, f"expected the message {message!r}", e.message())
        return
    raise AssertionError(f"expected InferenceServerException {status}, but the call succeeded")


with step("server live, ready and metadata"):
    check(client.is_server_live(), "is_server_live")
    check(client.is_server_ready(), "is_server_ready")
    meta = client.get_server_metadata(as_json=True)
    check(meta["name"] == "strata", "server name", meta)

with step("model ready and metadata, versioned and not"):
    check(client.is_model_ready(model), "is_model_ready")
    check(client.is_model_ready(model, "1"), "is_model_ready version 1")
    check(not client.is_model_ready(model, "9"), "version 9 is not ready")
    check(not client.is_model_ready("no-such-model"), "an unknown model is not ready")
    m = client.get_model_metadata(model)
    check(m.platform == "onnxruntime_onnx", "platform", m)
    check(list(m.versions) == ["1"], "versions", m)
    check([(t.name, t.datatype, list(t.shape)) for t in m.inputs] == [("features", "FP32", [-1, 3])], "inputs", m)
    check([(t.name, t.datatype, list(t.shape)) for t in m.outputs] == [("prediction", "FP32", [-1, 1])], "outputs", m)
    j = client.get_model_metadata(int64_model, "1", as_json=True)
    check(j["inputs"] == [{"name": "ids", "datatype": "INT64", "shape": ["-1", "2"]}], "INT64 inputs (json)", j)

with step("infer FP32 with raw contents (the client's default)"):
    x = rows(5)
    r = client.infer(model, [features(x)])
    check(np.allclose(r.as_numpy("prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions", r.as_numpy("prediction"))
    resp = r.get_response()
    check(resp.model_version == "1", "model_version", resp.model_version)
    check(len(resp.raw_output_contents) == 1, "answered as raw_output_contents", resp)
    check(len(resp.parameters["prediction_id"].string_param) == 29, "prediction_id parameter", resp.parameters)

with step("infer INT64 with raw contents, exact beyond 2^53, requested output, request id, pinned version"):
    ids = np.array([[2**60 + 3, 1], [-5, 2], [2**62, 2**61]], dtype=np.int64)
    i = grpcclient.InferInput("ids", [3, 2], "INT64")
    i.set_data_from_numpy(ids)
    out = grpcclient.InferRequestedOutput("sum")
    r = client.infer(int64_model, [i], model_version="1", outputs=[out], request_id="grpc-req-7")
    check(r.get_response().id == "grpc-req-7", "id echoed", r.get_response().id)
    check([o.name for o in r.get_response().outputs] == ["sum"], "only the requested output", r.get_response())
    got = r.as_numpy("sum")
    check(got.dtype == np.int64 and got.tolist() == ids.sum(axis=1, keepdims=True).tolist(), "exact sums", got)

stub = service_pb2_grpc.GRPCInferenceServiceStub(grpc.insecure_channel(address))

with step("infer FP32 and INT64 with typed contents"):
    # tritonclient sends only raw contents; typed requests go through its generated stub, and are
    # answered in typed contents (InferResult.as_numpy reads only raw outputs, so read them here)
    x = rows(3)
    req = service_pb2.ModelInferRequest(model_name=model)
    t = req.inputs.add(name="features", datatype="FP32", shape=[3, 3])
    t.contents.fp32_contents.extend(x.flatten().tolist())
    response = stub.ModelInfer(req)
    check(len(response.raw_output_contents) == 0, "typed request, typed answer", response)
    (out,) = response.outputs
    check((out.name, out.datatype, list(out.shape)) == ("prediction", "FP32", [3, 1]), "output", out)
    got = np.array(out.contents.fp32_contents, dtype=np.float32).reshape(3, 1)
    check(np.allclose(got, expected(x), rtol=1e-5, atol=1e-5), "typed FP32 predictions", got)
    req = service_pb2.ModelInferRequest(model_name=int64_model)
    t = req.inputs.add(name="ids", datatype="INT64", shape=[2, 2])
    t.contents.int64_contents.extend([2**60 + 3, 1, -5, 2])
    outputs = {o.name: o for o in stub.ModelInfer(req).outputs}
    check(list(outputs["sum"].contents.int64_contents) == [2**60 + 4, -3], "typed INT64 sums", outputs["sum"])
    check(list(outputs["half"].contents.fp64_contents) == [float(2**60 + 4) / 2, -1.5], "typed FP64", outputs["half"])

with step("infer BYTES with raw and typed contents (UTF-8, empty and multi-byte strings)"):
    words = ["héllo wörld", "", "日本語", "plain"]
    text = np.array([[w.encode("utf-8")] for w in words], dtype=np.object_)
    i = grpcclient.InferInput("text", list(text.shape), "BYTES")
    i.set_data_from_numpy(text)  # raw: each element a 4-byte little-endian length, then its bytes
    r = client.infer(bytes_model, [i])
    upper = r.as_numpy("upper")
    check(upper.dtype == np.object_ and upper.shape == (4, 1), "BYTES output shape", upper)
    check([u.decode("utf-8") for u in upper.flatten()] == [w.upper() for w in words], "upper-cased", upper)
    length = r.as_numpy("length")
    check(length.flatten().tolist() == [len(w.encode("utf-8")) for w in words], "UTF-8 byte lengths", length)
    req = service_pb2.ModelInferRequest(model_name=bytes_model)
    t = req.inputs.add(name="text", datatype="BYTES", shape=[2, 1])
    t.contents.bytes_contents.extend([b"grpc", "ünïcode".encode("utf-8")])
    outputs = {o.name: o for o in stub.ModelInfer(req).outputs}
    check(list(outputs["upper"].contents.bytes_contents) == [b"GRPC", "ÜNÏCODE".encode("utf-8")], "typed BYTES", outputs["upper"])
    check(list(outputs["length"].contents.int64_contents) == [4, 9], "typed lengths", outputs["length"])

with step("concurrent async_infer calls each get their own rows"):
    xs = [rows(int(n)) for n in rng.integers(1, 20, size=24)]
    results = {}
    for k, x in enumerate(xs):
        client.async_infer(model, [features(x)], callback=lambda result, error, k=k: results.__setitem__(k, (result, error)))
    import time

    deadline = time.monotonic() + 60
    while len(results) < len(xs) and time.monotonic() < deadline:
        time.sleep(0.01)
    check(len(results) == len(xs), "every callback ran", len(results))
    for k, x in enumerate(xs):
        result, error = results[k]
        check(error is None, "no error", error)
        check(np.allclose(result.as_numpy("prediction"), expected(x), rtol=1e-5, atol=1e-5), f"predictions of call {k}")

with step("client mistakes: exact status codes and messages"):
    wrong = grpcclient.InferInput("features", [2, 3], "FP64")
    wrong.set_data_from_numpy(rows(2).astype(np.float64))
    expect_server_error(
        lambda: client.infer(model, [wrong]),
        "StatusCode.INVALID_ARGUMENT",
        'input "features" has datatype FP64 but the model expects FP32',
    )
    bad_shape = grpcclient.InferInput("features", [2, 4], "FP32")
    bad_shape.set_data_from_numpy(rng.normal(size=(2, 4)).astype(np.float32))
    expect_server_error(
        lambda: client.infer(model, [bad_shape]),
        "StatusCode.INVALID_ARGUMENT",
        'input "features" has shape [2,4] but the model expects [-1,3] (-1 = any size)',
    )
    served = ", ".join([model, int64_model, bytes_model, deployment])  # plain deployments, then routed ones
    expect_server_error(
        lambda: client.infer("no-such-model", [features(rows(1))]),
        "StatusCode.NOT_FOUND",
        f'model "no-such-model" is not served (served: {served})',
    )
    expect_server_error(
        lambda: client.get_model_metadata("no-such-model"),
        "StatusCode.NOT_FOUND",
        f'model "no-such-model" is not served (served: {served})',
    )

with step("a canary deployment answers over gRPC naming the version that answered, as REST does"):
    seen = set()
    for u in range(16):
        user = f"user-{u}"
        x = rows(1)
        r = client.infer(deployment, [features(x)], headers={"x-user-id": user})
        version = r.get_response().model_version
        check(version in canary_versions, "a version of the deployment answered", version)
        check(np.allclose(r.as_numpy("prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions")
        # the raw stub shows the answer's headers (initial metadata)
        req = service_pb2.ModelInferRequest(model_name=deployment)
        req.inputs.add(name="features", datatype="FP32", shape=[1, 3]).contents.fp32_contents.extend([1, 2, 3])
        response, call = stub.ModelInfer.with_call(req, metadata=[("x-user-id", user)])
        headers = dict(call.initial_metadata())
        check(response.model_version == version, "the sticky user gets the same version", response.model_version)
        check(headers.get("strata-model-version") == version, "strata-model-version header", headers)
        # REST, same user: the same version, revision and role
        body = json.dumps({"inputs": [{"name": "features", "datatype": "FP32", "shape": [1, 3], "data": [1, 2, 3]}]})
        http = urllib.request.Request(
            f"http://{rest}/v2/models/{deployment}/infer",
            data=body.encode(),
            headers={"content-type": "application/json", "x-user-id": user},
        )
        with urllib.request.urlopen(http) as res:
            rest_version = json.loads(res.read())["model_version"]
            check(rest_version == version, "REST answers the same user with the same version", rest_version)
            for h in ["strata-model-version", "strata-deployment-revision", "strata-deployment-role"]:
                check(res.headers.get(h) == headers.get(h), f"{h} as over REST", (res.headers.get(h), headers.get(h)))
        seen.add(version)
    check(seen == canary_versions, "both versions answered some users", seen)

client.close()
done()
