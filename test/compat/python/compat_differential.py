"""One sequence of stock mlflow client calls, recorded for the differential harness
(test/compat/mlflow-differential.test.ts), which runs it against a real `mlflow server` and
against `strata server` and compares the two records field by field.

Each step records the client's answer as proto JSON (MessageToDict of the entity's proto), or
the MlflowException's error_code for a failing call. Values that legitimately differ between two
servers are normalized here: generated ids become placeholders numbered by first appearance,
timestamps become "<ts>", user ids "<user>", and artifact locations keep only what follows the
server's artifact root. Prints one JSON line: [{"step", "result"} | {"step", "error"}].
"""

import json
import os
import re
import time
import warnings

warnings.filterwarnings("ignore")

from google.protobuf.json_format import MessageToDict  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

client = MlflowClient(tracking_uri=os.environ["MLFLOW_TRACKING_URI"])
suffix = os.environ.get("COMPAT_SUFFIX", "x")
record = []
ids = {}

TS_KEYS = re.compile(r"(timestamp|_time|time)$", re.I)
ID_PATTERNS = [re.compile(r"\b[0-9a-f]{32}\b"), re.compile(r"\bm-[0-9a-f]{32}\b")]


def placeholder(value, kind):
    if value not in ids:
        ids[value] = f"<{kind}{len([k for k in ids.values() if k.startswith('<' + kind)]) + 1}>"
    return ids[value]


def norm(x, key=""):
    if isinstance(x, dict):
        return {k: norm(v, k) for k, v in sorted(x.items())}
    if isinstance(x, list):
        return [norm(v, key) for v in x]
    if key == "user_id":
        return "<user>"
    if TS_KEYS.search(key) and isinstance(x, (int, float, str)) and str(x).isdigit():
        return "<ts>"
    if isinstance(x, str):
        if key in ("artifact_uri", "artifact_location", "storage_location") or x.startswith(("mlflow-artifacts:", "file:", "/")):
            x = re.sub(r"^.*?(/[0-9]+/|/models/)", r"<root>\1", x) if "/" in x else x
        for pattern in ID_PATTERNS:
            x = pattern.sub(lambda m: ids.get(m.group(0), m.group(0)), x)
        if key in ("experiment_id",) and x in ids:
            return ids[x]
    return x


def dump(entity):
    if entity is None:
        return None
    if isinstance(entity, list):
        return [dump(e) for e in entity]
    if hasattr(entity, "to_proto"):
        return MessageToDict(entity.to_proto(), preserving_proto_field_name=True)
    return entity


def step(name, fn):
    try:
        result = fn()
        record.append({"step": name, "result": norm(dump(result))})
        return result
    except MlflowException as e:
        record.append({"step": name, "error": e.error_code})
        return None


def strip_system_tags(run_dict):
    """Drops client-set system tags and sorts params, metrics and tags by key: a run's data is a
    map in MLflow's API, so the order of its entries is not part of it."""
    data = run_dict.setdefault("data", {})
    data["tags"] = [t for t in data.get("tags", []) if not t["key"].startswith("mlflow.")]
    for field in ("tags", "params", "metrics"):
        data[field] = sorted(data.get(field, []), key=lambda e: e["key"])
    return run_dict


# ── Tracking ─────────────────────────────────────────────────────────────────────────────────
exp_id = step("create_experiment", lambda: client.create_experiment(f"diff-{suffix}", tags={"team": "a"}))
placeholder(exp_id, "exp")
step("get_experiment", lambda: client.get_experiment(exp_id))
step("get_experiment_by_name missing", lambda: client.get_experiment_by_name(f"nope-{suffix}"))
step("create_experiment duplicate", lambda: client.create_experiment(f"diff-{suffix}"))
exp2 = client.create_experiment(f"diff-{suffix}-b")
placeholder(exp2, "exp")
step(
    "search_experiments default order",
    lambda: [e.name for e in client.search_experiments(filter_string=f"name LIKE 'diff-{suffix}%'")],
)

runs = []
for i in range(3):
    r = client.create_run(exp_id, run_name=f"run-{i}", tags={"i": str(i)}, start_time=1_700_000_000_000 + i)
    placeholder(r.info.run_id, "run")
    runs.append(r.info.run_id)
    client.log_param(r.info.run_id, "lr", str(0.1 * (i + 1)))
    for s in range(3):
        client.log_metric(r.info.run_id, "loss", 1.0 / (i + s + 1), step=s, timestamp=1_700_000_000_000 + s)
