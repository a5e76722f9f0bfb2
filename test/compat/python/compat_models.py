"""Models and the registry with the stock mlflow client against `strata server`.

Covers: mlflow.sklearn.log_model(..., registered_model_name=...) (mlflow 3: logged-models +
runs/outputs; mlflow 2: run artifacts + runs/log-model), registered model and version reads,
a second version through the RESOURCE_ALREADY_EXISTS path, set/get/delete alias,
mlflow.pyfunc.load_model('models:/name@alias') + predict, loading by version, by `latest`,
by `runs:/`, search_model_versions, tags and descriptions, and version/model deletion.
"""

import os
import time

import mlflow
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
from compat_util import check, done, expect_error, step
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

MLFLOW_3 = int(mlflow.__version__.split(".")[0]) >= 3
mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
client = MlflowClient()
suffix = os.environ.get("COMPAT_SUFFIX", str(int(time.time())))
model_name = f"iris-{suffix}"

X, y = load_iris(return_X_y=True)
first = LogisticRegression(max_iter=500).fit(X, y)
second = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
mlflow.set_experiment(f"compat-models-{suffix}")


def log_model(model, **kw):
    # mlflow 3 names the model with `name=`, mlflow 2 with `artifact_path=`.
    key = "name" if MLFLOW_3 else "artifact_path"
    return mlflow.sklearn.log_model(model, **{key: "model"}, registered_model_name=model_name, input_example=X[:3], **kw)


with mlflow.start_run(run_name="train-lr") as run:
    first_run = run.info.run_id
    with step("sklearn.log_model with registered_model_name registers version 1"):
        mlflow.log_param("C", 1.0)
        mlflow.log_metric("train_acc", float(first.score(X, y)))
        info = log_model(first)
        check(str(info.registered_model_version) == "1", "version 1", info.registered_model_version)
        if MLFLOW_3:
            check(info.model_uri.startswith("models:/m-"), "mlflow 3 model uri", info.model_uri)

with step("the registered model and its READY version read back"):
    rm = client.get_registered_model(model_name)
    check(rm.name == model_name, "name", rm.name)
    mv = client.get_model_version(model_name, "1")
    check(mv.status == "READY", "status READY", mv.status)
    check(mv.run_id == first_run, "run id", mv.run_id)
    check(mv.current_stage == "None", "stage None", mv.current_stage)

if MLFLOW_3:
    with step("the logged model is READY, searchable by source run, linked from runs/outputs, loadable by models:/m-id"):
        model_id = info.model_id
        lm = mlflow.get_logged_model(model_id)
        check(lm.status == "READY" or str(lm.status).endswith("READY"), "logged model READY", lm.status)
        check(lm.source_run_id == first_run, "source run", lm.source_run_id)
        found = mlflow.search_logged_models(filter_string=f"source_run_id='{first_run}'", output_format="list")
        check([m.model_id for m in found] == [model_id], "search_logged_models", [m.model_id for m in found])
        outputs = client.get_run(first_run).outputs.model_outputs
        check([o.model_id for o in outputs] == [model_id], "run outputs", outputs)
        check(lm.params.get("C") == "1.0", "run params copied onto the logged model", lm.params)
        direct = mlflow.sklearn.load_model(info.model_uri)
        check(np.array_equal(direct.predict(X), first.predict(X)), "models:/m-<id> loads the logged model")

else:
    with step("mlflow 2.x log_model recorded the model on the run (runs/log-model)"):
        import json

        history = json.loads(client.get_run(first_run).data.tags["mlflow.log-model.history"])
        check([h["artifact_path"] for h in history] == ["model"], "log-model history", history)
        check("sklearn" in history[0]["flavors"], "sklearn flavor recorded", history[0]["flavors"])

with mlflow.start_run(run_name="train-tree") as run:
    second_run = run.info.run_id
    with step("a second log_model under the same name adds version 2"):
        info2 = log_model(second)
        check(str(info2.registered_model_version) == "2", "version 2", info2.registered_model_version)

with step("creating the registered model again is RESOURCE_ALREADY_EXISTS"):
    expect_error(lambda: client.create_registered_model(model_name), "RESOURCE_ALREADY_EXISTS")

with step("set_registered_model_alias and get_model_version_by_alias"):
    client.set_registered_model_alias(model_name, "champion", "1")
    client.set_registered_model_alias(model_name, "challenger", "2")
    check(client.get_model_version_by_alias(model_name, "champion").version == "1", "champion → 1")
    aliases = client.get_registered_model(model_name).aliases
    check(aliases == {"champion": "1", "challenger": "2"}, "aliases on the model", aliases)
    check(client.get_model_version(model_name, "2").aliases == ["challenger"], "aliases on the version")

with step("pyfunc.load_model('models:/name@champion') predicts like the trained model"):
    loaded = mlflow.pyfunc.load_model(f"models:/{model_name}@champion")
    got = np.asarray(loaded.predict(X[:20]))
    check(np.array_equal(got, first.predict(X[:20])), "champion predictions", got)

