#!/usr/bin/env bash
# The Open Inference Protocol's cost over the DJL-style path, same server, same model, same run: wrk POSTs the
# digits CNN's (1,1,8,8) float32 input to the standalone server (ONNX Runtime, binary mode, 2 workers x 1 thread)
# as .npy to /predictions/m (DJL style), as a V2 binary-extension body and as V2 JSON to /v2/models/m/infer; then
# GrpcLoad sends the same tensor as ModelInfer with raw_input_contents to grpc_address. Points alternate, twice.
#
#   benchmarks/load/oip.sh [CONNECTIONS] [DURATION_S]
#   benchmarks/load/oip.sh 16 10
#
# Writes benchmarks/results/oip-<date>.md and prints it. wrk and GrpcLoad run on the same cores as the server. A run
# begun with the load average above the core count is marked preliminary in the file; NOTE="..." adds a line.
set -euo pipefail
cd "$(dirname "$0")/../.."
c=${1:-16}
duration=${2:-10}
port=${PORT:-18080}
grpc_port=${GRPC_PORT:-18081}
jvm_flags="-Dai.djl.offline=true -Dai.djl.onnx.disable_alternative=true -Xms1g -Xmx1g"

# LAUNCHER / LOAD_CP: another packaged server and GrpcLoad class path (default: this checkout's build)
launcher=${LAUNCHER:-adapter-undertow/target/servingkit/bin/servingkit}
if [ -z "${LAUNCHER:-}" ] && { [ ! -x "$launcher" ] || [ ! -f benchmarks/target/load.classpath ]; }; then
  mvn -B -q -o -DskipTests package -pl adapter-undertow -am
  mvn -B -q -o -DskipTests -pl benchmarks -am package dependency:build-classpath \
    -Dmdep.outputFile="$PWD/benchmarks/target/load.classpath" -Dmdep.includeScope=runtime
fi
if [ ! -f benchmarks/models/digits-input.npy ] || [ ! -f benchmarks/models/digits-tensor/digits.onnx ]; then
  # the digits part of prepare_models.py (which also builds resnet18)
  mkdir -p benchmarks/models/digits-tensor
  cp examples/models/digits-onnx/digits.onnx benchmarks/models/digits-tensor/
  printf 'engine=OnnxRuntime\noption.modelName=digits\noption.interOpNumThreads=1\noption.intraOpNumThreads=1\nminWorkers=2\nmaxWorkers=2\n' \
    > benchmarks/models/digits-tensor/serving.properties
  /usr/bin/python3 -c "import numpy as np; np.save('benchmarks/models/digits-input.npy', np.random.RandomState(7).uniform(0, 1, size=(1, 1, 8, 8)).astype(np.float32))"
fi
tmp=benchmarks/results/tmp
mkdir -p "$tmp"
# the same 256 bytes of floats as digits-input.npy, as a V2 binary body, a V2 JSON body and a raw file for gRPC
header_length=$(/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
import numpy as np
out = sys.argv[1]
x = np.load("benchmarks/models/digits-input.npy").astype("<f4")
raw = x.tobytes()
open(out + "/digits.raw", "wb").write(raw)
header = json.dumps({"inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32",
                                 "parameters": {"binary_data_size": len(raw)}}],
                     "parameters": {"binary_data_output": True}}).encode()
open(out + "/v2-binary.body", "wb").write(header + raw)
open(out + "/v2-json.body", "w").write(json.dumps(
    {"inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32", "data": x.reshape(-1).tolist()}]}))
print(len(header))
PY
)

config=$tmp/oip-config.properties
printf 'inference_address=http://127.0.0.1:%s\ngrpc_address=127.0.0.1:%s\n' "$port" "$grpc_port" > "$config"
SERVING_OPTS="$jvm_flags" "$launcher" -f "$config" -m "m=file:benchmarks/models/digits-tensor" > "$tmp/oip-server.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  grep -q "^Try:" "$tmp/oip-server.out" && break
  kill -0 $server 2>/dev/null || { cat "$tmp/oip-server.out" >&2; exit 1; }
  sleep 0.5
done
# the model's real input name, from its metadata
input_name=$(curl -sf "http://127.0.0.1:$port/v2/models/m" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['inputs'][0]['name'])")
if [ "$input_name" != "input" ]; then
  sed -i "s/\"name\": \"input\"/\"name\": \"$input_name\"/" "$tmp/v2-json.body"
  echo "model input is $input_name; rerun after renaming it in the binary body too" >&2; exit 1
