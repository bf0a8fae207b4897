#!/usr/bin/env bash
# The whole comparison in one command: the same network file, the same request body, up to seven ways —
#   raw       the DJL Predictor in process (NDList -> NDList, one predictor per client thread; the baseline)
#   server    ModelServer.predict(...).join() in process (queue, batcher, workers, tensor decode/encode)
#   wait      ModelServer.predictAndWait in process (waits on the same path as predict)
#   undertow  HTTP to the standalone server (wrk -> Undertow -> ServingApi -> ModelServer)
#   tomcat    HTTP to the example WAR in Tomcat 11 (wrk -> Tomcat -> ServingServlet -> ModelServer)
#   python    HTTP to the standalone server, Python mode (a model.py running the same file on Debian's torch;
#             TorchScript networks only)
#   batch8    HTTP to the standalone server with batch_size=8, max_batch_delay=1 ms (tiny networks only)
# on the tiny digits CNN (TorchScript: digits, ONNX: digitsonnx) and on resnet18, at several concurrencies (closed loop: C clients / connections, each
# sending its next request when the last was answered), then writes benchmarks/results/compare-<stamp>.{md,csv,png}:
# the machine, a table per network (req/s, p50, p99, ratio to raw) and a chart of throughput and p99 vs concurrency.
#
#   benchmarks/compare.sh [NETWORKS] [CONCURRENCIES] [DURATION_S]
#   benchmarks/compare.sh "digits digitsonnx resnet18" "1 4 16 64" 10   # the defaults; about 25 minutes on 2 cores
#
# Needs: the Maven build (run here, offline), wrk, curl, Debian's python3-numpy, python3-torch, python3-torchvision
# (resnet18 is generated, not committed) and python3-matplotlib (the chart). Every path: PyTorch 2.7.1 (DJL) or
# Debian's torch (ONNX Runtime for digitsonnx), one intra-op thread per worker or predictor, 2 workers (= cores),
# batch_size 1 but on the batch8 path. Environment:
# WARMUP (s per point, default 3), PORT (default 18080).
set -euo pipefail
cd "$(dirname "$0")/.."
nets=${1:-"digits digitsonnx resnet18"}
concurrencies=${2:-"1 4 16 64"}
duration=${3:-10}
warmup=${WARMUP:-3}
port=${PORT:-18080}
jvm_flags="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -Xms1g -Xmx2g"
tmp=benchmarks/results/tmp
mkdir -p "$tmp"

for tool in wrk curl; do
  command -v "$tool" > /dev/null || { echo "compare.sh needs $tool (apt-get install $tool)" >&2; exit 1; }
done
/usr/bin/python3 -c 'import numpy, torch, torchvision, matplotlib' \
  || { echo "compare.sh needs python3-numpy python3-torch python3-torchvision python3-matplotlib" >&2; exit 1; }

echo "== building (offline)"
# each module writes its runtime class path to its own target/runtime.classpath (a relative file is per module)
mvn -B -q -o -DskipTests package dependency:build-classpath -pl adapter-undertow,examples/war,benchmarks -am \
  -Dmdep.outputFile=target/runtime.classpath -Dmdep.includeScope=runtime
/usr/bin/python3 benchmarks/compare/prepare.py
launcher=adapter-undertow/target/servingkit/bin/servingkit
war=examples/war/target/servingkit-example.war
load_cp="benchmarks/target/classes:$(cat benchmarks/target/runtime.classpath)"
# the container's lib/: Tomcat and PyTorch from the benchmarks' class path, plus the WAR's container-lib (DJL, ONNX
# Runtime); the WAR itself brings ServingKit
container_jars=$(tr ':' '\n' < benchmarks/target/runtime.classpath | grep -E '/org/apache/tomcat/|/ai/djl/pytorch/' | tr '\n' ':')
tomcat_cp="benchmarks/target/classes:${container_jars}$(ls examples/war/target/container-lib/*.jar | tr '\n' ':')"
models=benchmarks/models/compare

stamp=$(date +%Y%m%d-%H%M)
csv=benchmarks/results/compare-$stamp.csv
machine=$tmp/machine.txt
{
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "os: $(uname -sr)"
  echo "java: $(java -version 2>&1 | head -1)"
  echo "python: $(/usr/bin/python3 -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__)')"
  echo "wrk: same cores as the server; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "settings: warm-up ${warmup} s and ${duration} s measured per point; JVM flags: ${jvm_flags}"
} > "$machine"
echo "network,path,concurrency,rps,p50_ms,p99_ms,errors" > "$csv"

to_ms() { # wrk prints 1.23ms, 456.00us, 1.20s, 2.00m
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
    else if (v ~ /m$/) { sub(/m$/, "", v); print v * 60000 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 } else print v }'
}

