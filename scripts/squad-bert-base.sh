#!/usr/bin/env bash
# SQuAD v1.1 article split (train: articles 1-38 of dev-v1.1.json; eval: its last 10 articles, first 500 questions)
# on bert-base-uncased: DCFT d=8, LoRA r=1 and full fine-tuning, 200 optimizer steps each (batch 16, length 192,
# stride 64), one seed. Not official SQuAD numbers. Resumable: a run with a checkpoint resumes, a finished one
# (metrics.json and no checkpoint) is skipped, so the script can be rerun after a kill or on a new session.
# Learning rates: the bert-base GLUE sweep's (DCFT 1e-2, LoRA 3e-3; experiments/glue-bert-base.json), full 5e-5.
# Usage: scripts/squad-bert-base.sh [OUT_DIR] [THREADS] [RUN...] ; RUN: dcft-d8, lora-r1, full (default: all three, in
# that order; two instances given different runs can share the machine). DCFT=path/to/dcft picks the launcher.
set -euo pipefail
out="${1:-runs/squad-bert-base}"
threads="${2:-0}"
only=("${@:3}")
data="${DCFT_DATA:-../shared/data}"
dcft="${DCFT:-./dcft}"
common=(--task squad --model bert-base-uncased --data "$data" --max-steps 200 --batch 16 --max-len 192 --doc-stride 64
        --eval-limit 500 --eval-every 100 --save-every 20 --seed 42 --quiet --threads "$threads")
run() {
  local name="$1"; shift
  local dir="$out/$name"
  if [[ ${#only[@]} -gt 0 && ! " ${only[*]} " == *" $name "* ]]; then
    return
  elif [[ -f "$dir/metrics.json" && ! -d "$dir/checkpoint" ]]; then
    echo "squad-bert-base: $name done, skipped"
  elif [[ -d "$dir/checkpoint" ]]; then
    "$dcft" train --resume --out "$dir" --data "$data" --quiet --threads "$threads"
  else
    "$dcft" train "${common[@]}" "$@" --out "$dir" --overwrite
  fi
}
run dcft-d8 --method dcft --kernel 8 --lr 1e-2
run lora-r1 --method lora --rank 1 --alpha 2 --lr 3e-3
run full --method full --lr 5e-5
