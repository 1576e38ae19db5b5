#!/usr/bin/env python3
"""Writes a run's SQuAD summary (metrics.json plus the settings that define it) as results/squad/<NAME>.json.
    python3 scripts/squad-summary.py RUN_DIR NAME
"""
import json
import os
import sys

run, name = sys.argv[1], sys.argv[2]
metrics = json.load(open(os.path.join(run, 'metrics.json')))
config = json.load(open(os.path.join(run, 'config.json')))
keep = ['task', 'model', 'method', 'kernel', 'rank', 'alpha', 'lr', 'maxSteps', 'batch', 'maxLen', 'warmupRatio',
        'weightDecay', 'seed', 'evalLimit', 'threads']
summary = dict(metrics)
summary['config'] = {k: config[k] for k in keep if k in config}
summary['config']['docStride'] = (config.get('data') or {}).get('docStride')
out = os.path.join('results', 'squad', name + '.json')
tmp = out + '.tmp'
with open(tmp, 'w') as f:
    json.dump(summary, f, indent=1)
    f.write('\n')
os.replace(tmp, out)
print(out)