fi
curl -sf -o /dev/null -X POST --data-binary @benchmarks/models/digits-input.npy -H 'Content-Type: tensor/npy' "http://127.0.0.1:$port/predictions/m"
curl -sf -o /dev/null -X POST --data-binary @"$tmp/v2-binary.body" -H "Inference-Header-Content-Length: $header_length" "http://127.0.0.1:$port/v2/models/m/infer"

run_wrk() { # $1 label, $2 body, $3 content type, $4 header length or "", $5 path
  BODY=$2 CONTENT_TYPE=$3 INFERENCE_HEADER_LENGTH=$4 wrk -t2 -c"$c" -d"${duration}s" --timeout 60s --latency \
    -s benchmarks/load/post.lua "http://127.0.0.1:$port$5" > "$tmp/wrk.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$tmp/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$tmp/wrk.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$tmp/wrk.txt")
  echo "| $1 | $c | ${rps} | ${p50} | ${p99} | ${non2xx:-0} |"
}
run_grpc() {
  local line
  # the launcher's quiet logback configuration: logback's default would log every HTTP/2 frame at DEBUG
  line=$(java -Dlogback.configurationFile="$(dirname "$launcher")/../conf/logback.xml" -cp "${LOAD_CP:-benchmarks/target/classes:$(cat benchmarks/target/load.classpath)}" io.servingkit.benchmarks.GrpcLoad \
    "127.0.0.1:$grpc_port" m "$input_name" FP32 1,1,8,8 "$tmp/digits.raw" "$c" "$duration")
  echo "$line" | awk -v c="$c" '{ for (i = 1; i <= NF; i++) { if ($i == "req/s,") rps = $(i-1); if ($i == "p50") p50 = $(i+1); if ($i == "p99") p99 = $(i+1); if ($i == "errors") err = $(i-1) } }
    END { print "| gRPC ModelInfer (raw_input_contents), GrpcLoad | " c " | " rps " | " p50 "ms | " p99 " | " err " |" }'
}

out=benchmarks/results/oip-$(date +%Y%m%d-%H%M).md
{
  echo "# Open Inference Protocol vs the DJL-style path: digits CNN, standalone server, same run"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1)."
  echo "ONNX Runtime, binary mode, 2 workers x 1 intra-op thread, batch_size=1; ${duration} s per point after a warm-up; wrk -t2 and GrpcLoad on the same cores."
  echo "Command: \`benchmarks/load/oip.sh $c $duration\`"
  if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l > n) }'; then
    echo
    echo "**Preliminary**: the machine was shared (load average above its $(nproc) cores when the run began), so these"
    echo "numbers are under load; compare the paths within this run only, and re-measure on a quiet machine."
  fi
  if [ -n "${NOTE:-}" ]; then
    echo
    echo "$NOTE"
  fi
  echo
  echo "| path | connections | req/s | p50 | p99 | errors / non-2xx |"
  echo "|---|---|---|---|---|---|"
} > "$out"
# warm-up of every path
BODY=benchmarks/models/digits-input.npy CONTENT_TYPE=tensor/npy wrk -t2 -c"$c" -d3s -s benchmarks/load/post.lua "http://127.0.0.1:$port/predictions/m" > /dev/null
BODY=$tmp/v2-binary.body CONTENT_TYPE=application/octet-stream INFERENCE_HEADER_LENGTH=$header_length wrk -t2 -c"$c" -d3s -s benchmarks/load/post.lua "http://127.0.0.1:$port/v2/models/m/infer" > /dev/null
for round in 1 2; do
  run_wrk "DJL style: POST /predictions/m, .npy in, NDList out" benchmarks/models/digits-input.npy tensor/npy "" /predictions/m >> "$out"
  run_wrk "V2 binary: POST /v2/models/m/infer, binary in and out" "$tmp/v2-binary.body" application/octet-stream "$header_length" /v2/models/m/infer >> "$out"
  run_wrk "V2 JSON: POST /v2/models/m/infer, JSON in and out" "$tmp/v2-json.body" application/json "" /v2/models/m/infer >> "$out"
  run_grpc >> "$out"
done
cat "$out"
