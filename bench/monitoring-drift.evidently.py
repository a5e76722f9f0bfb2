"""Evidently side of monitoring-drift.bench.ts: DataDriftPreset on the generated Parquet files.
Prints one JSON line: load and report seconds, peak RSS, and each column's test label and score."""
import json
import re
import resource
import sys
import time

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

ref_path, cur_path, numerical, categorical = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(",")
t0 = time.perf_counter()
ref = pd.read_parquet(ref_path)
cur = pd.read_parquet(cur_path)
for col in categorical:
    ref[col] = ref[col].astype("object")
    cur[col] = cur[col].astype("object")
load_s = time.perf_counter() - t0
rss_after_load_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
t1 = time.perf_counter()
snapshot = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition))
metrics = snapshot.dict()["metrics"]
report_s = time.perf_counter() - t1
columns = {}
for metric in metrics:
    mid = metric.get("metric_name") or ""
    if mid.startswith("ValueDrift("):
        col = re.search(r"column=([^,]+)", mid).group(1)
        method = re.search(r"method=(.+?)(?:,threshold=[-0-9.e]+)?\)$", mid).group(1)
        columns[col] = {"method": method, "score": float(metric["value"])}
print(json.dumps({
    "load_s": load_s,
    "report_s": report_s,
    "rss_after_load_mb": rss_after_load_kb / 1024,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "columns": columns,
}))