run0 = runs[0]
step("log_param changed value", lambda: client.log_param(run0, "lr", "99"))
step(
    "log_batch",
    lambda: client.log_batch(
        run0,
        metrics=[Metric("acc", 0.5, 1_700_000_000_000, 0), Metric("acc", 0.75, 1_700_000_000_001, 1)],
        params=[Param("depth", "3")],
        tags=[RunTag("stage", "dev")],
    ),
)
client.set_tag(run0, "note", "hello")
step("get_run", lambda: strip_system_tags(MessageToDict(client.get_run(run0).to_proto(), preserving_proto_field_name=True)))
step("get_metric_history", lambda: client.get_metric_history(run0, "loss"))
step("get_run missing", lambda: client.get_run("0" * 32))
step(
    "search_runs filter and order",
    lambda: [r.info.run_name for r in client.search_runs([exp_id], "metrics.loss < 0.4", order_by=["params.lr DESC"])],
)
step("search_runs default order", lambda: [r.info.run_name for r in client.search_runs([exp_id])])
page = client.search_runs([exp_id], max_results=2)
step("search_runs paging", lambda: [[r.info.run_name for r in page], page.token is not None])
step(
    "search_runs next page",
    lambda: [r.info.run_name for r in client.search_runs([exp_id], max_results=2, page_token=page.token)],
)
step("search_runs invalid filter", lambda: client.search_runs([exp_id], "metrics.loss <<< 1"))
client.set_terminated(run0, "FINISHED", end_time=1_700_000_009_000)
step("update_run status", lambda: client.get_run(run0).info.status)
client.log_text(run0, "hello artifacts", "notes/readme.txt")
step("list_artifacts", lambda: client.list_artifacts(run0))
step("list_artifacts dir", lambda: client.list_artifacts(run0, "notes"))
step("download text", lambda: open(client.download_artifacts(run0, "notes/readme.txt")).read())
client.delete_run(runs[2])
step("search_runs after delete", lambda: [r.info.run_name for r in client.search_runs([exp_id])])
step("get deleted run lifecycle", lambda: client.get_run(runs[2]).info.lifecycle_stage)

# ── Registry ─────────────────────────────────────────────────────────────────────────────────
name = f"diff-model-{suffix}"
step("create_registered_model", lambda: client.create_registered_model(name, tags={"t": "1"}, description="d"))
step("create_registered_model duplicate", lambda: client.create_registered_model(name))
for i in range(3):
    step(f"create_model_version {i + 1}", lambda i=i: client.create_model_version(name, f"runs:/{runs[i]}/model", run_id=runs[i]))
step("transition to Production", lambda: client.transition_model_version_stage(name, "1", "Production"))
step("transition archive existing", lambda: client.transition_model_version_stage(name, "2", "Production", archive_existing_versions=True))
step("get_latest_versions all", lambda: sorted((v.version, v.current_stage) for v in client.get_latest_versions(name)))
step("get_latest_versions Production", lambda: client.get_latest_versions(name, stages=["Production"]))
step("set alias", lambda: client.set_registered_model_alias(name, "champion", "3"))
step("get by alias", lambda: client.get_model_version_by_alias(name, "champion"))
step("missing alias", lambda: client.get_model_version_by_alias(name, "nope"))
step("get_model_version_download_uri", lambda: client.get_model_version_download_uri(name, "1"))
step("search_model_versions default order", lambda: [(v.name, v.version) for v in client.search_model_versions(f"name='{name}'")])
step("rename", lambda: client.rename_registered_model(name, f"{name}-r"))
step("get renamed", lambda: client.get_registered_model(f"{name}-r"))
step("get old name", lambda: client.get_registered_model(name))
step("delete version", lambda: client.delete_model_version(f"{name}-r", "1"))
step("get deleted version", lambda: client.get_model_version(f"{name}-r", "1"))
step("bad stage", lambda: client.transition_model_version_stage(f"{name}-r", "2", "Shipped"))

step("search_registered_models", lambda: [m.name for m in client.search_registered_models(f"name LIKE 'diff-model-{suffix}%'")])
step("copy_model_version", lambda: client.copy_model_version(f"models:/{name}-r/2", f"{name}-copy"))
step("get copied version", lambda: client.get_model_version(f"{name}-copy", "1"))
step("delete_experiment", lambda: client.delete_experiment(exp2))
step("get deleted experiment", lambda: client.get_experiment(exp2).lifecycle_stage)
step("restore_experiment", lambda: client.restore_experiment(exp2))
step("search_experiments after restore", lambda: [e.name for e in client.search_experiments(filter_string=f"name LIKE 'diff-{suffix}%'")])

# ── The web UI's endpoints (raw HTTP, as MLflow's web UI calls them) ─────────────────────────
import tempfile  # noqa: E402

import requests  # noqa: E402
from mlflow.entities import Dataset, DatasetInput, InputTag  # noqa: E402

base = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
ajax = f"{base}/ajax-api/2.0/mlflow"


def http(name, method, url, **kwargs):
    """Records a raw HTTP answer: status, the headers a browser acts on, and the body (JSON
    normalized, text, or the bytes' length for binaries)."""
    res = requests.request(method, url, timeout=30, **kwargs)
    kind = res.headers.get("Content-Type", "")
    try:
        body = norm(res.json()) if kind.startswith("application/json") and res.content else res.text
    except ValueError:
        body = res.text
    if not kind.startswith(("application/json", "text/")):
        body = len(res.content)
    entry = {
        "status": res.status_code,
        "content_type": kind,
        "nosniff": res.headers.get("X-Content-Type-Options"),
        "disposition": (res.headers.get("Content-Disposition") or "").split(";")[0],
        "body": body,
    }
    record.append({"step": name, "result": entry})
    return res


