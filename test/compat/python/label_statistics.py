"""Reference values for the label-guard statistics (src/serving/delivery/label-statistics.ts).

Reads {"cases": [...]} as JSON on stdin and prints one result per case as JSON: AUC, log loss
and Brier from scikit-learn; DeLong's variance from its definition (the O(m*n) kernel matrix,
independent of the midrank shortcut); Welch's and the paired t-test from SciPy.
"""
import json
import sys

import numpy as np
from scipy import stats
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score


def placements(y, s):
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    return psi.mean(axis=1), psi.mean(axis=0)


def delong(y, s):
    v10, v01 = placements(y, s)
    return v10.mean(), v10, v01


def main():
    out = []
    for case in json.load(sys.stdin)["cases"]:
        kind = case["kind"]
        if kind == "auc-independent":
            a_y, a_s = np.array(case["a"]["labels"]), np.array(case["a"]["scores"])
            b_y, b_s = np.array(case["b"]["labels"]), np.array(case["b"]["scores"])
            auc_a, a10, a01 = delong(a_y, a_s)
            auc_b, b10, b01 = delong(b_y, b_s)
            var = (
                a10.var(ddof=1) / len(a10) + a01.var(ddof=1) / len(a01)
                + b10.var(ddof=1) / len(b10) + b01.var(ddof=1) / len(b01)
            )
            out.append({
                "candidate": roc_auc_score(a_y, a_s), "champion": roc_auc_score(b_y, b_s),
                "delong_candidate": auc_a, "se": float(np.sqrt(var)),
            })
        elif kind == "auc-paired":
            y, a, b = np.array(case["labels"]), np.array(case["a"]), np.array(case["b"])
            _, a10, a01 = delong(y, a)
            _, b10, b01 = delong(y, b)
            m, n = len(a10), len(a01)
            s10 = np.cov(np.vstack([a10, b10]))
            s01 = np.cov(np.vstack([a01, b01]))
            var = (s10[0, 0] + s10[1, 1] - 2 * s10[0, 1]) / m + (s01[0, 0] + s01[1, 1] - 2 * s01[0, 1]) / n
            out.append({
                "candidate": roc_auc_score(y, a), "champion": roc_auc_score(y, b), "se": float(np.sqrt(var)),
            })
        elif kind == "losses":
            y, p = np.array(case["labels"]), np.array(case["probs"])
            out.append({"log_loss": log_loss(y, p, labels=[0, 1]), "brier": brier_score_loss(y, p)})
        elif kind == "welch":
            r = stats.ttest_ind(case["a"], case["b"], equal_var=False, alternative="greater")
            out.append({"t": float(r.statistic), "p": float(r.pvalue), "dof": float(r.df)})
        elif kind == "paired-t":
            r = stats.ttest_rel(case["a"], case["b"], alternative="greater")
            out.append({"t": float(r.statistic), "p": float(r.pvalue), "dof": float(r.df)})
        else:
            raise SystemExit(f"unknown case kind {kind}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
