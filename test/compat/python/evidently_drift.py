"""Runs Evidently's DataDriftPreset on two JSON-lines files and prints each column's test and score.

Usage: python evidently_drift.py cases.json
cases.json: a list of cases, each {"reference": path, "current": path, "numerical": [...],
"categorical": [...], "per_column_method": {...}, "per_column_threshold": {...}, "drift_share": 0.5}
Prints one JSON list, per case: {"columns": {name: {"method": label, "score": float,
"threshold": float}}, "drifted_count": number, "share": number}.
"""
import json
import re
import sys

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset


def run(spec):
    ref = pd.read_json(spec["reference"], lines=True, dtype=False)
    cur = pd.read_json(spec["current"], lines=True, dtype=False)
    for col in spec["numerical"]:
        ref[col] = pd.to_numeric(ref[col]).astype("float64")
        cur[col] = pd.to_numeric(cur[col]).astype("float64")
    for col in spec["categorical"]:
        ref[col] = ref[col].astype("object")
        cur[col] = cur[col].astype("object")
    definition = DataDefinition(numerical_columns=spec["numerical"], categorical_columns=spec["categorical"])
    preset = DataDriftPreset(
        drift_share=spec.get("drift_share", 0.5),
        per_column_method=spec.get("per_column_method") or None,
        per_column_threshold=spec.get("per_column_threshold") or None,
    )
    snapshot = Report([preset]).run(Dataset.from_pandas(cur, data_definition=definition), Dataset.from_pandas(ref, data_definition=definition))
    out = {"columns": {}}
    for metric in snapshot.dict()["metrics"]:
        mid = metric.get("metric_name") or metric.get("metric_id") or ""
        if mid.startswith("ValueDrift("):
            # Parameters come in either order: column=…, method=… (may hold parentheses), threshold=….
            col = re.search(r"column=([^,]+)", mid).group(1)
            thr = re.search(r"threshold=([-0-9.e]+)", mid).group(1)
            method = re.search(r"method=(.+?)(?:,threshold=[-0-9.e]+)?\)$", mid).group(1)
            out["columns"][col] = {"method": method, "score": float(metric["value"]), "threshold": float(thr)}
        elif mid.startswith("DriftedColumnsCount"):
            out["drifted_count"] = metric["value"]["count"]
            out["share"] = metric["value"]["share"]
    return out


print(json.dumps([run(spec) for spec in json.load(open(sys.argv[1]))]))
