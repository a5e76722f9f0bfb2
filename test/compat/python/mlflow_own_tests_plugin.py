"""pytest plugin: runs MLflow's own tracking-server integration tests against a real server.

Loaded by scripts/mlflow-own-tests.sh with ``-p mlflow_own_tests_plugin``. MLflow's test files
(tests/tracking/test_rest_tracking.py, test_model_registry.py, test_mlflow_artifacts.py; not on
PyPI, so not in this repository) run unchanged; only their server fixtures are swapped:

- ``mlflow_client`` (test_rest_tracking.py) and ``client`` (test_model_registry.py): a fresh
  server per test, as MLflow's own fixtures give each test a fresh backend store;
- ``artifacts_server`` (test_mlflow_artifacts.py): one server per module, as MLflow's.

``--target strata`` starts ``strata server`` in a fresh ``strata init --bare`` project (the
next test's server starts ahead in the background, so its start-up overlaps the running test).
``--target mlflow`` runs MLflow's server from the same venv: per test, as MLflow's own fixture
does, the app ``mlflow server`` serves (``mlflow.server.fastapi_app``) under uvicorn in this
process on a fresh SQLite store with the artifact root ``file://<dir>``; for the artifacts
module a real ``mlflow server`` process with ``--artifacts-destination``, as MLflow's.

Tests that cannot apply to any server other than MLflow's own are deselected, with their
category, before the run (NOT_APPLICABLE); the run summary prints them.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

# Test ids (file::name, parameters included) that exercise MLflow internals rather than the
# server's HTTP API; deselected for both targets and reported by category.
NOT_APPLICABLE = {
    "test_mlflow_artifacts.py::test_rest_get_model_version_artifact_api_proxied_artifact_root": (
        "writes to the server's SQLite backend store directly (MlflowClient(backend_store_uri))"
    ),
}

SWAPPED_FIXTURES = ("mlflow_client", "client", "artifacts_server")


def pytest_addoption(parser):
    parser.addoption(
        "--target",
        choices=("strata", "mlflow"),
        default=os.environ.get("MLFLOW_OWN_TARGET", "strata"),
        help="which server the tests talk to",
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    import requests

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not answer /health in {timeout}s")


class Server:
    """One running server: its URL, its process and its scratch directory."""

    def __init__(self, url: str, proc: subprocess.Popen, home: Path, artifacts_destination: str):
        self.url = url
        self.proc = proc
        self.home = home
        self.artifacts_destination = artifacts_destination

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.home, ignore_errors=True)


class _ThreadProcess:
    """The Popen-like handle of an in-process uvicorn server."""

    def __init__(self, server, thread: threading.Thread):
        self.server = server
        self.thread = thread
        self.returncode = None

    def poll(self):
        return None if self.thread.is_alive() else 0

    def send_signal(self, _sig) -> None:
        self.server.should_exit = True

    def wait(self, timeout=None):
        self.thread.join(timeout)
        self.returncode = 0
        return 0

    def kill(self) -> None:
        self.server.should_exit = True

    def terminate(self) -> None:
        self.server.should_exit = True


class Launcher:
    """Starts servers of one target; keeps the next one starting in the background."""

    def __init__(self, target: str):
        self.target = target
        self.strata_bin = os.environ.get("STRATA_BIN")
        if target == "strata" and not self.strata_bin:
            raise pytest.UsageError("STRATA_BIN (the path of bin/strata.js) is not set")
        self._template: Path | None = None
        self._ahead: dict[str, tuple[threading.Thread, list]] = {}
        self._lock = threading.Lock()

    # -- strata ---------------------------------------------------------------------------
    def _strata_template(self) -> Path:
        with self._lock:
            if self._template is None:
                tpl = Path(tempfile.mkdtemp(prefix="mlflow-own-strata-template-"))
                subprocess.run(
                    ["node", self.strata_bin, "-C", str(tpl), "init", "--bare"],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                self._template = tpl
            return self._template

    def _start_strata(self, kind: str) -> Server:
        home = Path(tempfile.mkdtemp(prefix="mlflow-own-strata-"))
        project = home / "project"
        shutil.copytree(self._strata_template(), project)
        text = (project / "strata.config.ts").read_text()
        (project / "strata.config.ts").write_text(
            re.sub(r"project: '[^']*'", "project: 'mlflow-own'", text)
        )
        log = home / "server.log"
        out = open(log, "w")
        proc = subprocess.Popen(
            ["node", self.strata_bin, "-C", str(project), "--json", "server", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
        )
        url = None
        buf = ""
        deadline = time.time() + 180
        while url is None and time.time() < deadline:
            line = proc.stdout.readline()
            if line == "" and proc.poll() is not None:
                raise RuntimeError(f"strata server exited:\n{buf}{log.read_text()[-4000:]}")
            buf += line
            found = re.search(r'"url":\s*"(http[^"]+)"', buf)
            if found:
                url = found.group(1)
        if url is None:
            raise RuntimeError(f"strata server did not print its URL:\n{buf}")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        # The blob store's artifact prefix; Strata's file blob store is not a mirror of the
        # artifact paths, so tests reading files there see Strata's layout, not MLflow's.
        dest = str(project / ".strata" / "blobs" / "artifacts")
        return Server(url.rstrip("/"), proc, home, dest)

    # -- mlflow ---------------------------------------------------------------------------
    def _mlflow_template_db(self) -> Path:
        with self._lock:
            if self._template is None:
                from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

                tpl = Path(tempfile.mkdtemp(prefix="mlflow-own-mlflow-template-"))
                store = SqlAlchemyStore(f"sqlite:///{tpl / 'mlflow.db'}", (tpl / "a").as_uri())
                store.engine.dispose()
                self._template = tpl
            return self._template / "mlflow.db"

    def _start_mlflow(self, kind: str, artifact_root: Path | None) -> Server:
        home = Path(tempfile.mkdtemp(prefix="mlflow-own-mlflow-"))
        if kind != "artifacts":
            return self._start_mlflow_app(home, artifact_root or home / "artifacts")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        dest = str(home / "mlartifacts")
        args = [
            os.path.join(os.path.dirname(sys.executable), "mlflow"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{home / 'mlflow.db'}",
            "--default-artifact-root",
            f"{url}/api/2.0/mlflow-artifacts/artifacts",
            "--artifacts-destination",
            dest,
        ]
        log = home / "server.log"
        proc = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT)
        _wait_http(url, proc, log)
        return Server(url, proc, home, dest)

    def _start_mlflow_app(self, home: Path, artifact_root: Path) -> Server:
        """`mlflow server`'s own app (mlflow.server.fastapi_app, which `mlflow server` runs
        under uvicorn) in this process on a fresh SQLite store, as MLflow's fixtures do: a new
        process per test costs tens of seconds on a loaded machine."""
        import uvicorn
        from mlflow.server import handlers
        from mlflow.server.fastapi_app import app
        from mlflow.server.handlers import initialize_backend_stores

        shutil.copy(self._mlflow_template_db(), home / "mlflow.db")
        handlers._tracking_store = None
        handlers._model_registry_store = None
        # MLflow's fixtures: initialize_backend_stores(..., default_artifact_root=tmp_path)
        dest = str(artifact_root)
        initialize_backend_stores(
            f"sqlite:///{home / 'mlflow.db'}", default_artifact_root=Path(dest).as_uri()
        )
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        proc = _ThreadProcess(server, thread)
        url = f"http://127.0.0.1:{port}"
        _wait_http(url, proc, home / "none.log")
        return Server(url, proc, home, dest)

    # -- pool -----------------------------------------------------------------------------
    def _start(self, kind: str, artifact_root: Path | None = None) -> Server:
        if self.target == "strata":
            return self._start_strata(kind)
        return self._start_mlflow(kind, artifact_root)

    def _start_ahead(self, kind: str) -> None:
        box: list = []

        def run():
            try:
                box.append(self._start(kind))
            except BaseException as err:  # reported when the server is taken
                box.append(err)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._ahead[kind] = (thread, box)

    def take(self, kind: str, artifact_root: Path | None = None) -> Server:
        """A fresh server; `artifact_root` is the test's tmp_path, MLflow's fixtures' root."""
        ahead = self._ahead.pop(kind, None)
        if ahead is None:
            server = self._start(kind, artifact_root)
        else:
            thread, box = ahead
            thread.join()
            if isinstance(box[0], BaseException):
                raise box[0]
            server = box[0]
        # MLflow's app keeps its stores in module globals: one at a time, no start ahead.
        if kind == "client" and self.target == "strata":
            self._start_ahead(kind)
        return server

    def close(self) -> None:
        for thread, box in self._ahead.values():
            thread.join()
            if box and isinstance(box[0], Server):
                box[0].stop()
        self._ahead.clear()
        if self._template is not None:
            shutil.rmtree(self._template, ignore_errors=True)


