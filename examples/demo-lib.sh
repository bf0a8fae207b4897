# Shared by examples/*/demo.sh (sourced, not run): start the standalone server, run commands, stop it.
#
#   . examples/demo-lib.sh
#   demo_start -m mlp=file:examples/models/mlp-onnx     # prints "$ servingkit ... &" and its banner
#   demo_run 'curl -s http://127.0.0.1:8080/ping'        # prints "$ <command>" and the command's output
#
# The server listens on 127.0.0.1:${PORT:-8080} (set through SERVING_INFERENCE_ADDRESS, so the printed command
# is the one to type for port 8080); DEMO_TIMEOUT (default 180) bounds the wait for /ping. The server is stopped
# (SIGTERM, then SIGKILL after 40 s) when the script exits, whatever the reason.

PATH="/usr/bin:$PATH"  # python3 = Debian's, with numpy
PORT=${PORT:-8080}
DEMO_TIMEOUT=${DEMO_TIMEOUT:-180}
LAUNCHER=adapter-undertow/target/servingkit/bin/servingkit
demo_pid=

if [ ! -x "$LAUNCHER" ]; then
  echo "demo: $LAUNCHER not found: build it first with 'mvn -B -DskipTests package' from the repository root" >&2
  exit 3
fi

# Stops the server started by demo_start (if any) and waits for it to end.
demo_stop() {
  if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
    kill -TERM "$demo_pid" 2>/dev/null || true
    waited=0
    while kill -0 "$demo_pid" 2>/dev/null && [ "$waited" -lt 400 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
  demo_pid=
}
trap demo_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# demo_start ARGS...: prints the launcher command, starts it in the background with its output in
# $DEMO_DIR/server.{out,log}, waits until /ping answers 200, then prints what the server printed on stdout.
demo_start() {
  mkdir -p "$DEMO_DIR"
  printf '$ %s %s &\n' "$LAUNCHER" "$*"
  SERVING_INFERENCE_ADDRESS="http://127.0.0.1:$PORT" SERVING_MANAGEMENT_ADDRESS="http://127.0.0.1:$PORT" \
    "$LAUNCHER" "$@" >"$DEMO_DIR/server.out" 2>"$DEMO_DIR/server.log" &
  demo_pid=$!
  deadline=$(($(date +%s) + DEMO_TIMEOUT))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/ping" 2>/dev/null)" = 200 ] &&
      grep -q '^Try:' "$DEMO_DIR/server.out"; do
    if ! kill -0 "$demo_pid" 2>/dev/null; then
      echo "demo: the server exited; its output:" >&2
      cat "$DEMO_DIR/server.out" "$DEMO_DIR/server.log" >&2
      exit 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "demo: no healthy /ping on port $PORT after $DEMO_TIMEOUT s; server log:" >&2
      tail -n 50 "$DEMO_DIR/server.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  sleep 0.2  # the banner is printed in one go; let it finish
  cat "$DEMO_DIR/server.out"
}

# demo_run COMMAND: prints "$ COMMAND", then runs it with sh and prints its output (stdout and stderr) with a
# final newline (nothing for no output). A command that fails stops the demo.
demo_run() {
  printf '$ %s\n' "$1"
  demo_output=$(sh -c "$1" 2>&1) || {
    status=$?
    printf '%s\n' "$demo_output"
    echo "demo: the command above failed with exit status $status" >&2
    exit 1
  }
  if [ -n "$demo_output" ]; then
    printf '%s\n' "$demo_output"
  fi
}
