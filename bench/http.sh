#!/usr/bin/env bash
# HTTP overhead of hookgate on loopback: bare axum vs axum + hookgate (handler mode, quick-ack).
# Server pinned to core 0, wrk to core 1; 1 KiB GitHub-signed JSON bodies; 3 runs of 10 s per
# row, interleaved (run 1 of every row, then run 2, ...); medians reported.
#
#   bash bench/http.sh            # DURATION=10s RUNS=3 CONNS=50 by default
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
RUNS=${RUNS:-3}
CONNS=${CONNS:-50}
PORT=${PORT:-18080}
MODES=${MODES:-"bare handler quick-ack actix-bare actix"}

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p hookgate-bench
BIN=target/release
OUT=$(mktemp -d)
"$BIN/make-requests" 4096 "$OUT/requests.lua" 2>/dev/null

run_one() { # mode run
  local mode=$1 run=$2
  taskset -c 0 "$BIN/bench-server" "$mode" "$PORT" >"$OUT/$mode.$run.server" 2>/dev/null &
  local pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
  taskset -c 1 wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$OUT/requests.lua" "http://127.0.0.1:$PORT/webhooks" >"$OUT/$mode.$run.wrk"
  kill -TERM "$pid"; wait "$pid" || true
}

for run in $(seq "$RUNS"); do
  for mode in $MODES; do run_one "$mode" "$run"; done
done

# rps p50(ms) p99(ms) non2xx processed, per run
parse() {
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$5}
       END {printf "%s %s %s %s\n", rps, p50, p99, (bad==""?0:bad)}' "$1"
}
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) {sub(/us/,"",v); print v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v); print v+0} else if (v ~ /s$/) {sub(/s/,"",v); print v*1000} else print v }'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| row | req/s (median of $RUNS) | p50 ms | p99 ms | vs its bare route | non-2xx | processed (last run) |"
echo "|---|---|---|---|---|---|---|"
bare_rps=""
for mode in $MODES; do
  rps=$(for r in $(seq "$RUNS"); do parse "$OUT/$mode.$r.wrk" | cut -d' ' -f1; done | median)
  p50=$(for r in $(seq "$RUNS"); do to_ms "$(parse "$OUT/$mode.$r.wrk" | cut -d' ' -f2)"; done | median)
  p99=$(for r in $(seq "$RUNS"); do to_ms "$(parse "$OUT/$mode.$r.wrk" | cut -d' ' -f3)"; done | median)
  bad=$(for r in $(seq "$RUNS"); do parse "$OUT/$mode.$r.wrk" | cut -d' ' -f4; done | paste -sd+ | bc)
  case $mode in bare|actix-bare) bare_rps=$rps ;; esac
  ratio=$(awk -v a="$rps" -v b="$bare_rps" 'BEGIN {if (b == "") print "-"; else printf "%.1f%%", 100*a/b}')
  processed=$(grep -o '[0-9]*' "$OUT/$mode.$RUNS.server" | tail -1)
  echo "| $mode | $rps | $p50 | $p99 | $ratio | $bad | $processed |"
done
echo
echo "raw wrk output: $OUT"