server=
stop_server() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2> /dev/null || true
    wait "$server" 2> /dev/null || true
    server=
  fi
}
trap stop_server EXIT

wait_ready() { # $1 = log file
  for _ in $(seq 1 240); do
    grep -q "^Try:" "$1" && return 0
    kill -0 "$server" 2> /dev/null || { cat "$1" >&2; exit 1; }
    sleep 0.5
  done
  echo "server did not start: $1" >&2; exit 1
}

start_undertow() { # $1 = model folder
  printf 'inference_address=http://127.0.0.1:%s\n' "$port" > "$tmp/config.properties"
  SERVING_OPTS="$jvm_flags" "$launcher" -f "$tmp/config.properties" -m "m=file:$PWD/$1" > "$tmp/server.out" 2>&1 &
  server=$!
  wait_ready "$tmp/server.out"
}

start_tomcat() { # $1 = model folder; the WAR's own job_queue_size (100) raised to the standalone default
  rm -rf "$tmp/tomcat"
  # shellcheck disable=SC2086
  java $jvm_flags -cp "$tomcat_cp" io.servingkit.benchmarks.TomcatWarServer "$war" "$port" "$tmp/tomcat" \
    servingkit.model_store= servingkit.job_queue_size=1000 "servingkit.models=m=file:$PWD/$1" > "$tmp/tomcat.out" 2>&1 &
  server=$!
  wait_ready "$tmp/tomcat.out"
}

http_points() { # $1 = network, $2 = path label, $3 = body
  local url="http://127.0.0.1:$port/predictions/m"
  curl -sf -o /dev/null -X POST --data-binary @"$3" -H 'Content-Type: tensor/npy' "$url" \
    || { echo "$2: the first request failed" >&2; exit 1; }
  for c in $concurrencies; do
    local threads=$(( c < 2 ? 1 : 2 ))
    BODY=$3 CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$c" -d"${warmup}s" --timeout 60s -s benchmarks/load/post.lua \
      "$url" > /dev/null
    BODY=$3 CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$c" -d"${duration}s" --timeout 60s --latency \
      -s benchmarks/load/post.lua "$url" > "$tmp/wrk.txt"
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.txt")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.txt")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.txt")")
    errors=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$tmp/wrk.txt")
    echo "$1,$2,$c,$rps,$p50,$p99,$errors" | tee -a "$csv"
  done
}

inprocess_points() { # $1 = network, $2 = raw|server|wait, $3 = model folder, $4 = body
  # shellcheck disable=SC2086
  java $jvm_flags -Dlogback.configurationFile=adapter-undertow/src/main/dist/conf/logback.xml -cp "$load_cp" \
    io.servingkit.benchmarks.InProcessLoad "$2" "$3" "$4" tensor/npy "$(tr ' ' ',' <<< "$concurrencies")" \
    "$warmup" "$duration" 2> "$tmp/inprocess.err" | grep "^$2 " > "$tmp/inprocess.txt" \
    || { cat "$tmp/inprocess.err" >&2; exit 1; }
  sed -E "s/^[a-z]+ connections=([0-9]+) requests=[0-9]+ rps=([^ ]+) p50_ms=([^ ]+) p99_ms=([^ ]+) errors=([0-9]+)$/$1,$2,\1,\2,\3,\4,\5/" \
    "$tmp/inprocess.txt" | tee -a "$csv"
}

for net in $nets; do
  body=$models/$net-input.npy
  echo "== $net: raw DJL Predictor";         inprocess_points "$net" raw "$models/$net-pt" "$body"
  echo "== $net: in-process ModelServer";    inprocess_points "$net" server "$models/$net-pt" "$body"
  echo "== $net: in-process predictAndWait"; inprocess_points "$net" wait "$models/$net-pt" "$body"
  echo "== $net: Undertow HTTP";             start_undertow "$models/$net-pt"; http_points "$net" undertow "$body"; stop_server
  echo "== $net: Tomcat HTTP";               start_tomcat "$models/$net-pt";   http_points "$net" tomcat "$body";   stop_server
  if [ -d "$models/$net-b8" ]; then
    echo "== $net: Undertow HTTP, batch_size=8"; start_undertow "$models/$net-b8"; http_points "$net" batch8 "$body"; stop_server
  fi
  if [ -d "$models/$net-py" ]; then
    echo "== $net: Python mode (Undertow HTTP)"; start_undertow "$models/$net-py"; http_points "$net" python "$body"; stop_server
  fi
done

/usr/bin/python3 benchmarks/compare/report.py "$csv" "$machine"
