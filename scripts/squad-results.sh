#!/usr/bin/env bash
# SQuAD v1.1 article split (train: articles 1-38 of dev-v1.1.json; eval: its last 10 articles, first 500 questions),
# embedded MiniLM, one seed: DCFT d=8, LoRA r=1, full fine-tuning, the same budget each. Not official SQuAD numbers.
# Usage: scripts/squad-results.sh [OUT_DIR] ; RESULTS.md's SQuAD table is made from OUT_DIR/*/metrics.json.
set -euo pipefail
out="${1:-runs/squad}"
data="${DCFT_DATA:-../shared/data}"
common=(--task squad --data "$data" --max-steps 200 --batch 16 --max-len 192 --doc-stride 64 --eval-limit 500 --eval-every 100
        --seed 42 --quiet --overwrite)
./dcft train "${common[@]}" --method dcft --kernel 8 --out "$out/dcft-d8"
./dcft train "${common[@]}" --method lora --rank 1 --alpha 2 --out "$out/lora-r1"
./dcft train "${common[@]}" --method full --out "$out/full"
# Longer DCFT and LoRA runs: the same settings, 600 steps.
./dcft train --task squad --data "$data" --max-steps 600 --batch 16 --max-len 192 --doc-stride 64 --eval-limit 500 --eval-every 200 \
    --seed 42 --quiet --overwrite --method dcft --kernel 8 --out "$out/dcft-d8-600"
./dcft train --task squad --data "$data" --max-steps 600 --batch 16 --max-len 192 --doc-stride 64 --eval-limit 500 --eval-every 200 \
    --seed 42 --quiet --overwrite --method lora --rank 1 --alpha 2 --out "$out/lora-r1-600"
