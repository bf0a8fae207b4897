#!/usr/bin/env bash
# The load of run.sh (wrk, same model folders, same request bodies, same JVM flags) against the example WAR in
# Tomcat 11, next to the same load against the standalone Undertow server, back to back for each point.
#
#   benchmarks/load/run-tomcat.sh [MODELS] [CONNECTIONS] [DURATION_S]
#   benchmarks/load/run-tomcat.sh "digits resnet18" "1 16 64" 15
#
# Tomcat: io.servingkit.benchmarks.TomcatWarServer deploys examples/war/target/servingkit-example.war at the root
# (default NIO connector and thread pool), its class path being Tomcat plus examples/war/target/container-lib
# (DJL and ONNX Runtime, as a container's lib/); the WAR's own models are switched off and the benchmark model is
# given as a context parameter (servingkit.models=m=file:DIR), so both servers answer /predictions/m from the
# same folder. Writes benchmarks/results/load-tomcat-<date>.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${1:-"digits resnet18"}
connections=${2:-"1 16 64"}
duration=${3:-15}
warmup=5
port=${PORT:-18080}
jvm_flags="-Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true -Xms1g -Xmx1g"

launcher=adapter-undertow/target/servingkit/bin/servingkit
war=examples/war/target/servingkit-example.war
tomcat_cp_file=benchmarks/target/tomcat.classpath
if [ ! -x "$launcher" ] || [ ! -f "$war" ] || [ ! -f "$tomcat_cp_file" ]; then
  mvn -B -q -o -DskipTests package -pl adapter-undertow,examples/war -am
  mvn -B -q -o -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile="$PWD/$tomcat_cp_file" -DincludeGroupIds=org.apache.tomcat.embed,org.apache.tomcat \
    -DincludeScope=runtime
fi
[ -f benchmarks/models/digits-input.npy ] && [ -f benchmarks/models/resnet18-onnx/resnet18.onnx ] \
  || /usr/bin/python3 benchmarks/load/prepare_models.py
tomcat_cp="benchmarks/target/classes:$(cat "$tomcat_cp_file"):$(ls examples/war/target/container-lib/*.jar | tr '\n' ':')"

mkdir -p benchmarks/results/tmp
out=benchmarks/results/load-tomcat-$(date +%Y%m%d-%H%M).md
{
  echo "# HTTP: the example WAR in Tomcat 11 vs the standalone Undertow server (wrk, same model, same body)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1), wrk on the same cores."
  echo "ONNX Runtime, 2 workers x 1 intra-op thread, batch_size=1; ${warmup} s warm-up, ${duration} s measured;"
  echo "both JVMs: ${jvm_flags}. Tomcat: default NIO connector (maxThreads 200), the WAR deployed from its file."
  echo
  echo "| model | connections | Undertow req/s | Undertow p50 ms | Undertow p99 ms | Tomcat req/s | Tomcat p50 ms | Tomcat p99 ms | Tomcat / Undertow |"
  echo "|---|---|---|---|---|---|---|---|---|"
} > "$out"

to_ms() { # wrk prints 1.23ms, 456.00us, 1.20s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print v }'
}

server=
trap '[ -n "$server" ] && kill $server 2>/dev/null || true' EXIT

wait_ready() { # $1 = log file
  for _ in $(seq 1 240); do
    grep -q "^Try:" "$1" && return 0
    kill -0 $server 2>/dev/null || { cat "$1" >&2; exit 1; }
    sleep 0.5
  done
  echo "server did not start" >&2; exit 1
}

start_undertow() { # $1 = model folder
  local config=benchmarks/results/tmp/config.properties
  printf 'inference_address=http://127.0.0.1:%s\n' "$port" > "$config"
  SERVING_OPTS="$jvm_flags" "$launcher" -f "$config" -m "m=file:$1" > benchmarks/results/tmp/server.out 2>&1 &
  server=$!
  wait_ready benchmarks/results/tmp/server.out
}

start_tomcat() { # $1 = model folder
  rm -rf benchmarks/results/tmp/tomcat
  # shellcheck disable=SC2086
  java $jvm_flags -cp "$tomcat_cp" io.servingkit.benchmarks.TomcatWarServer "$war" "$port" benchmarks/results/tmp/tomcat \
    servingkit.model_store= servingkit.job_queue_size=1000 "servingkit.models=m=file:$PWD/$1" > benchmarks/results/tmp/tomcat.out 2>&1 &
  server=$!
  wait_ready benchmarks/results/tmp/tomcat.out
}

measure() { # $1 = body, $2 = connections; stops the server; leaves "rps p50 p99" in benchmarks/results/tmp/point.txt
  local threads=$(( $2 < 2 ? 1 : 2 ))
  curl -sf -o /dev/null -X POST --data-binary @"$1" -H 'Content-Type: tensor/npy' "http://127.0.0.1:$port/predictions/m"
  BODY=$1 CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$2" -d"${warmup}s" --timeout 60s -s benchmarks/load/post.lua \
    "http://127.0.0.1:$port/predictions/m" > /dev/null
  BODY=$1 CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$2" -d"${duration}s" --timeout 60s --latency -s benchmarks/load/post.lua \
    "http://127.0.0.1:$port/predictions/m" > benchmarks/results/tmp/wrk.txt
  kill -TERM $server; wait $server || true; server=
  if grep -q "Non-2xx" benchmarks/results/tmp/wrk.txt; then
    echo "wrk saw errors:" >&2; cat benchmarks/results/tmp/wrk.txt >&2; exit 1
  fi
  echo "$(awk '/^Requests\/sec/ { print $2 }' benchmarks/results/tmp/wrk.txt)" \
    "$(to_ms "$(awk '$1 == "50%" { print $2 }' benchmarks/results/tmp/wrk.txt)")" \
    "$(to_ms "$(awk '$1 == "99%" { print $2 }' benchmarks/results/tmp/wrk.txt)")" > benchmarks/results/tmp/point.txt
}

for model in $models; do
  case $model in
    digits) dir=benchmarks/models/digits-tensor; body=benchmarks/models/digits-input.npy ;;
    resnet18) dir=benchmarks/models/resnet18-onnx; body=benchmarks/models/resnet18-input.npy ;;
    *) echo "unknown model $model" >&2; exit 2 ;;
  esac
  for c in $connections; do
    start_undertow "$dir"
    measure "$body" "$c"
    read -r u_rps u_p50 u_p99 < benchmarks/results/tmp/point.txt
    echo "undertow $model c=$c rps=$u_rps p50=$u_p50 p99=$u_p99"
    start_tomcat "$dir"
    measure "$body" "$c"
    read -r t_rps t_p50 t_p99 < benchmarks/results/tmp/point.txt
    echo "tomcat   $model c=$c rps=$t_rps p50=$t_p50 p99=$t_p99"
    ratio=$(awk -v a="$t_rps" -v b="$u_rps" 'BEGIN { printf "%.2f", a / b }')
    echo "| $model | $c | $u_rps | $u_p50 | $u_p99 | $t_rps | $t_p50 | $t_p99 | $ratio |" >> "$out"
  done
done
echo
cat "$out"
