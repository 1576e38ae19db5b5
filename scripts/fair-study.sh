#!/usr/bin/env bash
# The fair-recipe study of issue 23 (experiments/glue-bert-base-fair.json, RESULTS.md "bert-base under a recipe fair
# to both"), run as it has been: from a frozen build of commit a237832, so that rebuilding the checkout never changes
# a run under way, two lanes side by side (DCFT d=8 and LoRA r=1), one thread and one JVM per run, summaries into
# results/glue-bert-base-fair/ (commit them as they land: a new machine loses runs/).
#   scripts/fair-study.sh [TASK ...]        (default: rte mrpc; a lane does its method's selection runs task by task)
# Stop it with: pkill -f fair-study-lane; pkill -TERM -f 'fair-bin/classes.*experiment run'   (runs checkpoint)
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=("$@")
[[ ${#tasks[@]} -eq 0 ]] && tasks=(rte mrpc)
bin="${FAIR_BIN:-$HOME/.cache/dcft/fair-bin}"
if [[ ! -x "$bin/dcft" ]]; then
  echo "fair-study: building the frozen study build (commit a237832) in $bin..." >&2
  src="$(mktemp -d)"
  git worktree add -f "$src/tree" a237832 > /dev/null
  (cd "$src/tree" && mvn -q -B -DskipTests compile)
  mkdir -p "$bin"
  rm -rf "$bin/classes"
  cp -r "$src/tree/target/classes" "$bin/classes"
  cp "$src/tree/target/runtime-classpath.txt" "$bin/"
  git worktree remove --force "$src/tree"
  cat > "$bin/dcft" <<LAUNCHER
#!/usr/bin/env bash
export MALLOC_ARENA_MAX=2
exec java -Xmx4g -Dai.djl.offline=true -cp "$bin/classes:\$(cat $bin/runtime-classpath.txt)" dev.dcft.cli.Main "\$@"
LAUNCHER
  chmod +x "$bin/dcft"
  "$bin/dcft" info --model bert-base-uncased > /dev/null  # fetches bert-base into the Maven repository if missing
fi
mkdir -p runs
for m in dcft-d8 lora-r1; do
  (
    exec -a fair-study-lane bash -c '
      for t in "${@:3}"; do
        nice -n 5 "$1" --threads 1 experiment run experiments/glue-bert-base-fair.json --runs runs/glue-bert-base-fair \
          --summaries results/glue-bert-base-fair --process-per-run --only "$t-$2-sel-*" || exit $?
      done' lane "$bin/dcft" "$m" "${tasks[@]}"
  ) >> "runs/fair-$m.log" 2>&1 < /dev/null &
  echo "fair-study: lane $m started (log runs/fair-$m.log)"
done
