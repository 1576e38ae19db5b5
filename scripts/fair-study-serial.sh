#!/usr/bin/env bash
# The fair-recipe study (issue 23), MRPC selection runs one at a time at 2 threads: on a 2-core machine one run alone at
# 2 threads is faster than two 1-thread lanes side by side. Order: each method's provisional RTE choice first. Skips runs
# whose summary is already in results/glue-bert-base-fair/. Uses the frozen build scripts/fair-study.sh makes.
#   setsid nohup bash -c 'exec -a fair-study-lane scripts/fair-study-serial.sh' >> runs/fair-mrpc.log 2>&1 &
cd "$(dirname "$0")/.."
bin="${FAIR_BIN:-$HOME/.cache/dcft/fair-bin}"
for r in mrpc-dcft-d8-sel-lr1e-2-h1e-3-s1 mrpc-lora-r1-sel-lr3e-3-h1e-3-s1 mrpc-dcft-d8-sel-lr3e-3-h1e-3-s1 mrpc-lora-r1-sel-lr1e-3-h1e-2-s1 mrpc-dcft-d8-sel-lr1e-2-hlr-s1 mrpc-lora-r1-sel-lr3e-3-hlr-s1 mrpc-dcft-d8-sel-lr3e-3-hlr-s1 mrpc-lora-r1-sel-lr1e-3-hlr-s1 mrpc-dcft-d8-sel-lr3e-2-h1e-3-s1 mrpc-lora-r1-sel-lr1e-2-h1e-3-s1 mrpc-dcft-d8-sel-lr3e-2-hlr-s1 mrpc-lora-r1-sel-lr1e-2-hlr-s1; do
  [[ -f results/glue-bert-base-fair/$r.json ]] && continue
  nice -n 5 "$bin/dcft" --threads 2 experiment run experiments/glue-bert-base-fair.json --runs runs/glue-bert-base-fair \
    --summaries results/glue-bert-base-fair --process-per-run --only "$r" || exit $?
done
