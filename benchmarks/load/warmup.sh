#!/usr/bin/env bash
# A fresh replica's first seconds against its steady state, on the digits model (ONNX Runtime, a PNG through DJL's
# image translator), without and with warm-up (warmup_inputs=samples, warmup_iterations=N in serving.properties).
# Each variant: start the packaged launcher, wait until /v2/health/ready answers 200 (time printed), then run wrk in
# back-to-back 1-second windows; steady state = the mean of the last 5 windows. Writes
# benchmarks/results/warmup-<date>.md and prints it.
#
#   benchmarks/load/warmup.sh [ITERATIONS] [CONNECTIONS] [WINDOWS]     # defaults: 2000 8 10
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=${1:-2000}
connections=${2:-8}
windows=${3:-10}
port=${PORT:-18090}
launcher=adapter-undertow/target/servingkit/bin/servingkit
[ -x "$launcher" ] || mvn -B -q -o -DskipTests package -pl adapter-undertow -am
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for variant in cold warm; do
  cp -r examples/models/digits-onnx "$tmp/$variant"
done
printf '\nwarmup_inputs=samples\nwarmup_iterations=%s\n' "$iterations" >> "$tmp/warm/serving.properties"
printf 'inference_address=http://127.0.0.1:%s\n' "$port" > "$tmp/config.properties"
body=examples/models/digit-images/3.png

out=benchmarks/results/warmup-$(date -u +%Y%m%d-%H%M).md
{
  echo "# First seconds of a fresh replica vs its steady state (digits, PNG body, ONNX Runtime)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1);"
  echo "wrk -t2 -c$connections in ${windows} back-to-back 1 s windows from the moment /v2/health/ready answered 200;"
  echo "default worker settings; warm = \`warmup_inputs=samples\` (one PNG) and \`warmup_iterations=$iterations\`."
  echo
  echo "| variant | start to ready (s) | req/s per 1 s window | first window / steady (mean of last 5) |"
  echo "|---|---|---|---|"
} > "$out"
for variant in cold warm; do
  started=$(date +%s.%N)
  SERVING_OPTS="-Xmx512m" "$launcher" -f "$tmp/config.properties" -m "digits=file:$tmp/$variant" > "$tmp/$variant.out" 2>&1 &
  server=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do
    kill -0 $server 2>/dev/null || { cat "$tmp/$variant.out" >&2; exit 1; }
    sleep 0.05
  done
  ready=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  rates=()
  for _ in $(seq 1 "$windows"); do
    BODY=$body CONTENT_TYPE=image/png wrk -t2 -c"$connections" -d1s --timeout 30s -s benchmarks/load/post.lua \
      "http://127.0.0.1:$port/predictions/digits" > "$tmp/wrk.txt"
    if grep -q "Non-2xx" "$tmp/wrk.txt"; then cat "$tmp/wrk.txt" >&2; exit 1; fi
    rates+=("$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$tmp/wrk.txt")")
  done
  kill -TERM $server; wait $server || true; server=
  warmed=$(grep -o 'warmed up: .*' "$tmp/$variant.out" || true)
  ratio=$(printf '%s\n' "${rates[@]}" | awk '{ r[NR] = $1 } END { s = 0; for (i = NR - 4; i <= NR; i++) s += r[i]; printf "%.2f (%d / %.0f)", r[1] / (s / 5), r[1], s / 5 }')
  echo "| $variant | $ready${warmed:+ ($warmed)} | ${rates[*]} | $ratio |" >> "$out"
done
echo >> "$out"
echo "Command: \`benchmarks/load/warmup.sh $iterations $connections $windows\`." >> "$out"
cat "$out"
