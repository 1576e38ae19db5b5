#!/usr/bin/env bash
# Fault tests at full size (issue 27; README "Security and failure behaviour"):
#   - KillAndResumeTest with 24 kill -9s across training steps, checkpoint swaps, adapter/metrics/log writes and merge;
#   - DiskFullTest (a 64 MB tmpfs when run as root, else an injected ENOSPC);
#   - ServeSoakTest with 50,000 requests from 16 clients plus two slow clients.
# mvn verify runs the same tests smaller (8 kills, 3,000 requests). Summaries: results/faults/{kills,serve-soak}.json.
#   scripts/faults.sh [--kills N] [--requests N]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=24
requests=50000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --requests) requests="$2"; shift 2 ;;
    *) echo "usage: scripts/faults.sh [--kills N] [--requests N]" >&2; exit 2 ;;
  esac
done
mkdir -p results/faults
mvn -B -ntp -q -DskipTests -pl dcft-core test-compile
mvn -B -ntp -pl dcft-core surefire:test -Dtest='KillAndResumeTest,DiskFullTest,ServeSoakTest' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest.jvm="-Xmx2g -Ddcft.kills=$kills -Ddcft.kills.summary=$PWD/results/faults/kills.json \
-Ddcft.soak.requests=$requests -Ddcft.soak.summary=$PWD/results/faults/serve-soak.json" | tee target/faults.log | grep -E 'Tests run|KillAndResumeTest:|DiskFullTest:|FAIL|ERROR' || true
grep -q 'Tests run: 3, Failures: 0, Errors: 0' target/faults.log
