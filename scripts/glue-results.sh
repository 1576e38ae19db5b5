#!/usr/bin/env bash
# Trains every method of RESULTS.md on each task with the same budget, then writes the table.
# Usage: scripts/glue-results.sh [RUNS_DIR]   (data from ../shared/data unless DCFT_DATA is set)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-/tmp/dcft-results}"
data="${DCFT_DATA:-../shared/data}"
mkdir -p "$runs"
# task:steps (batch 16, the same for every method of a task)
budgets="sst2:300 cola:300 stsb:150 mrpc:100 rte:80"
variants=(
  "dcft-d8|--method dcft --kernel 8"
  "dcft-d2|--method dcft --kernel 2"
  "lora-r1|--method lora --rank 1 --alpha 2"
  "lora-r8|--method lora --rank 8 --alpha 16"
  "head|--method head"
  "full|--method full"
)
for tb in $budgets; do
  task="${tb%%:*}"; steps="${tb##*:}"
  for v in "${variants[@]}"; do
    name="${v%%|*}"; args="${v#*|}"
    out="$runs/$task-$name"
    if [[ -f "$out/metrics.json" ]]; then continue; fi
    cmd="./dcft train --task $task --model minilm-l6 $args --batch 16 --max-steps $steps --eval-every $((steps / 2)) --seed 42 --data $data --out $out --overwrite --quiet"
    echo "$cmd" > "$runs/$task-$name.cmd"
    echo "== $cmd" >&2
    $cmd >&2
  done
done
python3 scripts/results-table.py "$runs"
