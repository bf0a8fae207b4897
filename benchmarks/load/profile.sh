#!/usr/bin/env bash
# Where the time goes over HTTP: the standalone server (Undertow) on one model folder under a steady wrk load,
# recorded with Java Flight Recorder, then summarised (hot methods, by thread, and the allocation) with the JDK's
# `jfr view` (JDK 21+; the Temurin 25 here) into benchmarks/results/profile-<label>-<stamp>.{txt,jfr}.
#
#   benchmarks/load/profile.sh MODEL_DIR BODY.npy [CONCURRENCY] [SECONDS] [LABEL]
#   benchmarks/load/profile.sh benchmarks/models/compare/digitsonnx-pt benchmarks/models/compare/digitsonnx-input.npy 64 20 undertow-digitsonnx
#
# Run benchmarks/compare.sh first (it builds the launcher and writes benchmarks/models/compare/). Same JVM flags as
# compare.sh; the recording starts after a 5 s warm-up. Environment: PORT (default 18090), JFR_BIN.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1 body=$2 c=${3:-64} seconds=${4:-20} label=${5:-$(basename "$model")}
port=${PORT:-18090}
jfr_bin=${JFR_BIN:-$(ls /usr/lib/jvm/temurin-2*/bin/jfr 2> /dev/null | tail -1)}
[ -x "$jfr_bin" ] || { echo "profile.sh needs a JDK 21+ jfr (set JFR_BIN)" >&2; exit 1; }
launcher=adapter-undertow/target/servingkit/bin/servingkit
stamp=$(date +%Y%m%d-%H%M)
out=benchmarks/results/profile-$label-$stamp
tmp=$(mktemp -d)
trap 'kill -TERM "$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true; rm -rf "$tmp"' EXIT

printf 'inference_address=http://127.0.0.1:%s\n' "$port" > "$tmp/config.properties"
SERVING_OPTS="-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 -Xms1g -Xmx2g" \
  "$launcher" -f "$tmp/config.properties" -m "m=file:$PWD/$model" > "$tmp/server.out" 2>&1 &
server=$!
for _ in $(seq 1 240); do grep -q "^Try:" "$tmp/server.out" && break; sleep 0.5; done
pid=$(pgrep -f "io.servingkit.undertow.*$port" | head -1 || true)
[ -n "$pid" ] || pid=$(pgrep -P "$server" java | head -1 || echo "$server")
url="http://127.0.0.1:$port/predictions/m"
threads=$(( c < 2 ? 1 : 2 ))
BODY=$body CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$c" -d5s -s benchmarks/load/post.lua "$url" > /dev/null
jcmd "$pid" JFR.start name=profile settings=profile filename="$PWD/$out.jfr" > /dev/null
BODY=$body CONTENT_TYPE=tensor/npy wrk -t"$threads" -c"$c" -d"${seconds}s" --latency -s benchmarks/load/post.lua "$url" > "$tmp/wrk.txt"
jcmd "$pid" JFR.stop name=profile > /dev/null
{
  echo "# profile of $model over HTTP (Undertow), wrk C=$c for ${seconds}s after a 5 s warm-up, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# machine: $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# command: benchmarks/load/profile.sh $*"
  echo; echo "## wrk"; cat "$tmp/wrk.txt"
  for view in hot-methods native-methods thread-cpu-load allocation-by-class gc-pauses; do
    echo; echo "## jfr view $view"; "$jfr_bin" view --width 160 "$view" "$out.jfr" 2>&1 || true
  done
} > "$out.txt"
echo "wrote $out.txt and $out.jfr"
