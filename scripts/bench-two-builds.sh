#!/usr/bin/env bash
# A change's effect on training-step time, measured the way BENCHMARKS.md asks: the build of commit REV (in a git
# worktree of its own) and the checkout's build run the same `dcft bench` alternately, ROUNDS processes each, the first
# side alternating from round to round; scripts/two-builds-table.py renders the JSON (per-round medians included).
#   scripts/bench-two-builds.sh REV OUT.json ROUNDS -- BENCH-ARGS...   (e.g. -- --model minilm-l6 --batch 16 --seq 384)
# Pause background training first (SIGTERM checkpoints it, SIGSTOP pauses it).
set -euo pipefail
cd "$(dirname "$0")/.."
rev="$1"; out="$2"; rounds="$3"; shift 3
[[ "${1:-}" == "--" ]] && shift
old="$(mktemp -d)/tree"
git worktree add -f "$old" "$rev" > /dev/null
trap 'git worktree remove --force "$old"' EXIT
(cd "$old" && mvn -o -q -B -DskipTests -pl dcft-core compile > /dev/null 2>&1 || mvn -o -q -B -DskipTests compile > /dev/null)
touch "$old/target/classes/.built"
./dcft --version > /dev/null
tmp="$(mktemp -d)"
for ((r = 1; r <= rounds; r++)); do
  if (( r % 2 )); then order=(old new); else order=(new old); fi
  for side in "${order[@]}"; do
    launcher=./dcft; [[ $side == old ]] && launcher="$old/dcft"
    "$launcher" bench --no-inference --json "$@" > "$tmp/$side.$r.json"
    echo "bench-two-builds: round $r/$rounds, $side done" >&2
  done
done
python3 - "$rev" "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes')" "$out" "$tmp" "$rounds" "$*" <<'PY'
import json, os, statistics, sys
rev, head, out, tmp, rounds, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
runs = {s: [json.load(open(os.path.join(tmp, f"{s}.{r}.json"))) for r in range(1, rounds + 1)] for s in ("old", "new")}
flags = set()
for line in open("/proc/cpuinfo"):
    if line.startswith("flags"):
        flags = set(line.split(":", 1)[1].split()); break
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
methods = list(runs["new"][0]["methods"])
res = {"old_build": rev, "new_build": head, "bench_args": args, "rounds": rounds,
       "cpu": {"model": model, "cores": os.cpu_count(), "avx512f": "avx512f" in flags, "avx512_bf16": "avx512_bf16" in flags},
       "threads": runs["new"][0]["threads"], "methods": {}}
for m in methods:
    old = [b["methods"][m]["step_ms_median"] for b in runs["old"]]
    new = [b["methods"][m]["step_ms_median"] for b in runs["new"]]
    res["methods"][m] = {"old_ms_rounds": old, "new_ms_rounds": new, "old_ms_median": statistics.median(old),
                         "new_ms_median": statistics.median(new),
                         "new_to_old_rounds": [round(n / o, 3) for n, o in zip(new, old)],
                         "new_to_old_median": round(statistics.median(n / o for n, o in zip(new, old)), 3)}
res["runs"] = runs
json.dump(res, open(out, "w"), indent=1)
PY
python3 scripts/two-builds-table.py "$out"
