#!/usr/bin/env bash
# A fresh replica's first seconds against its steady state, without and with warm-up, on the tiny digits model
# (ONNX Runtime) two ways: a PNG through DJL's image translator (the bundled example model) and an .npy tensor in
# binary mode. "warm" adds warmup_inputs=samples to serving.properties: the workers run the sample first, then the
# standalone server sends it over loopback HTTP until the JIT compiler goes quiet (http_warmup_timeout, default 30 s).
# Each variant: start the packaged launcher, wait until /v2/health/ready answers 200 (time printed), wait 1 s, then
# run one wrk load (SECONDS + 2 s, so that it outlasts the counting) and count completed predictions in each of the
# first SECONDS seconds on the server (servingkit_inference_time_seconds_count, scraped every second); steady state =
# the mean of the last 5 of them.
# Writes benchmarks/results/warmup-<date>.md and prints it.
#
#   benchmarks/load/warmup.sh [SECONDS] [CONNECTIONS]     # defaults: 12 8
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-12}
connections=${2:-8}
port=${PORT:-18090}
launcher=adapter-undertow/target/servingkit/bin/servingkit
[ -x "$launcher" ] || mvn -B -q -o -DskipTests package -pl adapter-undertow -am
tmp=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
printf 'inference_address=http://127.0.0.1:%s\n' "$port" > "$tmp/config.properties"
python3 -c "import numpy as np; np.save('$tmp/x.npy', np.random.default_rng(3).random((1, 1, 8, 8), dtype=np.float32))"
for input in png npy; do
  for variant in cold warm; do
    m="$tmp/$input-$variant"
    cp -r examples/models/digits-onnx "$m"
    if [ "$input" = npy ]; then
      printf 'engine=OnnxRuntime\noption.modelName=digits\n' > "$m/serving.properties"
      rm -rf "$m/samples" && mkdir "$m/samples" && cp "$tmp/x.npy" "$m/samples/"
    fi
    [ "$variant" = warm ] && printf '\nwarmup_inputs=samples\n' >> "$m/serving.properties"
  done
done
count() {
  curl -sf "http://127.0.0.1:$port/metrics" |
    awk '/^servingkit_inference_time_seconds_count\{model="digits"/ { n = $2 } END { printf "%d", n }'
}

out=benchmarks/results/warmup-$(date -u +%Y%m%d-%H%M).md
{
  echo "# First seconds of a fresh replica vs its steady state (tiny digits model, ONNX Runtime)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1);"
  echo "1 s after /v2/health/ready answered 200, one \`wrk -t2 -c$connections\` run; predictions completed in each of its first"
  echo "$seconds seconds counted on the server; default settings, warm = \`warmup_inputs=samples\` (one sample) and the default"
  echo "\`http_warmup_timeout\`. Ratios: the first second, and the mean of the first three, over steady state (mean of the last 5)."
  echo
  echo "| body | variant | start to ready (s) | predictions per second | first s / steady | first 3 s / steady |"
  echo "|---|---|---|---|---|---|"
} > "$out"
for input in png npy; do
  if [ "$input" = png ]; then body=examples/models/digit-images/3.png; type=image/png
  else body=$tmp/x.npy; type=application/x-npy; fi
  for variant in cold warm; do
    started=$(date +%s.%N)
    SERVING_OPTS="-Xmx512m" "$launcher" -f "$tmp/config.properties" -m "digits=file:$tmp/$input-$variant" \
      > "$tmp/server.out" 2>&1 &
    server=$!
    until curl -sf -o /dev/null "http://127.0.0.1:$port/v2/health/ready"; do
      kill -0 $server 2>/dev/null || { cat "$tmp/server.out" >&2; exit 1; }
      sleep 0.05
    done
    ready=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    sleep 1
    BODY=$body CONTENT_TYPE=$type wrk -t2 -c"$connections" -d"$((seconds + 2))s" --timeout 30s -s benchmarks/load/post.lua \
      "http://127.0.0.1:$port/predictions/digits" > "$tmp/wrk.txt" &
    load=$!
    previous=$(count)
    rates=()
    for _ in $(seq 1 "$seconds"); do
      sleep 1
      now=$(count)
      rates+=($((now - previous)))
      previous=$now
    done
    wait $load
    if grep -q "Non-2xx" "$tmp/wrk.txt"; then cat "$tmp/wrk.txt" >&2; exit 1; fi
    kill -TERM $server; wait $server || true; server=
    warmed=$(grep -o 'HTTP path warmed up: [0-9]* predictions over loopback in [0-9]* ms' "$tmp/server.out" || true)
    ratios=$(printf '%s\n' "${rates[@]}" | awk '{ r[NR] = $1 } END {
      s = 0; for (i = NR - 4; i <= NR; i++) s += r[i]; s /= 5
      printf "%.2f (%d / %.0f) | %.2f", r[1] / s, r[1], s, (r[1] + r[2] + r[3]) / 3 / s }')
    echo "| $input | $variant | $ready${warmed:+ (${warmed#HTTP path warmed up: })} | ${rates[*]} | $ratios |" >> "$out"
  done
done
echo >> "$out"
echo "Command: \`benchmarks/load/warmup.sh $seconds $connections\`." >> "$out"
cat "$out"
