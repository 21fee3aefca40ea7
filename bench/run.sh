#!/usr/bin/env bash
# The HTTP load harness in one command: installs wrk if it is missing (Debian/Ubuntu), builds the benchmarks, and runs
# every variant side by side (see bench/src/main/java/dev/sluice/bench/http/LoadHarness.java). Arguments are passed
# on, e.g. `bench/run.sh --variants NONE,SLUICE_NODE_RATE --rounds 3 --seconds 6`. JMH: `bench/run.sh jmh`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo -n"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi

mvn -B -q package -DskipTests -pl bench -am

if [[ "${1:-}" == "jmh" ]]; then
  shift
  exec java -jar bench/target/sluice-benchmarks.jar "$@"
fi
exec java -cp bench/target/sluice-benchmarks.jar dev.sluice.bench.http.LoadHarness "$@"