run1 = runs[1]
step(
    "log_inputs dataset",
    lambda: client.log_inputs(
        run1,
        datasets=[
            DatasetInput(
                Dataset("iris", "d1g35t", "local", "iris.csv", None, None),
                [InputTag("mlflow.data.context", "training")],
            )
        ],
    ),
)
http("ui search-datasets", "POST", f"{ajax}/experiments/search-datasets", json={"experiment_ids": [exp_id]})
http("ui search-datasets without ids", "POST", f"{ajax}/experiments/search-datasets", json={})

bulk = requests.get(f"{ajax}/metrics/get-history-bulk", params={"run_id": [run0, run1], "metric_key": "loss"}, timeout=30).json()
by_run = {}
for m in bulk.get("metrics", []):
    by_run.setdefault(ids.get(m["run_id"], m["run_id"]), []).append(norm(m))
record.append({
    "step": "ui get-history-bulk",
    "result": {"sorted_by_run": [m["run_id"] for m in bulk["metrics"]] == sorted(m["run_id"] for m in bulk["metrics"]), "by_run": by_run},
})
http("ui get-history-bulk without metric_key", "GET", f"{ajax}/metrics/get-history-bulk", params={"run_id": run0})
http("ui get-history-bulk-interval", "GET", f"{ajax}/metrics/get-history-bulk-interval", params={"run_ids": run0, "metric_key": "loss"})
http(
    "ui get-history-bulk-interval one step bound",
    "GET",
    f"{ajax}/metrics/get-history-bulk-interval",
    params={"run_ids": run0, "metric_key": "loss", "start_step": 1},
)

octet = {"Content-Type": "application/octet-stream"}
http("ui upload-artifact", "POST", f"{ajax}/upload-artifact", params={"run_uuid": run1, "path": "ui/report.pdf"}, data=b"%PDF-1.4 x", headers=octet)
http("ui upload-artifact MLmodel", "POST", f"{ajax}/upload-artifact", params={"run_uuid": run1, "path": "model/MLmodel"}, data=b"flavors: {}\n", headers=octet)
http("ui upload-artifact html", "POST", f"{ajax}/upload-artifact", params={"run_uuid": run1, "path": "ui/page.html"}, data=b"<b>hi</b>", headers=octet)
http("ui upload-artifact traversal", "POST", f"{ajax}/upload-artifact", params={"run_uuid": run1, "path": "../x.txt"}, data=b"x", headers=octet)
http("ui upload-artifact without path", "POST", f"{ajax}/upload-artifact", params={"run_uuid": run1}, data=b"x", headers=octet)
http("ui upload-artifact empty", "POST", f"{ajax}/upload-artifact", params={"run_uuid": run1, "path": "e.bin"}, data=b"", headers=octet)
step("list_artifacts after upload", lambda: client.list_artifacts(run1, "ui"))
http("ui get-artifact pdf", "GET", f"{base}/get-artifact", params={"run_id": run1, "path": "ui/report.pdf"})
http("ui get-artifact text", "GET", f"{base}/get-artifact", params={"run_uuid": run0, "path": "notes/readme.txt"})
http("ui get-artifact MLmodel", "GET", f"{base}/get-artifact", params={"run_id": run1, "path": "model/MLmodel"})
http("ui get-artifact html", "GET", f"{base}/get-artifact", params={"run_id": run1, "path": "ui/page.html"})
http("ui get-artifact directory", "GET", f"{base}/get-artifact", params={"run_id": run1, "path": "ui"})
http("ui get-artifact traversal", "GET", f"{base}/get-artifact", params={"run_id": run1, "path": "../../etc/passwd"})
http("ui get-artifact absolute", "GET", f"{base}/get-artifact", params={"run_id": run1, "path": "/etc/passwd"})
http(
    "ui model-versions get-artifact",
    "GET",
    f"{base}/model-versions/get-artifact",
    params={"name": f"{name}-r", "version": "2", "path": "MLmodel"},
)
http(
    "ui model-versions get-artifact traversal",
    "GET",
    f"{base}/model-versions/get-artifact",
    params={"name": f"{name}-r", "version": "2", "path": "../MLmodel"},
)

lm = client.create_logged_model(exp_id, name=f"ui-model-{suffix}", source_run_id=run1)
placeholder(lm.model_id, "model")
with tempfile.TemporaryDirectory() as d:
    with open(os.path.join(d, "MLmodel"), "w") as f:
        f.write("artifact_path: m\n")
    client.log_model_artifacts(lm.model_id, d)
http(
    "ui logged-model artifact file",
    "GET",
    f"{ajax}/logged-models/{lm.model_id}/artifacts/files",
    params={"artifact_file_path": "MLmodel"},
)
http("ui logged-model artifact without path", "GET", f"{ajax}/logged-models/{lm.model_id}/artifacts/files")

print(json.dumps(record, sort_keys=True, default=str))
