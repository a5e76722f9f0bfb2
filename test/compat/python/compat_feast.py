"""Feast's own SDK with its remote online store, against one feature server (`feast serve` or
`strata server`): the repo in FEAST_CLIENT_REPO points its `online_store.path` at the server.

Prints one JSON line: the answers of the same get_online_features calls, keyed by call, from
`OnlineResponse.to_dict()` — the values a Feast user's code sees.
"""

import json
import os
import warnings

warnings.filterwarnings("ignore")

from feast import FeatureStore  # noqa: E402

store = FeatureStore(repo_path=os.environ["FEAST_CLIENT_REPO"])
rows = [{"driver_id": d} for d in [1001, 1002, 1003, 1004, 9999, 1001]]
answers = {}

answers["features"] = store.get_online_features(
    features=["driver_stats:trips", "driver_stats:rating", "driver_stats:name"],
    entity_rows=rows,
).to_dict()
answers["full_feature_names"] = store.get_online_features(
    features=["driver_stats:trips", "driver_stats:name"],
    entity_rows=rows,
    full_feature_names=True,
).to_dict()
answers["feature_service"] = store.get_online_features(
    features=store.get_feature_service("driver_service"),
    entity_rows=rows[:3],
).to_dict()
answers["columnar_entities"] = store.get_online_features(
    features=["driver_stats:rating"],
    entity_rows={"driver_id": [1003, 1002]},
).to_dict()

print(json.dumps(answers, sort_keys=True, default=str))
