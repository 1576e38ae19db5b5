#!/usr/bin/env bash
# Coverage-guided fuzzing of the readers (src/test/java/dev/dcft/fuzz/ReadersFuzzTest.java) and of serve's request
# bodies (ServeBodiesFuzzTest) with Jazzer.
#   scripts/fuzz.sh [TARGET ...] [--minutes N]     (default: every target, 10 minutes or 1,000,000 executions each)
# A TARGET is a ReadersFuzzTest method (safetensors, tables...) or Class#method (ServeBodiesFuzzTest#bodies).
# Each target runs alone (Jazzer fuzzes one @FuzzTest per JVM) in a 1 GB heap, so that an allocation out of all
# proportion to an input of a few kilobytes ends as an OutOfMemoryError, a finding. Findings land in
# src/test/resources/dev/dcft/fuzz/<Class>Inputs/<target>/crash-*: fix the reader, keep the file (mvn verify
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
  targets=(safetensors pytorchBin tfBundleIndex onnxGraph protoWire sentencePiece tables squad adapterConfig grid
           ServeBodiesFuzzTest#bodies)
fi
mvn -B -ntp -q -DskipTests -pl dcft-core test-compile
mkdir -p target
for target in "${targets[@]}"; do
  if [[ "$target" == *#* ]]; then cls="${target%%#*}"; t="${target#*#}"; else cls=ReadersFuzzTest; t="$target"; fi
  log="target/fuzz-$t.log"
  start=$(date +%s)
  set +e
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${minutes}m" JAZZER_MAX_EXECUTIONS=1000000 timeout $(( minutes * 60 + 120 )) \
    mvn -B -ntp -q -pl dcft-core surefire:test -Dtest="$cls#$t" -Dsurefire.failIfNoSpecifiedTests=false \
      -Dtest.jvm="-Xmx1g -XX:-OmitStackTraceInFastThrow -Djazzer.max_duration=${minutes}m -Djazzer.max_executions=1000000" > "$log" 2>&1
  code=$?
  set -e
  execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
  line="$cls#$t: exit $code, ${execs:-?} executions in $(( $(date +%s) - start )) s, findings: $(ls src/test/resources/dev/dcft/fuzz/${cls}Inputs/$t/ | grep -c '^crash-' || true)"
  echo "$line" | tee -a target/fuzz-summary.txt
done
