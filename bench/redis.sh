#!/usr/bin/env bash
# The Redis store side by side: redis-benchmark's own SET NX PX rate (the ceiling), claim+complete
# per second on Redis vs memory, and the axum quick-ack route's requests/s with each store.
# Three rounds, interleaved (ceiling, then both routes, 10 s each), medians and the median ratio.
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
# Redis shares core 1 with the load generators; core 0 belongs to the server under test alone.
for pid in $(pgrep -f "redis-server.*:$RPORT" || true); do taskset -cp 1 "$pid" >/dev/null || true; done
ROUNDS=${ROUNDS:-3}
cargo build --release -q -p hookgate-bench
echo "== claim+complete, 200000 deliveries, 50 tasks"
target/release/store-throughput 200000 50
ceil=(); mem=(); red=(); ratio=()
for r in $(seq "$ROUNDS"); do
  c=$(redis-benchmark -p "$RPORT" -q -n 300000 -c 50 -r 100000000 set "k:__rand_int__" v nx px 60000 | tr '\r' '\n' | grep 'requests per second' | grep -o '60000: [0-9.]*' | awk '{print $2}')
  out=$(MODES="quick-ack quick-ack-redis" RUNS=1 bash bench/http.sh | grep '^| quick')
  m=$(echo "$out" | awk -F'|' '$2 ~ /quick-ack $/ {print $3}' | tr -d ' ')
  q=$(echo "$out" | awk -F'|' '$2 ~ /quick-ack-redis/ {print $3}' | tr -d ' ')
  ceil+=("$c"); mem+=("$m"); red+=("$q"); ratio+=("$(awk -v a="$q" -v b="$c" 'BEGIN {printf "%.1f", 100*a/b}')")
  echo "round $r: redis-benchmark SET NX PX $c/s | quick-ack memory $m req/s | quick-ack redis $q req/s | redis/ceiling ${ratio[-1]} %"
done
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "| median of $ROUNDS rounds | value |"
echo "|---|---|"
echo "| redis-benchmark SET NX PX (50 clients, unpipelined): the ceiling | $(med "${ceil[@]}") req/s |"
echo "| axum quick-ack, memory store | $(med "${mem[@]}") req/s |"
echo "| axum quick-ack, Redis store | $(med "${red[@]}") req/s |"
echo "| Redis quick-ack / ceiling (median of per-round ratios) | $(med "${ratio[@]}") % |"