with step("load by version, by latest and by runs:/ URI"):
    v2 = mlflow.pyfunc.load_model(f"models:/{model_name}/2")
    check(np.array_equal(np.asarray(v2.predict(X)), second.predict(X)), "version 2 predictions")
    latest = mlflow.sklearn.load_model(f"models:/{model_name}/latest")
    check(np.array_equal(latest.predict(X), second.predict(X)), "latest is version 2")
    by_run = mlflow.sklearn.load_model(f"runs:/{first_run}/model")
    check(np.array_equal(by_run.predict(X), first.predict(X)), "runs:/ URI loads version 1's model")

with step("moving the alias changes what models:/name@alias loads"):
    client.set_registered_model_alias(model_name, "champion", "2")
    moved = mlflow.pyfunc.load_model(f"models:/{model_name}@champion")
    check(np.array_equal(np.asarray(moved.predict(X)), second.predict(X)), "champion now version 2")

with step("search_model_versions and search_registered_models"):
    versions = client.search_model_versions(f"name='{model_name}'")
    check(sorted(v.version for v in versions) == ["1", "2"], "two versions", [v.version for v in versions])
    by_run = client.search_model_versions(f"run_id='{second_run}'")
    check([v.version for v in by_run] == ["2"], "by run id", [v.version for v in by_run])
    models = client.search_registered_models(filter_string=f"name LIKE 'iris-{suffix}%'")
    check([m.name for m in models] == [model_name], "search_registered_models", [m.name for m in models])

with step("tags and descriptions on models and versions"):
    client.set_registered_model_tag(model_name, "team", "ml")
    client.update_registered_model(model_name, description="iris classifiers")
    client.set_model_version_tag(model_name, "1", "validated", "yes")
    client.update_model_version(model_name, "1", description="logistic regression")
    rm = client.get_registered_model(model_name)
    check(rm.tags.get("team") == "ml" and rm.description == "iris classifiers", "model tag + description", rm.tags)
    mv = client.get_model_version(model_name, "1")
    check(mv.tags.get("validated") == "yes" and mv.description == "logistic regression", "version tag", mv.tags)
    client.delete_model_version_tag(model_name, "1", "validated")
    check("validated" not in client.get_model_version(model_name, "1").tags, "version tag deleted")

with step("delete alias; a missing alias is INVALID_PARAMETER_VALUE, as MLflow's server says"):
    client.delete_registered_model_alias(model_name, "challenger")
    expect_error(lambda: client.get_model_version_by_alias(model_name, "challenger"), "INVALID_PARAMETER_VALUE")
    # Deleting it again is a no-op, as in MLflow.
    client.delete_registered_model_alias(model_name, "challenger")

with step("delete a version, then the registered model"):
    client.delete_model_version(model_name, "1")
    expect_error(lambda: client.get_model_version(model_name, "1"), "RESOURCE_DOES_NOT_EXIST")
    client.delete_registered_model(model_name)
    expect_error(lambda: client.get_registered_model(model_name), "RESOURCE_DOES_NOT_EXIST")

with step("download_artifacts('models:/name@alias') fetches an ONNX version registered through Strata"):
    import json
    import urllib.request

    native = f"native-onnx-{suffix}"
    base = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
    onnx_bytes = open(os.environ["COMPAT_ONNX_FILE"], "rb").read()

    def strata(method, path, body, content_type):
        req = urllib.request.Request(base + path, data=body, method=method, headers={"content-type": content_type})
        with urllib.request.urlopen(req) as res:
            return json.loads(res.read() or b"{}")

    strata("POST", "/api/models", json.dumps({"name": native}).encode(), "application/json")
    version = strata("POST", f"/api/models/{native}/versions", onnx_bytes, "application/octet-stream")
    client.set_registered_model_alias(native, "native", str(version["version"]))
    local = mlflow.artifacts.download_artifacts(f"models:/{native}@native", dst_path=os.path.join(os.getcwd(), native))
    stored = os.path.join(local, "model.onnx")
    check(os.path.exists(stored), "model.onnx downloaded", os.listdir(local))
    with urllib.request.urlopen(f"{base}/api/models/{native}/versions/{version['version']}/files/model.onnx") as res:
        check(open(stored, "rb").read() == res.read(), "downloaded bytes are the stored model")

with step("pyfunc.load_model loads an ONNX version registered through Strata (its MLmodel) and predicts like it"):
    # The version's MLmodel is MLflow's onnx flavor with a python_function entry; the model is
    # y = x·[1, 2, 3, 4] + 0.5 (COMPAT_ONNX_FILE).
    rows = np.array([[1, 1, 1, 1], [0.5, -1, 2, 0]], dtype=np.float32)
    expected = rows @ np.array([1, 2, 3, 4], dtype=np.float32) + 0.5
    loaded = mlflow.pyfunc.load_model(f"models:/{native}@native")
    check(loaded.metadata.flavors["python_function"]["loader_module"] == "mlflow.onnx", "onnx loader", loaded.metadata.flavors)
    [predicted] = loaded.predict(rows).values()
    check(np.allclose(np.asarray(predicted).reshape(-1), expected), "predictions", (predicted, expected))
    tensor = loaded.metadata.get_input_schema().inputs[0]
    check(tensor.type == np.dtype("float32") and tensor.shape == (-1, 4), "tensor signature", tensor)
    # A wrong shape is refused by the signature before onnxruntime sees it.
    expect_error(lambda: loaded.predict(np.zeros((1, 3), dtype=np.float32)), "INVALID_PARAMETER_VALUE")

done(mlflow_version=mlflow.__version__)
