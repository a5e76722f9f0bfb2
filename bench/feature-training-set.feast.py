"""One Feast trial of feature-training-set.bench.ts: get_historical_features(...).to_df() on the
generated files with the given offline store (`duckdb` or `file`). Prints one JSON line."""
import json
import os
import resource
import sys
import time
from datetime import timedelta

import pandas as pd
from feast import Entity, FeatureStore, FeatureView, Field, FileSource
from feast.types import Float64
from feast.value_type import ValueType

data_dir, kind = sys.argv[1], sys.argv[2]
repo = os.path.join(data_dir, f"feast-{kind}")
os.makedirs(repo, exist_ok=True)
with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
    f.write(
        f"""project: bench
registry: {repo}/registry.db
provider: local
offline_store:
  type: {kind}
online_store:
  type: sqlite
  path: {repo}/online.db
entity_key_serialization_version: 3
"""
    )

store = FeatureStore(repo_path=repo)
driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
source = FileSource(path=os.path.join(data_dir, "features.parquet"), timestamp_field="event_timestamp")
view = FeatureView(
    name="driver_stats",
    entities=[driver],
    ttl=timedelta(0),  # 0 = no ttl, as in the Strata run
    schema=[Field(name=f"f{j}", dtype=Float64) for j in range(10)],
    source=source,
)
store.apply([driver, view])

t0 = time.perf_counter()
entity_df = pd.read_parquet(os.path.join(data_dir, "entities.parquet"))
t_read = time.perf_counter() - t0
df = store.get_historical_features(
    entity_df=entity_df, features=[f"driver_stats:f{j}" for j in range(10)]
).to_df()
seconds = time.perf_counter() - t0
print(f"read entity rows: {t_read:.2f} s", file=sys.stderr)
print(
    json.dumps(
        {
            "seconds": seconds,
            "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rows": len(df),
            "nonNullF0": int(df["f0"].notna().sum()),
            "sumF0": float(df["f0"].sum()),
        }
    )
)
