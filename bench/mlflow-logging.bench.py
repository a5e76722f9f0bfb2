"""Metric-logging throughput: `strata server` vs `mlflow server` (SQLite backend), same machine, one run.

Starts both servers on free loopback ports in temp directories (with `--postgres`, also a
`strata server` on Postgres metadata, in a fresh database), plus the client's floor: a server
that answers every request at once with a canned reply, so the client's own cost per call is
visible. Then, with the stock mlflow client, logs N metric values (default 100,000) to a fresh
run on each server two ways:

  log_batch   MlflowClient.log_batch with 1,000 metrics per call (MLflow's per-request limit)
  log_metric  one MlflowClient.log_metric call (one HTTP request) per value

and prints metrics/second per server, the Strata/MLflow ratio, the server time per call
(the time beyond the floor's) and the server's CPU time per call (user + system of the server
process and its children, read from /proc: unlike wall time, it hardly moves with other load
on the machine; a Postgres-backed server's database processes are not counted), as a Markdown
table plus one JSON line. The work is split into interleaved rounds (Strata, MLflow, MLflow, Strata, …) so that
other load on the machine falls on both alike. Before each timed round the bench waits until no
server uses the CPU (`settle`): `mlflow server` keeps working for seconds after a round of
`log_batch`, and that work would otherwise be timed against whichever server comes next. Every
run's metric history is read back and counted, so a server that drops values cannot win.

Usage (needs the full `mlflow` package for `mlflow server`):

    python=$(scripts/python-env.sh --full)
    npm run build
    $python bench/mlflow-logging.bench.py [--count 100000] [--metric-count N] [--batch 1000] [--rounds 20] \
        [--postgres postgres://postgres@127.0.0.1:54330/postgres] [--no-floor]

`mlflow server` runs on SQLite only: its Postgres backend needs psycopg2, which the full venv
does not hold.
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


def tree_cpu_seconds(pid):
    """User + system CPU seconds of a process and its live descendants (Linux /proc)."""
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = int(fields[11]) + int(fields[12])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(cpu.get(p, 0) for p in tree) / os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, proc, what, timeout=600):
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


def start_strata(workdir, metadata_url=None, name="strata"):
    project = os.path.join(workdir, name)
    os.makedirs(project)
    node = shutil.which("node") or "node"
    cli = os.path.join(ROOT, "bin", "strata.js")
    env = dict(os.environ)
    if metadata_url:
        env["STRATA_METADATA_URL"] = metadata_url
    subprocess.run([node, cli, "-C", project, "init"], check=True, stdout=subprocess.DEVNULL, env=env)
    port = free_port()
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    proc = subprocess.Popen([node, cli, "-C", project, "server", "--port", str(port)], stdout=log, stderr=log, env=env)
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


# The client's floor: answers each MLflow call at once (run and experiment ids canned), so the
# time the client spends against it is the client's own (serialization, HTTP, retries logic).
FLOOR_SERVER = r"""
const http = require('node:http')
const run = JSON.stringify({ run: { info: { run_id: 'f'.repeat(32), run_uuid: 'f'.repeat(32), experiment_id: '1',
  run_name: 'floor', user_id: 'bench', status: 'RUNNING', start_time: 0, artifact_uri: 'mlflow-artifacts:/1',
  lifecycle_stage: 'active' }, data: {}, inputs: {} } })
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    const body = req.url.startsWith('/health') ? 'OK'
      : req.url.includes('/runs/create') ? run
      : req.url.includes('/experiments/create') ? '{"experiment_id":"1"}' : '{}'
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
})
server.keepAliveTimeout = 60000
server.listen(Number(process.argv[1]), '127.0.0.1')
"""


def start_floor(workdir):
    port = free_port()
    log = open(os.path.join(workdir, "floor.log"), "w")
    proc = subprocess.Popen([shutil.which("node") or "node", "-e", FLOOR_SERVER, str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, "floor server")
    return proc, url


def fresh_postgres_database(admin_url, name):
    """Creates (or recreates) database `name` through `psql` on the server of `admin_url`."""
    for sql in (f"drop database if exists {name}", f"create database {name}"):
        subprocess.run(["psql", admin_url, "-qc", sql], check=True, stdout=subprocess.DEVNULL)
    return admin_url.rsplit("/", 1)[0] + "/" + name


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

    def __init__(self, label, url, pid):
        from mlflow import MlflowClient

        self.label = label
        self.pid = pid
        self.cpu = {"log_batch": 0.0, "log_metric": 0.0}
        self.client = MlflowClient(tracking_uri=url)
        self.experiment = self.client.create_experiment(f"bench-{label}-{int(time.time() * 1000)}")
        self.runs = {}
        self.seconds = {"log_batch": 0.0, "log_metric": 0.0}
        self.calls = {"log_batch": 0, "log_metric": 0}

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
            self.calls[method] += len(batches)
            cpu0, t0 = tree_cpu_seconds(self.pid), time.perf_counter()
            for metrics in batches:
                self.client.log_batch(run_id, metrics=metrics, synchronous=True)
        else:
            self.calls[method] += stop - start
            cpu0, t0 = tree_cpu_seconds(self.pid), time.perf_counter()
            for i in range(start, stop):
                self.client.log_metric(run_id, "loss", 1.0 / (i + 1), timestamp=base_ts + i, step=i, synchronous=True)
        self.seconds[method] += time.perf_counter() - t0
        self.cpu[method] += tree_cpu_seconds(self.pid) - cpu0

    def verify(self, method, count):
        if self.label == "floor":
            return
        got = len(self.client.get_metric_history(self.run_id(method), "loss"))
        if got != count:
            raise RuntimeError(f"{self.label}: {method} stored {got} values, expected {count}")


def warm_up(target, batch_size):
    """One untimed log_batch and a few log_metric calls to a run of their own, so that first-call
    costs (lazy module loads, statement preparation, JIT) stay out of every server's figures."""
    from mlflow.entities import Metric

    run_id = target.client.create_run(target.experiment, run_name="warm-up").info.run_id
    target.client.log_batch(run_id, metrics=[Metric("loss", 1.0, 0, i) for i in range(batch_size)], synchronous=True)
    for i in range(WARM_UP_CALLS):
        target.client.log_metric(run_id, "loss", 1.0, timestamp=0, step=i, synchronous=True)


