"""Calibration check of the flights model, a pipeline command step (standard library only).

Reads the evaluation step's output (its ``reliability`` bins: predictions per probability bin,
how many were delayed, their mean probability) and writes the expected calibration error (ECE:
the count-weighted mean gap between predicted and observed delay rates), the largest gap over
bins with at least 50 predictions (MCE), and the number of bins used. Prints the reliability
table, which becomes the step's log.

Usage: python3 calibration.py <evaluation.json> <outputs.json>
"""

import json
import sys


def main() -> None:
    evaluation_path, outputs_path = sys.argv[1], sys.argv[2]
    with open(evaluation_path, encoding="utf-8") as f:
        reliability = json.load(f)["reliability"]
    counts = reliability["counts"]
    positives = reliability["positives"]
    mean_p = reliability["meanProbability"]
    total = sum(counts)
    if total == 0:
        sys.exit("calibration: the evaluation has no predictions")
    ece = 0.0
    mce = 0.0
    used = 0
    print("bin        predictions  predicted  observed")
    for b, n in enumerate(counts):
        if n == 0:
            continue
        used += 1
        observed = positives[b] / n
        gap = abs(mean_p[b] - observed)
        ece += n / total * gap
        if n >= 50:
            mce = max(mce, gap)
        print(f"{b / 10:.1f}-{(b + 1) / 10:.1f}  {n:>11}  {mean_p[b]:>9.3f}  {observed:>8.3f}")
    print(f"ECE {ece:.4f}, MCE {mce:.4f} over {used} bins")
    with open(outputs_path, "w", encoding="utf-8") as f:
        json.dump({"ece": ece, "mce": mce, "bins": used}, f)


if __name__ == "__main__":
    main()
