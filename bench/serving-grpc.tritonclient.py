"""The stock Triton clients as load generators for bench/serving-grpc.bench.ts.

tritonclient.grpc (C-core gRPC, raw contents) against tritonclient.http (JSON tensors, and the
binary tensor extension, its default) on the same `strata server`: `in_flight` threads, each
with its own client, sending the same request back to back for `seconds`. Every answer is
checked. Prints one JSON line per case.

Args: <grpc host:port> <http host:port> <seconds> <rows,...> <in_flight,...>
"""

import json
import sys
import threading
import time

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient

grpc_address, http_address, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
rows_list = [int(r) for r in sys.argv[4].split(",")]
in_flight_list = [int(n) for n in sys.argv[5].split(",")]


def batch(rows):
    x = np.zeros((rows, 3), dtype=np.float32)
    x[:, 0] = np.arange(rows) % 7
    x[:, 1] = 1
    x[:, 2] = 2
    return x


def expected(x):
    return (np.float32(0.5) + x[:, 0] + np.float32(2) * x[:, 1] + np.float32(3) * x[:, 2]).reshape(-1, 1)


def caller(transport, x):
    if transport == "gRPC":
        client = grpcclient.InferenceServerClient(grpc_address)
        i = grpcclient.InferInput("features", list(x.shape), "FP32")
        i.set_data_from_numpy(x)
    else:
        client = httpclient.InferenceServerClient(http_address)
        i = httpclient.InferInput("features", list(x.shape), "FP32")
        i.set_data_from_numpy(x, binary_data=transport == "REST binary")
    want = expected(x)
    binary_out = transport == "REST binary"

    def once():
        if transport == "gRPC":
            r = client.infer("linear", [i])
        else:
            out = httpclient.InferRequestedOutput("prediction", binary_data=binary_out)
            r = client.infer("linear", [i], outputs=[out])
        got = r.as_numpy("prediction")
        if got.shape != want.shape or not np.allclose(got, want, atol=1e-4):
            raise AssertionError(f"{transport}: wrong answer {got[:3]}")

    return once


def run(transport, rows, in_flight):
    x = batch(rows)
    # tritonclient.http runs on gevent: each thread builds (and warms up) its own client
    ready = threading.Barrier(in_flight + 1)
    go = threading.Event()
    latencies = [[] for _ in range(in_flight)]
    errors = []
    clock = {}

    def loop(k):
        try:
            once = caller(transport, x)
            for _ in range(20):
                once()  # warm-up, and a check of every client
        except Exception as e:  # noqa: BLE001 - reported below, fails the bench
            errors.append(repr(e))
        ready.wait()
        go.wait()
        if errors:
            return
        try:
            while time.perf_counter() - clock["start"] < seconds:
                t0 = time.perf_counter()
                once()
                latencies[k].append((time.perf_counter() - t0) * 1000)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=loop, args=(k,)) for k in range(in_flight)]
    for t in threads:
        t.start()
    ready.wait()
    clock["start"] = time.perf_counter()
    go.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - clock["start"]
    if errors:
        raise SystemExit(f"{transport} rows={rows} in_flight={in_flight}: {errors[0]}")
    all_ms = sorted(v for per in latencies for v in per)
    pick = lambda p: all_ms[min(len(all_ms) - 1, len(all_ms) * p // 100)]  # noqa: E731
    return {"p50": pick(50), "p99": pick(99), "rps": len(all_ms) / elapsed, "count": len(all_ms)}


for rows in rows_list:
    for in_flight in in_flight_list:
        for transport in ["REST JSON", "REST binary", "gRPC"]:
            figures = run(transport, rows, in_flight)
            print(json.dumps({"client": "tritonclient", "transport": transport, "rows": rows, "inFlight": in_flight, **figures}), flush=True)
