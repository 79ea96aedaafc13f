#!/usr/bin/env bash
# The Redis store side by side: redis-benchmark's own SET NX PX rate (the ceiling), claim+complete
# per second on Redis vs memory, and the axum quick-ack route's requests/s with each store.
# Starts its own redis-server on a spare port unless HOOKGATE_REDIS_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server wrk >/dev/null; }
if [ -z "${HOOKGATE_REDIS_URL:-}" ]; then
  port=16390; dir=$(mktemp -d)
  redis-server --port $port --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize yes --pidfile "$dir/pid" >/dev/null
  trap 'kill "$(cat "$dir/pid")" 2>/dev/null || true' EXIT
  export HOOKGATE_REDIS_URL="redis://127.0.0.1:$port"; sleep 0.5
fi
hp=${HOOKGATE_REDIS_URL#redis://}; hp=${hp%%/*}; RPORT=${hp##*:}
cargo build --release -q -p hookgate-bench
echo "== redis-benchmark SET NX PX, 50 clients, unpipelined"
redis-benchmark -p "$RPORT" -q -n 300000 -c 50 -r 100000000 set "k:__rand_int__" v nx px 60000 | tr '\r' '\n' | grep -v '^$' | tail -1
echo "== claim+complete"
target/release/store-throughput 200000 50
echo "== axum quick-ack, memory vs Redis store"
MODES="quick-ack quick-ack-redis" bash bench/http.sh | grep '^|'
