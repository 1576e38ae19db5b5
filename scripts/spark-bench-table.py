#!/usr/bin/env python3
"""BENCHMARKS.md's Spark table from results/bench/spark-predictor.json (scripts/spark-bench.sh writes it)."""
import json
import sys

d = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "results/bench/spark-predictor.json"))
m = d["machine"]
print("Machine: %s, %s logical cores, flags %s, %s; %d rows (%s), fp32." % (m.get("cpu"), m.get("logical_cores", "?"), " ".join(m.get("flags", [])), m.get("malloc", ""), d["rows"], d["run"]))
print()
print("| round | dcft predict --input (ms) | DcftPredictor local[2] (ms) | models loaded so far |")
print("|---:|---:|---:|---:|")
for i, (c, s, n) in enumerate(zip(d["cli_ms"], d["spark_ms"], d["model_loads_after_each_spark_round"])):
    print("| %d | %s | %s | %d |" % (i + 1, format(round(c), ","), format(round(s), ","), n))
print()
print("Median rows/s: dcft predict %.1f, DcftPredictor %.1f: **%.3fx** (goal >= 0.9x)." % (
    d["cli_rows_per_second"], d["spark_rows_per_second"], d["spark_over_cli_rows_per_second"]))
