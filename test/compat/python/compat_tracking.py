"""Tracking with the stock mlflow client against `strata server` (MLFLOW_TRACKING_URI).

Covers: default experiment, set_experiment (create + reuse), start_run (nested too), log_param(s)
(idempotent re-log, conflicting re-log), log_metric(s) with steps, log_batch over the 1000-metric
chunk size, set_tag(s), log_artifact(s), log_dict, log_text, list/download artifacts,
search_runs with filters, order-by and paging, get_metric_history, a failed run, and
delete/restore of runs and experiments.
"""

import json
import os
import tempfile
import time

import mlflow
from compat_util import check, done, expect_error, step
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunStatus, RunTag, ViewType

mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
client = MlflowClient()
suffix = os.environ.get("COMPAT_SUFFIX", str(int(time.time())))
exp_name = f"compat-tracking-{suffix}"

with step("default experiment 0 exists"):
    default = client.get_experiment("0")
    check(default.name == "Default", "experiment 0 is named Default", default.name)
    check(default.lifecycle_stage == "active", "Default is active", default.lifecycle_stage)

with step("get_experiment_by_name of a missing name is None"):
    check(client.get_experiment_by_name(f"missing-{suffix}") is None, "None for a missing experiment")

with step("set_experiment creates, then reuses"):
    exp = mlflow.set_experiment(exp_name)
    check(exp.name == exp_name, "name", exp.name)
    check(exp.experiment_id != "0", "a new id", exp.experiment_id)
    again = mlflow.set_experiment(exp_name)
    check(again.experiment_id == exp.experiment_id, "same id on reuse", again.experiment_id)
    fetched = client.get_experiment_by_name(exp_name)
    check(fetched.experiment_id == exp.experiment_id, "get_experiment_by_name", fetched.experiment_id)

with step("create_experiment of a taken name is RESOURCE_ALREADY_EXISTS"):
    expect_error(lambda: client.create_experiment(exp_name), "RESOURCE_ALREADY_EXISTS")

workdir = tempfile.mkdtemp(prefix="strata-compat-")
with open(os.path.join(workdir, "report.txt"), "w") as f:
    f.write("hello strata\n")
os.makedirs(os.path.join(workdir, "tree", "nested"))
with open(os.path.join(workdir, "tree", "a.csv"), "w") as f:
    f.write("x,y\n1,2\n")
with open(os.path.join(workdir, "tree", "nested", "b.bin"), "wb") as f:
    f.write(bytes(range(256)) * 4096)  # 1 MiB, more than one download chunk

with mlflow.start_run(run_name="parent", tags={"origin": "compat"}) as parent:
    parent_id = parent.info.run_id
    with step("start_run returns a RUNNING run in the experiment"):
        check(parent.info.experiment_id == exp.experiment_id, "experiment id", parent.info.experiment_id)
        check(parent.info.status == "RUNNING", "status", parent.info.status)
        check(parent.info.run_name == "parent", "run name", parent.info.run_name)

    with step("log_param and log_params"):
        mlflow.log_param("lr", 0.1)
        mlflow.log_params({"depth": 3, "optimizer": "adam"})
        mlflow.log_param("lr", 0.1)  # the same value again is fine

    with step("re-logging a param with another value is INVALID_PARAMETER_VALUE"):
        expect_error(lambda: mlflow.log_param("lr", 0.2), "INVALID_PARAMETER_VALUE")

    with step("log_metric with steps and log_metrics"):
        for s in range(5):
            mlflow.log_metric("loss", 1.0 / (s + 1), step=s)
        mlflow.log_metrics({"acc": 0.9, "auc": 0.75}, step=4)

    with step("set_tag and set_tags"):
        mlflow.set_tag("team", "ml")
        mlflow.set_tags({"stage": "dev", "team": "ml-platform"})  # overwrite allowed

    with step("log_artifact, log_artifacts, log_dict, log_text"):
        mlflow.log_artifact(os.path.join(workdir, "report.txt"))
        mlflow.log_artifact(os.path.join(workdir, "report.txt"), artifact_path="reports/final")
        mlflow.log_artifacts(os.path.join(workdir, "tree"), artifact_path="tree")
        mlflow.log_dict({"alpha": 1, "names": ["a", "b"]}, "config/params.json")
        mlflow.log_text("some notes", "notes.txt")

    with step("log_input records a dataset with its context"):
        import pandas as pd

        frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
        mlflow.log_input(mlflow.data.from_pandas(frame, name="toy", targets="y"), context="training")

    with mlflow.start_run(run_name="child", nested=True) as child:
        child_id = child.info.run_id
        with step("nested run logs under its parent"):
            mlflow.log_metric("loss", 0.05)
            mlflow.log_param("fold", 1)

