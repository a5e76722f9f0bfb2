"""The peers of bench/pipeline-local.bench.ts: the same DAG shapes of no-op steps on Prefect 3
(@flow/@task, local, its default thread-pool task runner and ephemeral API) and Dagster
(execute_in_process). One framework per process; prints one JSON line per case, like the
Strata bench, so the two can be put side by side in bench/RESULTS.md.

    PY=$(scripts/python-env.sh --pipelines-bench)
    $PY bench/pipeline-peers.bench.py prefect --chain 100 --fanout 1000 --cached 100
    $PY bench/pipeline-peers.bench.py dagster --chain 100 --fanout 1000

Shapes (the same as the Strata bench):
- chain: N steps, each reading the previous one's output (x + 1);
- fan-out: one root, N mapped no-op steps, one fan-in reading all of them (Prefect `task.map`,
  Dagster `DynamicOut` + `.map().collect()`, Strata `mapStep` over a list);
- cached re-run: a chain of N steps run twice with input-keyed caching; the second run is
  timed (Prefect `cache_policy=INPUTS + TASK_SOURCE`; Dagster has no cross-run cache of op
  outputs in `execute_in_process`, so it is reported as not applicable).

Each framework first runs a 2-step warm-up (Prefect starts its ephemeral API server then), which
is reported separately and not counted in the cases. Benchmark only: never run in CI.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time


def rss_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def report(case: str, steps: int, seconds: float) -> None:
    print(
        json.dumps(
            {
                "case": case,
                "steps": steps,
                "wallMs": round(seconds * 1000),
                "perStepMs": round(seconds * 1000 / steps, 3),
                "peakRssMiB": rss_mib(),
            }
        ),
        flush=True,
    )


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench_prefect(args) -> None:
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="prefect-bench-"))
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # The ephemeral API server starts in a subprocess; on a loaded machine it needs longer than 20 s.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    import prefect
    from prefect import flow, task
    from prefect.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE

    @task(cache_policy=NO_CACHE)
    def inc(x: int) -> int:
        return x + 1

    @task(cache_policy=NO_CACHE)
    def leaf(root: int, i: int) -> int:
        return root + i

    @task(cache_policy=NO_CACHE)
    def collect(xs: list) -> int:
        return len(xs)

    @task(cache_policy=INPUTS + TASK_SOURCE, persist_result=True)
    def cached_inc(x: int) -> int:
        return x + 1

    @flow
    def chain(n: int) -> int:
        x = 0
        for _ in range(n):
            x = inc(x)
        return x

    @flow
    def fanout(n: int) -> int:
        root = inc(0)
        futures = leaf.map(root, range(n))
        return collect(futures)

    @flow
    def cached(n: int) -> int:
        x = 0
        for _ in range(n):
            x = cached_inc(x)
        return x

    print(json.dumps({"framework": "prefect", "version": prefect.__version__}), flush=True)
    _, s = timed(lambda: chain(2))
    print(json.dumps({"case": "warm-up (2 steps; starts the ephemeral API)", "wallMs": round(s * 1000)}), flush=True)
    out, s = timed(lambda: chain(args.chain))
    assert out == args.chain, out
    report(f"chain of {args.chain} no-op steps", args.chain, s)
    out, s = timed(lambda: fanout(args.fanout))
    assert out == args.fanout, out
    report(f"fan-out of {args.fanout} no-op steps + fan-in", args.fanout + 2, s)
    cached(args.cached)
    out, s = timed(lambda: cached(args.cached))
    assert out == args.cached, out
    report(f"fully cached re-run of a {args.cached}-step chain", args.cached, s)


def bench_dagster(args) -> None:
    import dagster
    from dagster import DagsterInstance, DynamicOut, DynamicOutput, job, op

    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}

    def chain_job(n: int):
        @op
        def s0() -> int:
            return 0

        def inc_op(i: int):
            @op(name=f"s{i}")
            def inc(x: int) -> int:
                return x + 1

            return inc

        incs = [inc_op(i) for i in range(1, n)]

        @job(name=f"chain{n}")
        def chain():
            x = s0()
            for o in incs:
                x = o(x)

        return chain

    def fanout_job(n: int):
        @op(out=DynamicOut())
        def root():
            for i in range(n):
                yield DynamicOutput(i, mapping_key=str(i))

        @op
        def leaf(x: int) -> int:
            return x + 1

        @op
        def collect(xs: list) -> int:
            return len(xs)

        @job(name=f"fanout{n}")
        def fanout():
            collect(root().map(leaf).collect())

        return fanout

    print(json.dumps({"framework": "dagster", "version": dagster.__version__}), flush=True)
    with DagsterInstance.ephemeral() as instance:
        warm = chain_job(2)
        _, s = timed(lambda: warm.execute_in_process(run_config=quiet, instance=instance))
        print(json.dumps({"case": "warm-up (2 steps)", "wallMs": round(s * 1000)}), flush=True)
        c = chain_job(args.chain)
        result, s = timed(lambda: c.execute_in_process(run_config=quiet, instance=instance))
        assert result.success and result.output_for_node(f"s{args.chain - 1}") == args.chain - 1
        report(f"chain of {args.chain} no-op steps", args.chain, s)
        f = fanout_job(args.fanout)
        result, s = timed(lambda: f.execute_in_process(run_config=quiet, instance=instance))
        assert result.success and result.output_for_node("collect") == args.fanout
        report(f"fan-out of {args.fanout} no-op steps + fan-in", args.fanout + 2, s)
    print(
        json.dumps(
            {
                "case": f"fully cached re-run of a {args.cached}-step chain",
                "notApplicable": "execute_in_process has no cross-run cache of op outputs",
            }
        ),
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("framework", choices=["prefect", "dagster"])
    p.add_argument("--chain", type=int, default=100)
    p.add_argument("--fanout", type=int, default=1000)
    p.add_argument("--cached", type=int, default=100)
    args = p.parse_args()
    print(json.dumps({"loadavg": os.getloadavg(), "python": sys.version.split()[0]}), flush=True)
    (bench_prefect if args.framework == "prefect" else bench_dagster)(args)
    print(json.dumps({"loadavg": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
