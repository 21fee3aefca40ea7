#!/usr/bin/env bash
# The benchmarks in one command: installs wrk if it is missing (Debian/Ubuntu), builds the benchmarks (package, never
# install), and runs the suite (bench/src/main/java/dev/sluice/bench/http/LoadHarness.java), printing one report.
#
#   bench/run.sh                 everything: load comparison, SluiceFilter JMH, accuracy, memory (under 10 minutes)
#   bench/run.sh --smoke         every part briefly (about a minute), to show the harness works (figures mean nothing)
#   bench/run.sh gateway [options]
#                                the gateway variants instead (Spring Cloud Gateway with no limiter, RedisRateLimiter on
#                                a redis-server, Bucket4j on Hazelcast, Sluice's route filter node/cluster, the
#                                sluiceRateLimiter bean), as ratios to the gateway without a limiter, then the accuracy
#                                of each limiter at 500/s burst 50 (offered 1,500/s); installs redis-server
#   bench/run.sh gateway-accuracy [--variants GATEWAY_REDIS,...] [--smoke]
#                                only that gateway accuracy table (about 2 minutes)
#   bench/run.sh load|filter|accuracy|memory [options]
#                                one part; options: --variants NONE,SLUICE_NODE_RATE --rounds 3 --seconds 5
#                                --rate 20000 --no-wrk --profile (JFR on every JVM started, where each spent its CPU;
#                                the figures of a profiled run are not for quoting)
#   bench/run.sh jmh [JMH args]  JMH itself, e.g. `bench/run.sh jmh FilterBenchmark`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
gateway=false
if [[ "${1:-}" == "gateway" || "${1:-}" == "gateway-accuracy" ]]; then gateway=true; fi
if $gateway && ! command -v redis-server >/dev/null 2>&1; then missing+=(redis-server); fi
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo -n"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if $gateway; then
  mvn -B -q package -DskipTests -pl bench,bench/gateway -am
else
  mvn -B -q package -DskipTests -pl bench -am
fi

if [[ "${1:-}" == "jmh" ]]; then
  shift
  exec java -jar bench/target/sluice-benchmarks.jar "$@"
fi
exec java -Xmx1g -cp bench/target/sluice-benchmarks.jar dev.sluice.bench.http.LoadHarness "$@"