WARM_UP_CALLS = 300


def settle(targets, quiet_ms=20, window=0.5, timeout=60.0):
    """Waits until the servers' process trees used at most `quiet_ms` of CPU in the last `window`
    seconds (at most `timeout`), so one server's leftover work is not timed against another."""
    start = time.monotonic()
    while time.monotonic() < start + timeout:
        before = sum(tree_cpu_seconds(t.pid) for t in targets)
        time.sleep(window)
        if (sum(tree_cpu_seconds(t.pid) for t in targets) - before) * 1000 <= quiet_ms:
            break
    waited = time.monotonic() - start
    if waited > 2 * window:
        print(f"waited {waited:.1f} s for the servers to settle", file=sys.stderr, flush=True)


def run_workload(targets, counts, batch_size, rounds):
    """Logs `counts[method]` values per method to every target, in interleaved rounds so that
    background load on the machine falls on both servers alike (the order alternates each round)."""
    for target in targets:
        warm_up(target, batch_size)
    base_ts = int(time.time() * 1000)
    for method in ("log_batch", "log_metric"):
        count = counts[method]
        per_round = -(-count // rounds)
        for r, start in enumerate(range(0, count, per_round)):
            stop = min(start + per_round, count)
            for target in targets if r % 2 == 0 else list(reversed(targets)):
                settle(targets)
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
    parser.add_argument("--postgres", help="admin URL of a Postgres server: also runs strata server on Postgres metadata")
    parser.add_argument("--no-floor", action="store_true", help="skip the client floor (instant server)")
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
        targets = [Target("strata", strata_url, strata_proc.pid), Target("mlflow", mlflow_url, mlflow_proc.pid)]
        if args.postgres:
            pg_url = fresh_postgres_database(args.postgres, "strata_logging_bench")
            pg_proc, pg_url_http = start_strata(workdir, pg_url, "strata-pg")
            procs.append(pg_proc)
            targets.append(Target("strata-pg", pg_url_http, pg_proc.pid))
        if not args.no_floor:
            floor_proc, floor_url = start_floor(workdir)
            procs.append(floor_proc)
            targets.append(Target("floor", floor_url, floor_proc.pid))
        run_workload(targets, counts, args.batch, args.rounds)
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(workdir, ignore_errors=True)

    node_version = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    print(f"\n{counts['log_batch']:,} values with log_batch, {counts['log_metric']:,} with log_metric; mlflow {mlflow.__version__} client and server; "
          f"node {node_version}; Python {platform.python_version()}; {os.cpu_count()} CPUs; load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    by = {t.label: t for t in targets}
    floor = by.get("floor")
    print("| method | server | metrics/s | seconds | ms per call | server ms per call (beyond the floor) | server CPU ms per call | ratio to mlflow server |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    summary = {"counts": counts, "mlflow": mlflow.__version__, "load": load, "methods": {}}
    for method in ("log_batch", "log_metric"):
        m_sec = by["mlflow"].seconds[method]
        summary["methods"][method] = {}
        for t in targets:
            sec = t.seconds[method]
            calls = t.calls[method]
            per_call = sec / calls * 1000
            beyond = "" if floor is None or t is floor else f"{per_call - floor.seconds[method] / floor.calls[method] * 1000:.2f}"
            ratio = m_sec / sec
            cpu_per_call = t.cpu[method] / calls * 1000
            print(f"| {method} | {t.label} | {counts[method] / sec:,.0f} | {sec:.2f} | {per_call:.2f} | {beyond} | {cpu_per_call:.2f} | {ratio:.1f}x |")
            summary["methods"][method][t.label] = {
                "seconds": sec,
                "per_second": counts[method] / sec,
                "server_cpu_ms_per_call": cpu_per_call,
                "ratio_to_mlflow": ratio,
            }
    print()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
