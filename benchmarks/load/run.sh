#!/usr/bin/env bash
# HTTP load on the standalone server (wrk) next to the same load in process (InProcessLoad), same model folders,
# same request bodies, same JVM flags, same machine.
#
#   benchmarks/load/run.sh [MODELS] [CONNECTIONS] [DURATION_S]
#   benchmarks/load/run.sh "digits resnet18" "1 16 64" 15
#
# digits = the trained 8x8-digits CNN, tensor in/out (.npy, 384 bytes); digits-batch = the same with batch_size=8 and
# max_batch_delay=1 ms (one (1,8,8) sample per request, stacked); resnet18 = torchvision resnet18 (.npy,
# 602 KB). Both on ONNX Runtime, 2 workers x 1 intra-op thread (benchmarks/load/prepare_models.py). wrk runs on the
# same cores as the server. Writes benchmarks/results/load-<date>.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=${1:-"digits digits-batch resnet18"}
connections=${2:-"1 16 64"}
duration=${3:-15}
warmup=5
port=${PORT:-18080}
jvm_flags="-Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true -Xms1g -Xmx1g"

launcher=adapter-undertow/target/servingkit/bin/servingkit
if [ ! -x "$launcher" ] || [ ! -f benchmarks/target/load.classpath ]; then
  mvn -B -q -o -DskipTests package -pl adapter-undertow -am
  mvn -B -q -o -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile="$PWD/benchmarks/target/load.classpath" -Dmdep.includeScope=runtime
fi
[ -f benchmarks/models/digits-sample.npy ] && [ -f benchmarks/models/resnet18-onnx/resnet18.onnx ] \
  || /usr/bin/python3 benchmarks/load/prepare_models.py
inprocess_cp="benchmarks/target/classes:$(cat benchmarks/target/load.classpath)"

mkdir -p benchmarks/results benchmarks/results/tmp
out=benchmarks/results/load-$(date +%Y%m%d-%H%M).md
{
  echo "# HTTP (wrk -> Undertow -> ServingApi -> ModelServer) vs in-process ModelServer.predict"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(java -version 2>&1 | head -1), wrk on the same cores."
  echo "ONNX Runtime, 2 workers x 1 intra-op thread, batch_size=1 (digits-batch: 8, max_batch_delay 1 ms); ${warmup} s warm-up, ${duration} s measured;"
  echo "in-process = the same number of client threads, each calling ModelServer.predict(...).join() in a loop with the same body."
  echo
  echo "| model | connections | HTTP req/s | HTTP p50 ms | HTTP p99 ms | in-process req/s | in-process p50 ms | in-process p99 ms | HTTP / in-process | load avg (HTTP / in-process) |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
} > "$out"

to_ms() { # wrk prints 1.23ms, 456.00us, 1.20s
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print v }'
}

start_server() { # $1 = model folder
  local config=benchmarks/results/tmp/config.properties
  printf 'inference_address=http://127.0.0.1:%s\n' "$port" > "$config"
  SERVING_OPTS="$jvm_flags" "$launcher" -f "$config" -m "m=file:$1" > benchmarks/results/tmp/server.out 2>&1 &
  server=$!
  for _ in $(seq 1 120); do
    grep -q "^Try:" benchmarks/results/tmp/server.out && return 0
    kill -0 $server 2>/dev/null || { cat benchmarks/results/tmp/server.out >&2; exit 1; }
    sleep 0.5
  done
  echo "server did not start" >&2; exit 1
}

server=
trap '[ -n "$server" ] && kill $server 2>/dev/null || true' EXIT
for model in $models; do
  case $model in
    digits) dir=benchmarks/models/digits-tensor; body=benchmarks/models/digits-input.npy ;;
    digits-batch) dir=benchmarks/models/digits-batch; body=benchmarks/models/digits-sample.npy ;;
    resnet18) dir=benchmarks/models/resnet18-onnx; body=benchmarks/models/resnet18-input.npy ;;
    *) echo "unknown model $model" >&2; exit 2 ;;
  esac
  for c in $connections; do
    # HTTP and in-process back to back for each point, so that both see the same machine
    start_server "$dir"
    curl -sf -o /dev/null -X POST --data-binary @"$body" -H 'Content-Type: tensor/npy' "http://127.0.0.1:$port/predictions/m"
    threads=$(( c < 2 ? 1 : 2 ))
    BODY=$body CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$c" -d"${warmup}s" --timeout 60s -s benchmarks/load/post.lua \
      "http://127.0.0.1:$port/predictions/m" > /dev/null
    load_http=$(cut -d' ' -f1 /proc/loadavg)
    BODY=$body CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$c" -d"${duration}s" --timeout 60s --latency -s benchmarks/load/post.lua \
      "http://127.0.0.1:$port/predictions/m" > benchmarks/results/tmp/wrk.txt
    kill -TERM $server; wait $server || true; server=
    if grep -q "Non-2xx" benchmarks/results/tmp/wrk.txt; then
      echo "wrk saw errors:" >&2; cat benchmarks/results/tmp/wrk.txt >&2; exit 1
    fi
    http_rps=$(awk '/^Requests\/sec/ { print $2 }' benchmarks/results/tmp/wrk.txt)
    http_p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' benchmarks/results/tmp/wrk.txt)")
    http_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' benchmarks/results/tmp/wrk.txt)")
    echo "http $model c=$c rps=$http_rps p50=$http_p50 p99=$http_p99 load=$load_http"

    # shellcheck disable=SC2086
    line=$(java $jvm_flags -Dlogback.configurationFile=adapter-undertow/src/main/dist/conf/logback.xml \
      -cp "$inprocess_cp" io.servingkit.benchmarks.InProcessLoad \
      server "$dir" "$body" tensor/npy "$c" "$warmup" "$duration" 2> benchmarks/results/tmp/inprocess.err | grep '^server')
    load_ip=$(cut -d' ' -f1 /proc/loadavg)
    echo "$model $line load=$load_ip"
    ip_rps=$(sed 's/.* rps=\([^ ]*\).*/\1/' <<< "$line")
    ip_p50=$(sed 's/.* p50_ms=\([^ ]*\).*/\1/' <<< "$line")
    ip_p99=$(sed 's/.* p99_ms=\([^ ]*\).*/\1/' <<< "$line")
    ratio=$(awk -v a="$http_rps" -v b="$ip_rps" 'BEGIN { printf "%.2f", a / b }')
    echo "| $model | $c | $http_rps | $http_p50 | $http_p99 | $ip_rps | $ip_p50 | $ip_p99 | $ratio | $load_http / $load_ip |" >> "$out"
  done
done
echo
cat "$out"
