#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers (src/test/java/dev/dcft/fuzz/ReadersFuzzTest.java) with Jazzer.
#   scripts/fuzz.sh [TARGET ...] [--minutes N]     (default: every target, 10 minutes each)
# Each target runs alone (Jazzer fuzzes one @FuzzTest per JVM) in a 1 GB heap, so that an allocation out of all
# proportion to an input of a few kilobytes ends as an OutOfMemoryError, a finding. Findings land in
# src/test/resources/dev/dcft/fuzz/ReadersFuzzTestInputs/<target>/crash-*: fix the reader, keep the file (mvn verify
# replays it from then on). The generated corpus stays in .cifuzz-corpus/ (not committed). A summary line per target
# (executions, seconds, findings) goes to stdout and to target/fuzz-summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=10
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(safetensors pytorchBin tfBundleIndex onnxGraph protoWire sentencePiece tables squad adapterConfig grid)
fi
mvn -B -ntp -q -DskipTests test-compile
mkdir -p target
for t in "${targets[@]}"; do
  log="target/fuzz-$t.log"
  start=$(date +%s)
  set +e
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${minutes}m" timeout $(( minutes * 60 + 120 )) \
    mvn -B -ntp -q surefire:test -Dtest="ReadersFuzzTest#$t" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dtest.jvm="-Xmx1g -XX:-OmitStackTraceInFastThrow -Djazzer.max_duration=${minutes}m" > "$log" 2>&1
  code=$?
  set -e
  execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
  line="$t: exit $code, ${execs:-?} executions in $(( $(date +%s) - start )) s, findings: $(ls src/test/resources/dev/dcft/fuzz/ReadersFuzzTestInputs/$t/ | grep -c '^crash-' || true)"
  echo "$line" | tee -a target/fuzz-summary.txt
done
