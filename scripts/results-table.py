"""Prints the RESULTS.md table from the metrics.json files that scripts/glue-results.sh wrote."""
import json
import os
import sys

runs = sys.argv[1]
tasks = ["sst2", "cola", "stsb", "mrpc", "rte"]
variants = ["dcft-d8", "dcft-d2", "lora-r1", "lora-r8", "head", "full"]
metric_names = {"sst2": "accuracy", "cola": "MCC", "stsb": "Pearson/Spearman", "mrpc": "accuracy/F1", "rte": "accuracy"}
print("| task | method | trainable params | score (best) | metrics (best) | train time (s) | tokens/s |")
print("|---|---|---:|---:|---|---:|---:|")
for t in tasks:
    for v in variants:
        f = os.path.join(runs, f"{t}-{v}", "metrics.json")
        if not os.path.exists(f):
            continue
        m = json.load(open(f))
        best = m["best"]
        details = ", ".join(f"{k} {best[k]:.4f}" for k in best if k not in ("step", "score"))
        print(f"| {t} | {v} | {m['trainable_params']:,} | {best['score'] * 100:.2f} | {details} (step {best['step']}) "
              f"| {m['train_seconds']:.0f} | {m['tokens_per_second']:.0f} |")