with step("get_run shows params, latest metrics, tags and FINISHED"):
    run = client.get_run(parent_id)
    check(run.info.status == "FINISHED", "status", run.info.status)
    check(run.info.end_time is not None and run.info.end_time >= run.info.start_time, "end_time", run.info.end_time)
    check(run.data.params == {"lr": "0.1", "depth": "3", "optimizer": "adam"}, "params", run.data.params)
    check(run.data.metrics == {"loss": 0.2, "acc": 0.9, "auc": 0.75}, "latest metrics", run.data.metrics)
    check(run.data.tags.get("team") == "ml-platform", "overwritten tag", run.data.tags.get("team"))
    check(run.data.tags.get("stage") == "dev", "tag stage", run.data.tags)
    check(run.data.tags.get("origin") == "compat", "start_run tag", run.data.tags)
    check(run.data.tags.get("mlflow.runName") == "parent", "mlflow.runName tag", run.data.tags)

with step("get_run shows the dataset input"):
    inputs = client.get_run(parent_id).inputs.dataset_inputs
    check([d.dataset.name for d in inputs] == ["toy"], "dataset name", [d.dataset.name for d in inputs])
    check(inputs[0].dataset.digest != "", "dataset digest", inputs[0].dataset.digest)
    context = {t.key: t.value for t in inputs[0].tags}.get("mlflow.data.context")
    check(context == "training", "mlflow.data.context tag", context)

with step("nested run has mlflow.parentRunId"):
    c = client.get_run(child_id)
    check(c.data.tags.get("mlflow.parentRunId") == parent_id, "parent tag", c.data.tags.get("mlflow.parentRunId"))
    check(c.info.status == "FINISHED", "child status", c.info.status)
    check(c.data.metrics == {"loss": 0.05}, "child metrics", c.data.metrics)

with step("get_metric_history returns every step"):
    history = client.get_metric_history(parent_id, "loss")
    got = sorted((m.step, m.value) for m in history)
    check(got == [(s, 1.0 / (s + 1)) for s in range(5)], "loss history", got)
    check(all(m.timestamp > 0 for m in history), "timestamps", [m.timestamp for m in history])
    check(client.get_metric_history(parent_id, "nothing") == [], "history of an unknown key is empty")

with step("log_batch over the 1000-entry chunk and paged history"):
    now = int(time.time() * 1000)
    metrics = [Metric("batch", float(i), now + i, i) for i in range(2500)]
    client.log_batch(parent_id, metrics=metrics, params=[Param("batch_size", "2500")], tags=[RunTag("batched", "yes")])
    history = client.get_metric_history(parent_id, "batch")
    check(len(history) == 2500, "2500 points back", len(history))
    check(sorted(m.step for m in history) == list(range(2500)), "every step back")
    run = client.get_run(parent_id)
    check(run.data.metrics["batch"] == 2499.0, "latest batch value", run.data.metrics["batch"])
    check(run.data.params["batch_size"] == "2500", "batched param", run.data.params)

with step("list_artifacts at the root and in directories"):
    root = {f.path: f for f in client.list_artifacts(parent_id)}
    check(set(root) == {"report.txt", "reports", "tree", "config", "notes.txt"}, "root listing", sorted(root))
    check(root["tree"].is_dir and not root["report.txt"].is_dir, "is_dir flags")
    check(root["report.txt"].file_size == len("hello strata\n"), "file size", root["report.txt"].file_size)
    tree = sorted(f.path for f in client.list_artifacts(parent_id, "tree"))
    check(tree == ["tree/a.csv", "tree/nested"], "tree listing", tree)
    deep = [f.path for f in client.list_artifacts(parent_id, "reports/final")]
    check(deep == ["reports/final/report.txt"], "nested artifact_path", deep)

with step("download_artifacts and load_dict/load_text read the bytes back"):
    dst = tempfile.mkdtemp(prefix="strata-compat-dl-")
    local = mlflow.artifacts.download_artifacts(run_id=parent_id, artifact_path="tree", dst_path=dst)
    with open(os.path.join(local, "a.csv")) as f:
        check(f.read() == "x,y\n1,2\n", "a.csv content")
    with open(os.path.join(local, "nested", "b.bin"), "rb") as f:
        check(f.read() == bytes(range(256)) * 4096, "1 MiB binary content")
    uri = run.info.artifact_uri
    check(mlflow.artifacts.load_dict(f"{uri}/config/params.json") == {"alpha": 1, "names": ["a", "b"]}, "log_dict")
    check(mlflow.artifacts.load_text(f"{uri}/notes.txt") == "some notes", "log_text")

with step("a run that raises ends FAILED"):
    try:
        with mlflow.start_run(run_name="broken") as broken:
            broken_id = broken.info.run_id
            mlflow.log_metric("loss", 9.0)
            raise ValueError("boom")
    except ValueError:
        pass
    check(client.get_run(broken_id).info.status == "FAILED", "status", client.get_run(broken_id).info.status)

