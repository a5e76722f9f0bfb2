"""MLflow server behaviours users notice, with the stock mlflow client against `strata server`.

Covers: transition_model_version_stage (with archive_existing_versions), get_latest_versions with
and without stages, an invalid stage, rename_registered_model carrying versions, aliases and
tags, and a raw request with a number where MLflow expects a string (400 INVALID_PARAMETER_VALUE
naming the parameter), and over-long param and tag values cut to MLflow's limits.
"""

import os
import time
import warnings

import requests
from compat_util import check, done, expect_error, step
from mlflow import MlflowClient

warnings.filterwarnings("ignore", category=FutureWarning)
url = os.environ["MLFLOW_TRACKING_URI"]
client = MlflowClient(tracking_uri=url)
suffix = os.environ.get("COMPAT_SUFFIX", str(int(time.time() * 1000)))
name = f"staged-{suffix}"

with step("three versions start in stage None"):
    client.create_registered_model(name, tags={"team": "risk"})
    for i in range(3):
        mv = client.create_model_version(name, f"s3://bucket/model-{i}", tags={"i": str(i)})
        check(mv.current_stage == "None", "stage None", mv.current_stage)

with step("transition_model_version_stage moves a version; archive_existing_versions archives the old holder"):
    mv = client.transition_model_version_stage(name, "1", "production")
    check(mv.current_stage == "Production", "Production (canonical case)", mv.current_stage)
    client.transition_model_version_stage(name, "2", "Staging")
    mv = client.transition_model_version_stage(name, "3", "Production", archive_existing_versions=True)
    check(mv.current_stage == "Production", "v3 Production", mv.current_stage)
    check(client.get_model_version(name, "1").current_stage == "Archived", "v1 archived")
    check(client.get_model_version(name, "2").current_stage == "Staging", "v2 untouched")

with step("get_latest_versions per stage, and for all stages"):
    prod = client.get_latest_versions(name, stages=["Production"])
    check([v.version for v in prod] == ["3"], "production latest", [v.version for v in prod])
    both = client.get_latest_versions(name, stages=["Staging", "Production"])
    check(sorted(v.version for v in both) == ["2", "3"], "staging+production", [v.version for v in both])
    every = client.get_latest_versions(name)
    check(
        sorted((v.version, v.current_stage) for v in every) == [("1", "Archived"), ("2", "Staging"), ("3", "Production")],
        "latest of every stage",
        [(v.version, v.current_stage) for v in every],
    )
    rm = client.get_registered_model(name)
    check(
        sorted(v.version for v in rm.latest_versions) == ["1", "2", "3"],
        "registered model latest_versions per stage",
        [v.version for v in rm.latest_versions],
    )

with step("an unknown stage is INVALID_PARAMETER_VALUE"):
    e = expect_error(lambda: client.transition_model_version_stage(name, "1", "Shipped"), "INVALID_PARAMETER_VALUE")
    check("Invalid Model Version stage: Shipped" in e.message, "MLflow's message", e.message)

with step("rename_registered_model carries versions, stages, aliases and tags"):
    client.set_registered_model_alias(name, "champion", "3")
    new_name = f"{name}-renamed"
    client.rename_registered_model(name, new_name)
    rm = client.get_registered_model(new_name)
    check(rm.name == new_name, "new name", rm.name)
    check(rm.tags == {"team": "risk"}, "tags", rm.tags)
    check(rm.aliases == {"champion": "3"} or rm.aliases == {"champion": 3}, "aliases", rm.aliases)
    mv = client.get_model_version_by_alias(new_name, "champion")
    check(mv.version == "3" and mv.current_stage == "Production", "alias target", (mv.version, mv.current_stage))
    check(mv.tags == {"i": "2"}, "version tags", mv.tags)
    versions = client.search_model_versions(f"name='{new_name}'")
    check(sorted(v.version for v in versions) == ["1", "2", "3"], "versions moved", [v.version for v in versions])
    expect_error(lambda: client.get_registered_model(name), "RESOURCE_DOES_NOT_EXIST")

with step("renaming onto a taken name is RESOURCE_ALREADY_EXISTS"):
    other = f"other-{suffix}"
    client.create_registered_model(other)
    expect_error(lambda: client.rename_registered_model(new_name, other), "RESOURCE_ALREADY_EXISTS")

with step("a number where a string is expected is 400 INVALID_PARAMETER_VALUE naming the parameter"):
    r = requests.post(f"{url}/api/2.0/mlflow/experiments/create", json={"name": 123}, timeout=30)
    check(r.status_code == 400, "status 400", r.status_code)
    body = r.json()
    check(body["error_code"] == "INVALID_PARAMETER_VALUE", "error code", body)
    check("parameter 'name'" in body["message"], "names the parameter", body["message"])
    check(client.get_experiment_by_name("123") is None, "no experiment '123' was created")

with step("over-long param and tag values are truncated to 6000 and 8000 characters, as MLflow's server does"):
    exp = client.create_experiment(f"behaviours-{suffix}")
    run = client.create_run(exp)
    client.log_param(run.info.run_id, "long", "p" * 7000)
    client.set_tag(run.info.run_id, "long", "t" * 9000)
    client.log_batch(run.info.run_id, params=[], tags=[])
    data = client.get_run(run.info.run_id).data
    check(data.params["long"] == "p" * 6000, "param cut to 6000", len(data.params["long"]))
    check(data.tags["long"] == "t" * 8000, "tag cut to 8000", len(data.tags["long"]))

done()
