"""Metric-logging throughput: `strata server` vs `mlflow server` (SQLite backend), same machine, one run.

Starts both servers on free loopback ports in temp directories, then, with the stock mlflow
client, logs N metric values (default 100,000) to a fresh run on each server two ways:

  log_batch   MlflowClient.log_batch with 1,000 metrics per call (MLflow's per-request limit)
  log_metric  one MlflowClient.log_metric call (one HTTP request) per value

and prints metrics/second per server and the Strata/MLflow ratio, as a Markdown table plus one
JSON line. The work is split into interleaved rounds (Strata, MLflow, MLflow, Strata, …) so that
other load on the machine falls on both alike. Every run's metric history is read back and
counted, so a server that drops values cannot win.

Usage (needs the full `mlflow` package for `mlflow server`):

    python=$(scripts/python-env.sh --full)
    npm run build
    $python bench/mlflow-logging.bench.py [--count 100000] [--metric-count N] [--batch 1000] [--rounds 20]
"""

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, proc, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{what} was not healthy at {url} after {timeout}s")


def start_strata(workdir):
    project = os.path.join(workdir, "strata")
    os.makedirs(project)
    node = shutil.which("node") or "node"
    cli = os.path.join(ROOT, "bin", "strata.js")
    subprocess.run([node, cli, "-C", project, "init"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    log = open(os.path.join(workdir, "strata.log"), "w")
    proc = subprocess.Popen([node, cli, "-C", project, "server", "--port", str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, "strata server")
    return proc, url


def start_mlflow(workdir):
    port = free_port()
    db = os.path.join(workdir, "mlflow.db")
    artifacts = os.path.join(workdir, "mlartifacts")
    mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
    log = open(os.path.join(workdir, "mlflow.log"), "w")
    proc = subprocess.Popen(
        [
            mlflow_bin,
            "server",
            "--backend-store-uri",
            f"sqlite:///{db}",
            "--artifacts-destination",
            artifacts,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=log,
        cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, "mlflow server")
    return proc, url


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Target:
    """One server under test: a client, a run per method, and the time spent logging to it."""

    def __init__(self, label, url):
        from mlflow import MlflowClient

        self.label = label
        self.client = MlflowClient(tracking_uri=url)
        self.experiment = self.client.create_experiment(f"bench-{label}-{int(time.time() * 1000)}")
        self.runs = {}
        self.seconds = {"log_batch": 0.0, "log_metric": 0.0}

    def run_id(self, method):
        if method not in self.runs:
            self.runs[method] = self.client.create_run(self.experiment, run_name=method).info.run_id
        return self.runs[method]

    def log(self, method, start, stop, batch_size, base_ts):
        from mlflow.entities import Metric

        run_id = self.run_id(method)
        if method == "log_batch":
            batches = [
                [Metric("loss", 1.0 / (i + 1), base_ts + i, i) for i in range(b, min(b + batch_size, stop))]
                for b in range(start, stop, batch_size)
            ]
            t0 = time.perf_counter()
            for metrics in batches:
                self.client.log_batch(run_id, metrics=metrics, synchronous=True)
        else:
            t0 = time.perf_counter()
            for i in range(start, stop):
                self.client.log_metric(run_id, "loss", 1.0 / (i + 1), timestamp=base_ts + i, step=i, synchronous=True)
        self.seconds[method] += time.perf_counter() - t0

    def verify(self, method, count):
        got = len(self.client.get_metric_history(self.run_id(method), "loss"))
        if got != count:
            raise RuntimeError(f"{self.label}: {method} stored {got} values, expected {count}")


def run_workload(targets, counts, batch_size, rounds):
    """Logs `counts[method]` values per method to every target, in interleaved rounds so that
    background load on the machine falls on both servers alike (the order alternates each round)."""
    base_ts = int(time.time() * 1000)
    for method in ("log_batch", "log_metric"):
        count = counts[method]
        per_round = -(-count // rounds)
        for r, start in enumerate(range(0, count, per_round)):
            stop = min(start + per_round, count)
            for target in targets if r % 2 == 0 else list(reversed(targets)):
                target.log(method, start, stop, batch_size, base_ts)
        for target in targets:
            target.verify(method, count)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="metric values per method (default 100000)")
    parser.add_argument(
        "--metric-count",
        type=int,
        default=None,
        help="values for the log_metric method (default: --count); one HTTP request each",
    )
    parser.add_argument("--batch", type=int, default=1000, help="metrics per log_batch call (default 1000)")
    parser.add_argument("--rounds", type=int, default=20, help="interleaved rounds per method (default 20)")
    args = parser.parse_args()

    import mlflow

    counts = {"log_batch": args.count, "log_metric": args.metric_count or args.count}
    workdir = tempfile.mkdtemp(prefix="strata-bench-")
    procs = []
    try:
        strata_proc, strata_url = start_strata(workdir)
        procs.append(strata_proc)
        mlflow_proc, mlflow_url = start_mlflow(workdir)
        procs.append(mlflow_proc)
        targets = [Target("strata", strata_url), Target("mlflow", mlflow_url)]
        run_workload(targets, counts, args.batch, args.rounds)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(workdir, ignore_errors=True)

    node_version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"\n{counts['log_batch']:,} values with log_batch, {counts['log_metric']:,} with log_metric; mlflow {mlflow.__version__} client and server; "
          f"node {node_version}; Python {platform.python_version()}; {os.cpu_count()} CPUs\n")
    print("| method | strata server (metrics/s) | mlflow server, SQLite (metrics/s) | ratio |")
    print("|---|---:|---:|---:|")
    summary = {"counts": counts, "mlflow": mlflow.__version__, "methods": {}}
    for method in ("log_batch", "log_metric"):
        s_sec, m_sec = targets[0].seconds[method], targets[1].seconds[method]
        s_rate, m_rate = counts[method] / s_sec, counts[method] / m_sec
        ratio = s_rate / m_rate
        print(f"| {method} | {s_rate:,.0f} ({s_sec:.1f} s) | {m_rate:,.0f} ({m_sec:.1f} s) | {ratio:.1f}x |")
        summary["methods"][method] = {
            "strata": {"seconds": s_sec, "per_second": s_rate},
            "mlflow": {"seconds": m_sec, "per_second": m_rate},
            "ratio": ratio,
        }
    print()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
