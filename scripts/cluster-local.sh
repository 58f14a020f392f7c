#!/usr/bin/env bash
# Starts three Tether nodes on this machine as one cluster (docs/cluster.md), each with its own
# ports, all on one PostgreSQL database and one Redis. Ctrl-C stops them.
#
#   scripts/cluster-local.sh [postgres-url] [redis-url]
#
# Defaults: postgres://postgres@127.0.0.1:5432/tether and redis://127.0.0.1:6379 (or the
# TETHER_DATABASE / TETHER_CLUSTER environment variables). Node nK listens on HTTP and /ws at
# 73K0, GameMaker TCP at 73K3 and the admin console at 73K1 (n1: 7310/7313/7311, n2: 7320/...).
# Logs go to .tmp/cluster-local/nK.log. Extra TETHER_* variables (TETHER_RUNTIME=./modules, keys)
# are passed to every node.
set -euo pipefail

cd "$(dirname "$0")/.."
database="${1:-${TETHER_DATABASE:-postgres://postgres@127.0.0.1:5432/tether}}"
redis="${2:-${TETHER_CLUSTER:-redis://127.0.0.1:6379}}"
logs=.tmp/cluster-local
mkdir -p "$logs"

pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping ${pids[*]:-}"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

for k in 1 2 3; do
  TETHER_NODE="n$k" \
    TETHER_DATABASE="$database" \
    TETHER_CLUSTER="$redis" \
    TETHER_PORT="73${k}0" \
    TETHER_GM_PORT="73${k}3" \
    TETHER_CONSOLE_PORT="73${k}1" \
    node packages/server/bin/tether.js serve >"$logs/n$k.log" 2>&1 &
  pids+=("$!")
  echo "n$k: http://127.0.0.1:73${k}0 (GameMaker TCP 73${k}3, console 73${k}1), log $logs/n$k.log, pid $!"
done

# Ready when every node's health check answers; say whether each sees the other two.
for k in 1 2 3; do
  for _ in $(seq 1 60); do
    if body=$(curl -fsS "http://127.0.0.1:73${k}0/healthcheck" 2>/dev/null); then
      echo "n$k healthy: $body"
      break
    fi
    sleep 0.5
  done
done
echo "three nodes running; Ctrl-C stops them"
wait
