#!/usr/bin/env bash
# Runs JMH benchmarks: benchmarks/jmh.sh [JMH arguments], e.g. benchmarks/jmh.sh BatcherBenchmark -f 1 -wi 2 -i 3
# Builds the benchmarks module (tests skipped), then runs org.openjdk.jmh.Main on its class path.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl benchmarks -am -DskipTests package dependency:build-classpath \
  -Dmdep.outputFile="$PWD/benchmarks/target/jmh.classpath" -Dmdep.includeScope=runtime
cp=$(cat benchmarks/target/jmh.classpath)
exec java -Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true \
  -cp "benchmarks/target/classes:$cp" org.openjdk.jmh.Main "$@"
