#!/bin/sh
# Java mode: DJL's image classification translator with synset.txt, and a custom translator compiled from
# digit-reader/libs/classes. Run from anywhere: examples/java-mode/demo.sh (PORT=8080 by default).
# Its output is expected-output.txt.
set -eu
cd "$(dirname "$0")/../.."
DEMO_DIR=examples/java-mode/target/server
. examples/demo-lib.sh
rm -rf examples/java-mode/target

demo_run 'cat examples/models/digits-onnx/serving.properties'
demo_run 'cat examples/java-mode/digit-reader/serving.properties; ls examples/java-mode/digit-reader/libs/classes/example'
demo_start -m digits=file:examples/models/digits-onnx -m reader=file:examples/java-mode/digit-reader
demo_run "curl -s -T examples/models/digit-images/3.png http://127.0.0.1:$PORT/predictions/digits"
demo_run "curl -s -T examples/models/digit-images/8.png http://127.0.0.1:$PORT/predictions/digits"
demo_run "curl -s -T examples/models/digit-images/3.png http://127.0.0.1:$PORT/predictions/reader"
demo_run "curl -s -T examples/java-mode/seven.json http://127.0.0.1:$PORT/predictions/reader"
demo_run "curl -s -T examples/java-mode/one.json http://127.0.0.1:$PORT/predictions/reader"
demo_run "curl -s http://127.0.0.1:$PORT/predictions/reader -H 'Content-Type: application/json' -d '{\"pixels\": [[0, 0, 0]]}'"
