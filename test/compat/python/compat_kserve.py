"""KServe's own inference clients (`kserve.InferenceRESTClient` with the v2 protocol and
`kserve.InferenceGRPCClient`) against `strata server --grpc-port ...`.

KServe's client and tritonclient both register the `inference.*` protobuf messages, so they
cannot share a process: this script imports only kserve.

Env: STRATA_OIP_URL (http://host:port of the REST server), STRATA_OIP_GRPC (host:port of the
gRPC server), STRATA_OIP_MODEL (`linear`: prediction = 0.5 + x0 + 2*x1 + 3*x2 over `features`
FP32 [-1, 3], version 1), STRATA_OIP_INT64_MODEL (`sums`: `ids` INT64 [-1, 2] -> `sum` INT64
[-1, 1] and `half` FP64 [-1, 1]), STRATA_OIP_BYTES_MODEL (`echo`: `text` BYTES [-1, 1] -> `upper`
BYTES [-1, 1] and `length` INT64 [-1, 1]).
"""

import asyncio
import os

import grpc
import httpx
import numpy as np
from compat_util import check, done, step
from kserve import InferenceGRPCClient, InferenceRESTClient, InferInput, InferRequest, RESTConfig
from kserve.protocol.infer_type import RequestedOutput

rest_url = os.environ["STRATA_OIP_URL"]
grpc_url = os.environ["STRATA_OIP_GRPC"]
model = os.environ["STRATA_OIP_MODEL"]
int64_model = os.environ["STRATA_OIP_INT64_MODEL"]
bytes_model = os.environ["STRATA_OIP_BYTES_MODEL"]

rng = np.random.default_rng(17)


def expected(x):
    x = x.astype(np.float32)
    return (np.float32(0.5) + x[:, 0] + np.float32(2) * x[:, 1] + np.float32(3) * x[:, 2]).reshape(-1, 1)


def rows(n):
    return rng.normal(size=(n, 3)).astype(np.float32)


def features(x, binary=False):
    i = InferInput("features", list(x.shape), "FP32")
    i.set_data_from_numpy(x, binary_data=binary)
    return i


def output(response, name):
    (o,) = [o for o in response.outputs if o.name == name]
    return o.as_numpy()


async def rest_infer(client, request):
    """`client.infer`, with the server's answer in the error when it is not a success."""
    try:
        return await client.infer(rest_url, request, model_name=request.model_name)
    except httpx.HTTPStatusError as e:
        raise AssertionError(f"{e.response.status_code} from {e.request.url}: {e.response.text}") from e


