#!/usr/bin/env bash
# The fleet on loopback: three replicas of the packaged standalone server on the digits model behind HAProxy
# (/usr/sbin/haproxy, health-checking /v2/health/ready) under a steady client load; a rolling restart, a kill -9,
# and every replica's request-time histogram count against HAProxy's and the client's counts. The run is the
# integration test adapter-undertow/src/test/java/io/servingkit/undertow/FleetIT.java (it asserts the outcomes);
# this script runs it alone and keeps its report as benchmarks/results/fleet-<date>.md.
#
#   benchmarks/load/fleet.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
rm -f adapter-undertow/target/fleet-report.md
mvn -o -B -q -pl adapter-undertow -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=FleetIT -Dfailsafe.failIfNoSpecifiedTests=false || status=$?
report=adapter-undertow/target/fleet-report.md
[ -f "$report" ] || { echo "FleetIT wrote no report (build failure?)" >&2; exit 1; }
out=benchmarks/results/fleet-$(date -u +%Y%m%d-%H%M).md
{
  cat "$report"
  echo
  echo "Command: \`benchmarks/load/fleet.sh\` (FleetIT $([ $status -eq 0 ] && echo passed || echo FAILED))."
} > "$out"
cat "$out"
exit $status