_launcher: Launcher | None = None


def _get_launcher(config) -> Launcher:
    global _launcher
    if _launcher is None:
        _launcher = Launcher(config.getoption("--target"))
    return _launcher


def pytest_unconfigure(config):
    if _launcher is not None:
        _launcher.close()


# -- the swapped fixtures -----------------------------------------------------------------


@pytest.fixture(name="mlflow_client")
def _mlflow_client(request, tmp_path):
    from mlflow import MlflowClient

    server = _get_launcher(request.config).take("client", tmp_path)
    try:
        yield MlflowClient(server.url)
    finally:
        server.stop()


@pytest.fixture(name="client")
def _registry_client(request, tmp_path):
    from mlflow import MlflowClient

    server = _get_launcher(request.config).take("client", tmp_path / "artifacts")
    try:
        yield MlflowClient(server.url)
    finally:
        server.stop()


@pytest.fixture(name="artifacts_server", scope="module")
def _artifacts_server(request):
    module = sys.modules[request.module.__name__]
    server = _get_launcher(request.config).take("artifacts")
    try:
        yield module.ArtifactsServer(
            f"sqlite:///{server.home / 'mlflow.db'}",
            f"{server.url}/api/2.0/mlflow-artifacts/artifacts",
            server.artifacts_destination,
            server.url,
            server.proc,
        )
    finally:
        server.stop()


