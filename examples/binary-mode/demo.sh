#!/bin/sh
# Binary mode: tensors in, tensors out, with curl (.npz and NDList bodies) and a numpy client, against the MLP.
# Run from anywhere: examples/binary-mode/demo.sh (PORT=8080 by default). Its output is expected-output.txt.
set -eu
cd "$(dirname "$0")/../.."
DEMO_DIR=examples/binary-mode/target/server
. examples/demo-lib.sh
rm -rf examples/binary-mode/target
URL="http://127.0.0.1:$PORT/predictions/mlp"
OUT=examples/binary-mode/target

demo_run 'python3 -c "import numpy as np; z = np.load('"'examples/models/mlp-data/inputs.npz'"'); print(z.files); print(z['"'input'"'])"'
demo_start -m mlp=file:examples/models/mlp-onnx
demo_run "curl -s -X POST $URL -T examples/models/mlp-data/inputs.npz -H 'Content-Type: tensor/npz' -o $OUT/out.npz -w '%{http_code} %{content_type}\n'"
demo_run 'python3 -c "import numpy as np; z = np.load('"'$OUT/out.npz'"'); print(z.files); print(z['"'output'"'])"'
demo_run "curl -s -X POST $URL -T examples/models/mlp-data/inputs.npz -H 'Content-Type: application/octet-stream' -H 'Accept: application/json'"
demo_run "python3 examples/binary-mode/ndlist.py encode examples/models/mlp-data/inputs.npy $OUT/inputs.ndlist"
demo_run "curl -s -X POST $URL -T $OUT/inputs.ndlist -H 'Content-Type: tensor/ndlist' -o $OUT/out.ndlist -w '%{http_code} %{content_type}\n'"
demo_run "python3 examples/binary-mode/ndlist.py decode $OUT/out.ndlist"
demo_run "curl -s -X POST $URL -T $OUT/inputs.ndlist -H 'Content-Type: application/octet-stream' -H 'Accept: text/csv'"
demo_run "python3 examples/binary-client/client.py $URL examples/models/mlp-data/inputs.npy"
demo_run 'python3 -c "import numpy as np; print(np.allclose(np.load('"'$OUT/out.npz'"')['"'output'"'], np.load('"'examples/models/mlp-data/expected.npy'"'), atol=1e-5))"'