with step("search_runs with metric, param, tag and attribute filters"):
    ids = [exp.experiment_id]

    def names(filter_string, **kw):
        runs = mlflow.search_runs(ids, filter_string=filter_string, output_format="list", **kw)
        return [r.info.run_name for r in runs]

    check(sorted(names("")) == ["broken", "child", "parent"], "all runs", sorted(names("")))
    check(names("metrics.loss < 0.3 and params.lr = '0.1'") == ["parent"], "metric+param filter")
    check(names("tags.team = 'ml-platform'") == ["parent"], "tag filter")
    check(sorted(names("tags.team != 'ml-platform'")) == [], "!= on a tag excludes runs without it")
    check(names(f"tags.mlflow.parentRunId = '{parent_id}'") == ["child"], "parent filter")
    check(names("attributes.status = 'FAILED'") == ["broken"], "status filter")
    check(names("attributes.run_name LIKE 'par%'") == ["parent"], "LIKE on run_name")
    check(names("params.optimizer ILIKE 'ADA%'") == ["parent"], "ILIKE on a param")
    check(names("metrics.loss >= 0.05", order_by=["metrics.loss DESC"]) == ["broken", "parent", "child"], "order by")
    check(names(f"attributes.run_id IN ('{child_id}', '{parent_id}')", order_by=["attributes.run_name"]) == ["child", "parent"], "IN")
    df = mlflow.search_runs(ids, filter_string="params.depth = '3'")
    check(list(df["run_id"]) == [parent_id], "pandas output", list(df["run_id"]))
    check(float(df["metrics.loss"].iloc[0]) == 0.2, "pandas metric column")

with step("search_runs pages with max_results and page_token"):
    first = client.search_runs(ids, max_results=2, order_by=["attributes.run_name ASC"])
    check([r.info.run_name for r in first] == ["broken", "child"], "page 1", [r.info.run_name for r in first])
    check(first.token is not None, "a next page token")
    second = client.search_runs(ids, max_results=2, order_by=["attributes.run_name ASC"], page_token=first.token)
    check([r.info.run_name for r in second] == ["parent"], "page 2", [r.info.run_name for r in second])
    check(not second.token, "no token after the last page", second.token)

with step("an invalid filter is INVALID_PARAMETER_VALUE"):
    expect_error(lambda: client.search_runs(ids, filter_string="metrics.loss >>> 1"), "INVALID_PARAMETER_VALUE")

with step("delete_run and restore_run"):
    client.delete_run(child_id)
    check(client.get_run(child_id).info.lifecycle_stage == "deleted", "deleted")
    active = [r.info.run_id for r in client.search_runs(ids)]
    check(child_id not in active, "deleted run hidden from default search")
    deleted = [r.info.run_id for r in client.search_runs(ids, run_view_type=ViewType.DELETED_ONLY)]
    check(deleted == [child_id], "DELETED_ONLY", deleted)
    client.restore_run(child_id)
    check(client.get_run(child_id).info.lifecycle_stage == "active", "restored")

with step("delete_experiment and restore_experiment"):
    other = client.create_experiment(f"compat-doomed-{suffix}", tags={"k": "v"})
    check(client.get_experiment(other).tags.get("k") == "v", "experiment tag")
    client.delete_experiment(other)
    check(client.get_experiment(other).lifecycle_stage == "deleted", "deleted")
    names_active = [e.name for e in client.search_experiments()]
    check(f"compat-doomed-{suffix}" not in names_active, "hidden from search_experiments")
    try:
        mlflow.set_experiment(f"compat-doomed-{suffix}")
        raise AssertionError("set_experiment on a deleted experiment succeeded")
    except mlflow.exceptions.MlflowException as e:
        check("deleted" in str(e).lower(), "set_experiment refuses a deleted experiment", str(e))
    client.restore_experiment(other)
    check(client.get_experiment(other).lifecycle_stage == "active", "restored")
    client.rename_experiment(other, f"compat-renamed-{suffix}")
    check(client.get_experiment(other).name == f"compat-renamed-{suffix}", "renamed")

with step("missing run is RESOURCE_DOES_NOT_EXIST"):
    expect_error(lambda: client.get_run("0" * 32), "RESOURCE_DOES_NOT_EXIST")

with step("set_terminated and update_run"):
    r = client.create_run(exp.experiment_id, run_name="manual")
    client.set_terminated(r.info.run_id, status="KILLED")
    got = client.get_run(r.info.run_id)
    check(got.info.status == RunStatus.to_string(RunStatus.KILLED), "KILLED", got.info.status)
    client.update_run(r.info.run_id, name="renamed-run")
    check(client.get_run(r.info.run_id).info.run_name == "renamed-run", "renamed run")
    client.delete_tag(parent_id, "stage")
    check("stage" not in client.get_run(parent_id).data.tags, "delete_tag")

done(experiment_id=exp.experiment_id, parent_run_id=parent_id)
