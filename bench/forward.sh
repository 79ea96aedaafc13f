#!/usr/bin/env bash
# The queued forwarder's drain rate: N events (1 KiB GitHub-signed JSON) are put in a Redis stream
# and in a JetStream stream through `hookgate serve --sink …`, then `hookgate forward` POSTs them
# to a fast app (`bench-server bare`: axum, `Bytes` → 204) at each CONCURRENCY; the rate is N over
# the time from the forwarder's first delivered event to its last (read from its /metrics).
# Beside it, the ceilings in the same run: `redis-benchmark` XADD (Redis's own write rate),
# `nats-ceiling` (JetStream publishes of 1 KiB awaiting their PubAck, 50 at once) and the app
# alone under wrk (50 connections, the same body).
# Starts its own redis-server and nats-server -js on spare ports unless HOOKGATE_REDIS_URL /
# HOOKGATE_NATS_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
CONCURRENCY=${CONCURRENCY:-"8 64"}
ROUNDS=${ROUNDS:-3}
command -v redis-server >/dev/null && command -v nats-server >/dev/null && command -v wrk >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server nats-server wrk >/dev/null
}
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
if [ -z "${HOOKGATE_REDIS_URL:-}" ]; then
  redis-server --port 16391 --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >/dev/null &
  pids+=($!); export HOOKGATE_REDIS_URL="redis://127.0.0.1:16391"
fi
if [ -z "${HOOKGATE_NATS_URL:-}" ]; then
  nats-server -js -a 127.0.0.1 -p 14291 -sd "$dir/nats" >/dev/null 2>&1 &
  pids+=($!); export HOOKGATE_NATS_URL="nats://127.0.0.1:14291"
fi
sleep 0.5
cargo build --release -q -p hookgate-cli -p hookgate-bench
bin=target/release/hookgate
body="$dir/body.json"
python3 -c 'import json; print(json.dumps({"action": "opened", "pad": "x" * 980}))' > "$body"

APP=18431 SERVE=18432 METRICS=18433
target/release/bench-server bare $APP 2>/dev/null &
pids+=($!)
sleep 0.3

# Fills `stream` on `url` with N events through hookgate serve.
fill() {
  local url=$1 stream=$2; shift 2
  $bin serve --provider github --secret s --listen 127.0.0.1:$SERVE --sink "$url" --stream "$stream" "$@" \
    >/dev/null 2>"$dir/serve.log" &
  local serve=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$SERVE/healthz" && break; sleep 0.1; done
  $bin send "http://127.0.0.1:$SERVE/webhooks" --provider github --secret s --body "$body" \
    --count "$N" --concurrency 32 >/dev/null
  kill -TERM $serve; wait $serve || true
}

delivered() {
  curl -s "http://127.0.0.1:$METRICS/metrics" | awk '/^hookgate_forward_attempts_total\{result="delivered"\}/ {print $2}'
}

# Events per second for one forwarder reading group `group` of `stream` at concurrency `c`.
drain() {
  local url=$1 stream=$2 group=$3 c=$4
  $bin forward --from "$url" --stream "$stream" --group "$group" --to "http://127.0.0.1:$APP/webhooks" \
    --concurrency "$c" --metrics-listen 127.0.0.1:$METRICS 2>"$dir/forward.log" &
  local fwd=$! start="" n
  while :; do
    n=$(delivered); n=${n:-0}
    if [ -z "$start" ] && [ "$n" -gt 0 ]; then start=$(date +%s.%N); first=$n; fi
    [ "$n" -ge "$N" ] && break
    sleep 0.02
  done
  local end; end=$(date +%s.%N)
  kill -TERM $fwd; wait $fwd || true
  awk -v n="$N" -v f="$first" -v s="$start" -v e="$end" 'BEGIN {printf "%.0f", (n - f) / (e - s)}'
}

med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
hp=${HOOKGATE_REDIS_URL#redis://}; hp=${hp%%/*}
declare -A rate
ceil=(); nceil=(); app=()
for r in $(seq "$ROUNDS"); do
  tag="$$-$r"
  fill "$HOOKGATE_REDIS_URL" "bench:fwd-$tag"
  fill "$HOOKGATE_NATS_URL" "BENCHFWD_${tag//-/_}" --subject "bench.fwd.${tag//-/_}"
  for c in $CONCURRENCY; do
    rate[redis-$c]+="$(drain "$HOOKGATE_REDIS_URL" "bench:fwd-$tag" "g$c" "$c") "
    rate[nats-$c]+="$(drain "$HOOKGATE_NATS_URL" "BENCHFWD_${tag//-/_}" "g$c" "$c") "
  done
  ceil+=("$(redis-benchmark -h "${hp%%:*}" -p "${hp##*:}" -q -n 200000 -c 50 xadd bench:ceiling MAXLEN '~' 100000 '*' \
    body "$(cat "$body")" | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | awk '{print $1}')")
  nceil+=("$(target/release/nats-ceiling "$HOOKGATE_NATS_URL" 100000 50)")
  app+=("$(wrk -t1 -c50 -d5s -s <(printf 'wrk.method="POST"\nwrk.body=io.open("%s"):read("*a")\n' "$body") \
    "http://127.0.0.1:$APP/webhooks" | awk '/Requests\/sec/ {print $2}')")
  echo "round $r: ${!rate[*]} -> $(for k in "${!rate[@]}"; do printf '%s=[%s] ' "$k" "${rate[$k]}"; done)"
done
echo
echo "| median of $ROUNDS rounds, $N events | events/s |"
echo "|---|---|"
for c in $CONCURRENCY; do
  # shellcheck disable=SC2086
  echo "| forward from Redis, --concurrency $c | $(med ${rate[redis-$c]}) |"
  # shellcheck disable=SC2086
  echo "| forward from NATS JetStream, --concurrency $c | $(med ${rate[nats-$c]}) |"
done
echo "| ceiling: redis-benchmark XADD, 1 KiB, 50 clients | $(med "${ceil[@]}") |"
echo "| ceiling: JetStream publish + PubAck, 1 KiB, 50 at once (nats-ceiling) | $(med "${nceil[@]}") |"
echo "| ceiling: the app alone, wrk 50 connections, 1 KiB POST | $(med "${app[@]}") |"
