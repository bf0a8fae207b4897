#!/bin/sh
# Python mode: packages sentiment/ as .zip and .tar.gz, serves both archives and asks them for scores.
# Run from anywhere: examples/python-mode/demo.sh (PORT=8080 by default). Its output is expected-output.txt.
set -eu
cd "$(dirname "$0")/../.."
DEMO_DIR=examples/python-mode/target/server
. examples/demo-lib.sh
rm -rf examples/python-mode/target

demo_run 'python3 -c "import wordmood" 2>&1 | tail -n 1'
demo_run 'mkdir -p examples/python-mode/target'
demo_run '(cd examples/python-mode && python3 -m zipfile -c target/sentiment.zip sentiment)'
demo_run 'tar -czf examples/python-mode/target/sentiment.tar.gz -C examples/python-mode sentiment'
demo_run 'tar -tzf examples/python-mode/target/sentiment.tar.gz | sort'
demo_start -m sentiment=file:examples/python-mode/target/sentiment.zip \
  -m sentiment_tgz=file:examples/python-mode/target/sentiment.tar.gz
demo_run "curl -s http://127.0.0.1:$PORT/models"
demo_run "curl -s http://127.0.0.1:$PORT/predictions/sentiment -H 'Content-Type: text/plain' -d 'Great food and friendly staff, but the music was not good.'"
demo_run "curl -s http://127.0.0.1:$PORT/predictions/sentiment_tgz -H 'Content-Type: application/json' -d '[\"The worst service: slow and rude.\", \"Never disappointing, I recommend it!\", \"We came on a Tuesday.\"]'"
