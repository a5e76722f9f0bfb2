"""Feast side of feature-online.bench.ts: writes a repo over the same features.parquet with a
Redis online store, applies it and materializes. Then run `feast -c <repo> serve`.
Without the `redis` package (a Feast install without its `redis` extra, such as
`scripts/python-env.sh --feast`) the online store is Feast's SQLite store instead; without
`duckdb` the offline store is Feast's `file` store. The last line printed is
`<repo>\t<online store type>`.
Args: <data-dir> <redis host:port,db=N>"""
import importlib.util
import os
import sys
from datetime import datetime, timedelta, timezone

from feast import Entity, FeatureStore, FeatureView, Field, FileSource
from feast.types import Float64
from feast.value_type import ValueType

data_dir, redis = sys.argv[1], sys.argv[2]
repo = os.path.join(data_dir, "feast-online")
os.makedirs(repo, exist_ok=True)
online = "redis" if importlib.util.find_spec("redis") else "sqlite"
offline = "duckdb" if importlib.util.find_spec("duckdb") else "file"
online_config = (
    f'  type: redis\n  connection_string: "{redis}"\n'
    if online == "redis"
    else f"  type: sqlite\n  path: {repo}/online.db\n"
)
with open(os.path.join(repo, "feature_store.yaml"), "w") as f:
    f.write(
        f"""project: bench_online
registry: {repo}/registry.db
provider: local
offline_store:
  type: {offline}
online_store:
{online_config}entity_key_serialization_version: 3
"""
    )
with open(os.path.join(repo, "repo.py"), "w") as f:
    f.write(
        f"""from datetime import timedelta
from feast import Entity, FeatureView, Field, FileSource, FeatureService
from feast.types import Float64
from feast.value_type import ValueType

driver = Entity(name="driver", join_keys=["driver_id"], value_type=ValueType.INT64)
driver_stats = FeatureView(
    name="driver_stats",
    entities=[driver],
    ttl=timedelta(0),
    schema=[Field(name=f"f{{j}}", dtype=Float64) for j in range(10)],
    source=FileSource(path={os.path.join(data_dir, "features.parquet")!r}, timestamp_field="event_timestamp"),
)
"""
    )
store = FeatureStore(repo_path=repo)
from importlib.machinery import SourceFileLoader

mod = SourceFileLoader("repo", os.path.join(repo, "repo.py")).load_module()
store.apply([mod.driver, mod.driver_stats])
store.materialize(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
print(f"{repo}\t{online}")
