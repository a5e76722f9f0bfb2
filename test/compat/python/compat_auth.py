"""Tokens with the stock mlflow client against `strata server` with API tokens on.

The client sends `Authorization: Bearer $MLFLOW_TRACKING_TOKEN` (as against Databricks or an
MLflow server with auth). COMPAT_WRITE_TOKEN holds read,write:tracking; COMPAT_READ_TOKEN read.
The token is read from the environment on every request, so each step sets it.
"""

import os
import time

import mlflow
from compat_util import check, done, expect_error, step
from mlflow import MlflowClient

mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
client = MlflowClient()
write_token = os.environ["COMPAT_WRITE_TOKEN"]
read_token = os.environ["COMPAT_READ_TOKEN"]
name = f"compat-auth-{int(time.time())}"


def use(token):
    if token is None:
        os.environ.pop("MLFLOW_TRACKING_TOKEN", None)
    else:
        os.environ["MLFLOW_TRACKING_TOKEN"] = token


with step("without a token every call is UNAUTHENTICATED"):
    use(None)
    expect_error(lambda: client.get_experiment("0"), "UNAUTHENTICATED")
    expect_error(lambda: client.create_experiment(name), "UNAUTHENTICATED")

with step("a wrong token is UNAUTHENTICATED"):
    use("strata_000000000000_" + "A" * 43)
    expect_error(lambda: client.search_experiments(), "UNAUTHENTICATED")

with step("with a write:tracking token the client logs a run and its artifact"):
    use(write_token)
    mlflow.set_experiment(name)
    with mlflow.start_run() as run:
        mlflow.log_param("lr", 0.1)
        mlflow.log_metric("auc", 0.9)
        mlflow.log_text("hello", "notes/hello.txt")
    run_id = run.info.run_id
    got = client.get_run(run_id)
    check(got.data.metrics.get("auc") == 0.9, "auc logged", got.data.metrics)

with step("the run's user is the token's principal"):
    check(got.info.user_id == "token:trainer", "user_id is the token principal", got.info.user_id)

with step("a read token reads, searches and downloads, but cannot write (PERMISSION_DENIED)"):
    use(read_token)
    check(client.get_run(run_id).info.run_id == run_id, "read token reads the run")
    runs = client.search_runs([client.get_experiment_by_name(name).experiment_id])
    check(len(runs) == 1, "read token searches", len(runs))
    text = mlflow.artifacts.load_text(f"runs:/{run_id}/notes/hello.txt")
    check(text == "hello", "read token downloads the artifact", text)
    expect_error(lambda: client.set_tag(run_id, "x", "y"), "PERMISSION_DENIED")
    expect_error(lambda: client.create_experiment(name + "-2"), "PERMISSION_DENIED")

done()