async def rest_steps(client):
    with step("REST: server live and ready, model ready (known, unknown)"):
        check(await client.is_server_live(rest_url), "is_server_live")
        check(await client.is_server_ready(rest_url), "is_server_ready")
        check(await client.is_model_ready(rest_url, model), "is_model_ready")
        check(not await client.is_model_ready(rest_url, "no-such-model"), "an unknown model is not ready")

    with step("REST: infer FP32 as JSON, request id echoed, prediction id in the parameters"):
        x = rows(4)
        r = await rest_infer(client, InferRequest(model, [features(x)], request_id="ks-rest-1"))
        check(r.id == "ks-rest-1", "id echoed", r.id)
        # (KServe's REST client does not read `model_version` from a v2 answer; gRPC checks it)
        check(len(str((r.parameters or {}).get("prediction_id", ""))) == 29, "prediction_id parameter", r.parameters)
        check(np.allclose(output(r, "prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions", output(r, "prediction"))

    with step("REST: infer with binary tensor data in and out"):
        x = rows(6)
        request = InferRequest(
            model, [features(x, binary=True)], request_outputs=[RequestedOutput("prediction", parameters={"binary_data": True})]
        )
        r = await rest_infer(client, request)
        check(np.allclose(output(r, "prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions", output(r, "prediction"))

    with step("REST: INT64 beyond 2^53 as binary data (refused as JSON), BYTES (UTF-8, empty, multi-byte) as JSON"):
        ids = np.array([[2**60 + 3, 1], [-5, 2]], dtype=np.int64)
        i = InferInput("ids", [2, 2], "INT64")
        i.set_data_from_numpy(ids, binary_data=True)
        try:
            await client.infer(rest_url, InferRequest(int64_model, [i]), model_name=int64_model)
            raise AssertionError("an INT64 beyond 2^53 was answered as a JSON number")
        except httpx.HTTPStatusError as e:
            check(e.response.status_code == 400, "status 400", e.response.status_code)
            check("request it with binary_data: true" in e.response.text, "says how to get it exactly", e.response.text)
        binary = [RequestedOutput("sum", parameters={"binary_data": True})]
        r = await rest_infer(client, InferRequest(int64_model, [i], request_outputs=binary))
        got = output(r, "sum")
        check(got.dtype == np.int64 and got.tolist() == ids.sum(axis=1, keepdims=True).tolist(), "exact INT64 sums", got)
        words = ["héllo wörld", "", "日本語"]
        t = InferInput("text", [3, 1], "BYTES")
        t.set_data_from_numpy(np.array([[w.encode("utf-8")] for w in words], dtype=np.object_), binary_data=False)
        r = await rest_infer(client, InferRequest(bytes_model, [t]))
        upper = [u.decode("utf-8") if isinstance(u, bytes) else u for u in output(r, "upper").flatten()]
        check(upper == [w.upper() for w in words], "upper-cased", upper)

    with step("REST: concurrent calls each get their own rows"):
        xs = [rows(int(n)) for n in rng.integers(1, 20, size=24)]
        answers = await asyncio.gather(
            *(rest_infer(client, InferRequest(model, [features(x)])) for x in xs)
        )
        for k, (x, r) in enumerate(zip(xs, answers)):
            check(np.allclose(output(r, "prediction"), expected(x), rtol=1e-5, atol=1e-5), f"predictions of call {k}")

    with step("REST: client mistakes are 400 with the server's message, unknown models 404"):
        wrong = InferInput("features", [2, 3], "FP64")
        wrong.set_data_from_numpy(rows(2).astype(np.float64), binary_data=False)
        try:
            await client.infer(rest_url, InferRequest(model, [wrong]), model_name=model)
            raise AssertionError("a FP64 input was accepted")
        except httpx.HTTPStatusError as e:
            check(e.response.status_code == 400, "status 400", e.response.status_code)
            check(
                e.response.json() == {"error": 'input "features" has datatype FP64 but the model expects FP32'},
                "the server's message",
                e.response.text,
            )
        try:
            await client.infer(rest_url, InferRequest("no-such-model", [features(rows(1))]), model_name="no-such-model")
            raise AssertionError("an unknown model answered")
        except httpx.HTTPStatusError as e:
            check(e.response.status_code == 404, "status 404", e.response.status_code)
            check('"no-such-model"' in e.response.json()["error"], "names the model", e.response.text)


async def grpc_steps(client):
    with step("gRPC: server live and ready, model ready (known, unknown)"):
        check(await client.is_server_live(), "is_server_live")
        check(await client.is_server_ready(), "is_server_ready")
        check(await client.is_model_ready(model), "is_model_ready")
        try:
            ready = await client.is_model_ready("no-such-model")
            check(not ready, "an unknown model is not ready", ready)
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.NOT_FOUND, "NOT_FOUND for an unknown model", e.code())

    with step("gRPC: infer FP32 (typed contents), pinned version, requested output, request id"):
        x = rows(5)
        request = InferRequest(
            model, [features(x)], request_id="ks-grpc-1", model_version="1", request_outputs=[RequestedOutput("prediction")]
        )
        r = await client.infer(request)
        check(r.id == "ks-grpc-1", "id echoed", r.id)
        check(r.model_version == "1", "model_version", r.model_version)
        check(np.allclose(output(r, "prediction"), expected(x), rtol=1e-5, atol=1e-5), "predictions", output(r, "prediction"))

    with step("gRPC: INT64 beyond 2^53 and BYTES"):
        ids = np.array([[2**60 + 3, 1], [-5, 2], [2**62, 2**61]], dtype=np.int64)
        i = InferInput("ids", [3, 2], "INT64")
        i.set_data_from_numpy(ids)
        r = await client.infer(InferRequest(int64_model, [i]))
        got = output(r, "sum")
        check(got.dtype == np.int64 and got.tolist() == ids.sum(axis=1, keepdims=True).tolist(), "exact sums", got)
        words = ["grpc", "ünïcode", ""]
        t = InferInput("text", [3, 1], "BYTES")
        t.set_data_from_numpy(np.array([[w.encode("utf-8")] for w in words], dtype=np.object_))
        r = await client.infer(InferRequest(bytes_model, [t]))
        upper = [u.decode("utf-8") if isinstance(u, bytes) else u for u in output(r, "upper").flatten()]
        check(upper == [w.upper() for w in words], "upper-cased", upper)
        check(output(r, "length").flatten().tolist() == [len(w.encode("utf-8")) for w in words], "UTF-8 lengths")

    with step("gRPC: concurrent calls each get their own rows"):
        xs = [rows(int(n)) for n in rng.integers(1, 20, size=24)]
        answers = await asyncio.gather(*(client.infer(InferRequest(model, [features(x)])) for x in xs))
        for k, (x, r) in enumerate(zip(xs, answers)):
            check(np.allclose(output(r, "prediction"), expected(x), rtol=1e-5, atol=1e-5), f"predictions of call {k}")

    with step("gRPC: client mistakes are INVALID_ARGUMENT with the server's message, unknown models NOT_FOUND"):
        bad_shape = InferInput("features", [2, 4], "FP32")
        bad_shape.set_data_from_numpy(rng.normal(size=(2, 4)).astype(np.float32))
        try:
            await client.infer(InferRequest(model, [bad_shape]))
            raise AssertionError("a [2,4] input was accepted")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", e.code())
            check(
                e.details() == 'input "features" has shape [2,4] but the model expects [-1,3] (-1 = any size)',
                "the server's message",
                e.details(),
            )
        try:
            await client.infer(InferRequest("no-such-model", [features(rows(1))]))
            raise AssertionError("an unknown model answered")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.NOT_FOUND, "NOT_FOUND", e.code())
            check('"no-such-model"' in e.details(), "names the model", e.details())


async def main():
    rest = InferenceRESTClient(RESTConfig(protocol="v2", retries=0, timeout=60))
    try:
        await rest_steps(rest)
    finally:
        await rest.close()
    client = InferenceGRPCClient(grpc_url, retries=0)
    try:
        await grpc_steps(client)
    finally:
        await client.close()


asyncio.run(main())
done()
