#!/usr/bin/env bash
# DcftPredictor on Spark local[2] against dcft predict --input with 2 threads (issue 26; BENCHMARKS.md, "Spark"):
#   scripts/spark-bench.sh [--run RUN] [--copies 4] [--rounds 3] [--out results/bench/spark-predictor.json]
# RUN defaults to runs/sst2-dcft (the README's first command makes it). Pause background training while it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
[[ " ${args[*]:-} " == *" --run "* ]] || args+=(--run runs/sst2-dcft)
mvn -q -B -DskipTests -pl dcft-spark -am compile >&2
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
 --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
 --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
 --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED"
export GLIBC_TUNABLES="glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=17179869184:glibc.malloc.arena_max=1"
# shellcheck disable=SC2086
exec java -Xmx8g $opens -Dai.djl.offline=true -Dlog4j2.configurationFile=dcft-spark/src/test/resources/log4j2-test.properties \
  -cp "dcft-spark/target/classes:target/classes:$(cat dcft-spark/target/classpath.txt)" dev.dcft.spark.PredictorBench "${args[@]}"