_SWAPS = {
    "mlflow_client": _mlflow_client,
    "client": _registry_client,
    "artifacts_server": _artifacts_server,
}


@pytest.hookimpl(wrapper=True)
def pytest_pycollect_makemodule(module_path, parent):
    """Replaces MLflow's server fixtures in the test module by the ones above."""
    module = yield
    if module is not None and module_path.name.startswith("test_"):
        obj = module.obj
        for name, fixture in _SWAPS.items():
            if name in vars(obj):
                setattr(obj, name, fixture)
    return module


@pytest.fixture(autouse=True)
def _reset_fluent_state():
    """Each test starts with no active run and the default tracking URI, as in MLflow's suite."""
    import mlflow

    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def pytest_collection_modifyitems(config, items):
    kept, dropped = [], []
    for item in items:
        key = f"{item.path.name}::{item.originalname}"
        if key in NOT_APPLICABLE:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    config._mlflow_own_dropped = [
        (f"{i.path.name}::{i.name}", NOT_APPLICABLE[f"{i.path.name}::{i.originalname}"])
        for i in dropped
    ]


_results: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
_failures: list[tuple[str, str]] = []


def pytest_runtest_logreport(report):
    name = report.nodeid.split("::")[0].rsplit("/", 1)[-1]
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcome = "skipped" if report.skipped else report.outcome
        _results[name][outcome] += 1
        if report.failed:
            _failures.append((report.nodeid, report.longreprtext.splitlines()[-1][:300]))


def pytest_terminal_summary(terminalreporter, config):
    target = config.getoption("--target")
    tr = terminalreporter
    tr.section(f"MLflow's own tests against {target}")
    total = collections.Counter()
    for name in sorted(_results):
        c = _results[name]
        total.update(c)
        tr.write_line(
            f"{name:32} passed {c['passed']:4}  failed {c['failed']:4}  skipped {c['skipped']:4}"
        )
    tr.write_line(
        f"{'total':32} passed {total['passed']:4}  failed {total['failed']:4}  "
        f"skipped {total['skipped']:4}"
    )
    for nodeid, reason in getattr(config, "_mlflow_own_dropped", []):
        tr.write_line(f"not applicable: {nodeid} ({reason})")
    summary = os.environ.get("MLFLOW_OWN_SUMMARY")
    if summary:
        Path(summary).write_text(
            json.dumps(
                {
                    "target": target,
                    "files": {k: dict(v) for k, v in _results.items()},
                    "failures": _failures,
                },
                indent=1,
            )
        )
