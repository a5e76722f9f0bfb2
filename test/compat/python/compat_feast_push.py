"""Feast's own SDK writing through its remote online store to one feature server (`feast serve`
or `strata server`): the repo in FEAST_CLIENT_REPO points its `online_store.path` at the server.

`FeatureStore.push` and `FeatureStore.write_to_online_store` with a remote online store post
the rows to the server's `/write-to-online-store`. Then the rows are read back with
`get_online_features`. Prints one JSON line: the answers, keyed by call.
"""

import json
import os
import warnings

warnings.filterwarnings("ignore")

import pandas as pd  # noqa: E402
from feast import FeatureStore  # noqa: E402

store = FeatureStore(repo_path=os.environ["FEAST_CLIENT_REPO"])
answers = {}

# Two rows for driver 2001 (the later one last, so every store keeps it), a null rating.
store.push(
    "driver_push",
    pd.DataFrame(
        {
            "driver_id": [2001, 2002, 2001],
            "event_timestamp": pd.to_datetime(
                ["2024-03-01 10:00:00", "2024-03-01 11:00:00", "2024-03-02 09:00:00"], utc=True
            ),
            "trips": [5, 6, 7],
            "rating": [1.5, None, 2.5],
        }
    ),
)
answers["after_push"] = store.get_online_features(
    features=["driver_pushed:trips", "driver_pushed:rating"],
    entity_rows=[{"driver_id": d} for d in [2001, 2002, 2003]],
).to_dict()

# A newer value for 2002 through write_to_online_store (one view by name).
store.write_to_online_store(
    "driver_pushed",
    pd.DataFrame(
        {
            "driver_id": [2002],
            "event_timestamp": pd.to_datetime(["2024-03-05 00:00:00"], utc=True),
            "trips": [60],
            "rating": [4.75],
        }
    ),
)
answers["after_write"] = store.get_online_features(
    features=["driver_pushed:trips", "driver_pushed:rating"],
    entity_rows=[{"driver_id": d} for d in [2001, 2002]],
    full_feature_names=True,
).to_dict()

print(json.dumps(answers, sort_keys=True, default=str))
