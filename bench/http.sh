#!/usr/bin/env bash
# HTTP overhead of hookgate on loopback: bare axum vs axum + hookgate (handler mode, quick-ack,
# quick-ack on Redis), bare actix vs actix + hookgate, and the handlers the provider docs tell
# users to write by hand: Node Express (express.raw + crypto.timingSafeEqual) and Python Flask
# under gunicorn (bench/express, bench/flask; installed here from npm / PyPI on first use).
# Three calibration rows: bare-headers (the bare route also taking the HeaderMap, so the headers
# are held while the body arrives, as any check must), bare-spin (the bare route spinning 3 µs
# per request) and bare-hmac (the bare route computing the body's HMAC-SHA256 and nothing else:
# the least any verifying route does; actix-hmac is the same on actix): what those alone cost here.
# Server pinned to core 0, wrk to core 1; 1 KiB GitHub-signed JSON bodies; RUNS runs of DURATION
# per row, interleaved (run 1 of every row, then run 2, ...). Reported per row: medians of
# requests/s, p50 and p99; the median over runs of the ratio to its bare route *in the same run*
# (the machine drifts between runs); and the server's own CPU time per request (utime + stime of
# the server process and its children, from /proc, divided by the requests wrk completed) with
# its ratio to the bare route's: CPU time is not charged for time the hypervisor steals, so it is
# the steadiest measure of each row's cost on a shared machine.
#
#   bash bench/http.sh            # DURATION=10s RUNS=5 CONNS=50 by default
#   MODES="bare express" bash bench/http.sh
#   ALT_BIN=/tmp/old/bench-server MODES="bare quick-ack quick-ack+alt" bash bench/http.sh
# The quick-ack-redis row needs HOOKGATE_REDIS_URL (bench/redis.sh starts a pinned Redis).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
RUNS=${RUNS:-5}
CONNS=${CONNS:-50}
PORT=${PORT:-18080}
DEFAULT_MODES="bare bare-headers bare-spin bare-hmac hand-rolled handler quick-ack actix-bare actix-hmac actix-hand-rolled actix express flask"
[ -n "${HOOKGATE_REDIS_URL:-}" ] && DEFAULT_MODES="bare bare-headers bare-spin bare-hmac hand-rolled handler quick-ack quick-ack-redis actix-bare actix-hmac actix-hand-rolled actix express flask"
MODES=${MODES:-$DEFAULT_MODES}

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
case " $MODES " in *" express "*)
  command -v node >/dev/null || { echo "express row: node is not installed" >&2; exit 1; }
  [ -d bench/express/node_modules ] || (cd bench/express && npm install --no-audit --no-fund --silent) ;;
esac
case " $MODES " in *" flask "*)
  [ -x bench/flask/.venv/bin/gunicorn ] || {
    python3 -m venv bench/flask/.venv && bench/flask/.venv/bin/pip install -q -r bench/flask/requirements.txt; } ;;
esac
cargo build --release -q -p hookgate-bench
BIN=target/release
OUT=$(mktemp -d)
"$BIN/make-requests" 4096 "$OUT/requests.lua" 2>/dev/null

run_one() { # mode run
  local mode=$1 run=$2
  case $mode in
    express) taskset -c 0 node bench/express/server.js "$PORT" >"$OUT/$mode.$run.server" 2>&1 & ;;
    # gunicorn's sync workers, (2 x cores) + 1 = 3 for the one core the server gets.
    flask) taskset -c 0 bench/flask/.venv/bin/gunicorn -w 3 -b "127.0.0.1:$PORT" --chdir bench/flask \
      --log-level warning app:app >"$OUT/$mode.$run.server" 2>&1 & ;;
    # MODE+alt: the same mode served by another build's bench-server (ALT_BIN), for old-vs-new
    # comparisons in one interleaved run.
    *+alt) taskset -c 0 "${ALT_BIN:?MODE+alt needs ALT_BIN=path/to/bench-server}" "${mode%+alt}" "$PORT" \
      >"$OUT/$mode.$run.server" 2>/dev/null & ;;
    *) taskset -c 0 "$BIN/bench-server" "$mode" "$PORT" >"$OUT/$mode.$run.server" 2>/dev/null & ;;
  esac
  local pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
  local before; before=$(cpu_ticks "$pid")
  taskset -c 1 wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$OUT/requests.lua" "http://127.0.0.1:$PORT/webhooks" >"$OUT/$mode.$run.wrk"
  echo $(( $(cpu_ticks "$pid") - before )) >"$OUT/$mode.$run.cpu"
  kill -TERM "$pid"; wait "$pid" || true
}

# utime + stime (clock ticks) of a process and its children (gunicorn's workers).
cpu_ticks() {
  local total=0 p
  for p in "$1" $(pgrep -P "$1" || true); do
    [ -r "/proc/$p/stat" ] || continue
    total=$(( total + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat") ))
  done
  echo "$total"
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

TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
requests_of() { awk '/requests in/ {print $1}' "$1"; }
# Share of the server's core it kept busy (below ~90 %, the load generator was the limit).
busy() { awk -v t="$(cat "$OUT/$1.$2.cpu")" -v u="$TICK_US" -v d="${DURATION%s}" 'BEGIN {printf "%.0f\n", 100*t*u/(d*1000000)}'; }
cpu_us() { awk -v t="$(cat "$OUT/$1.$2.cpu")" -v n="$(requests_of "$OUT/$1.$2.wrk")" -v u="$TICK_US" 'BEGIN {printf "%.2f\n", t*u/n}'; }

echo "| row | req/s (median of $RUNS) | vs its bare route (median of per-run ratios) | p50 ms | p99 ms | p99 vs bare | server CPU µs / request | CPU vs bare | server busy | non-2xx | processed (last run) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
bare=""
declare -A RPS
for mode in $MODES; do
  case $mode in bare|actix-bare) bare=$mode ;; express|flask) bare="" ;; esac
  rps=$(for r in $(seq "$RUNS"); do parse "$OUT/$mode.$r.wrk" | cut -d' ' -f1; done | median)
  p50=$(for r in $(seq "$RUNS"); do to_ms "$(parse "$OUT/$mode.$r.wrk" | cut -d' ' -f2)"; done | median)
  p99=$(for r in $(seq "$RUNS"); do to_ms "$(parse "$OUT/$mode.$r.wrk" | cut -d' ' -f3)"; done | median)
  cpu=$(for r in $(seq "$RUNS"); do cpu_us "$mode" "$r"; done | median)
  load=$(for r in $(seq "$RUNS"); do busy "$mode" "$r"; done | median)
  bad=$(for r in $(seq "$RUNS"); do parse "$OUT/$mode.$r.wrk" | cut -d' ' -f4; done | paste -sd+ | bc)
  RPS[$mode]=$rps
  if [ -n "$bare" ]; then
    ratio=$(for r in $(seq "$RUNS"); do
      awk -v a="$(parse "$OUT/$mode.$r.wrk" | cut -d' ' -f1)" -v b="$(parse "$OUT/$bare.$r.wrk" | cut -d' ' -f1)" 'BEGIN {print 100*a/b}'
    done | median | awk '{printf "%.1f%%", $1}')
    p99r=$(for r in $(seq "$RUNS"); do
      awk -v a="$(to_ms "$(parse "$OUT/$mode.$r.wrk" | cut -d' ' -f3)")" -v b="$(to_ms "$(parse "$OUT/$bare.$r.wrk" | cut -d' ' -f3)")" 'BEGIN {print a/b}'
    done | median | awk '{printf "%.2fx", $1}')
    cpur=$(for r in $(seq "$RUNS"); do
      awk -v a="$(cpu_us "$mode" "$r")" -v b="$(cpu_us "$bare" "$r")" 'BEGIN {print a/b}'
    done | median | awk '{printf "%.2fx", $1}')
  else
    ratio="-"; p99r="-"; cpur="-"
  fi
  processed=$( (grep -o "[0-9]*" "$OUT/$mode.$RUNS.server" 2>/dev/null || true) | tail -1)
  echo "| $mode | $rps | $ratio | $p50 | $p99 | $p99r | $cpu | $cpur | $load % | $bad | ${processed:--} |"
done
echo
for hand in express flask; do
  [ -n "${RPS[$hand]:-}" ] || continue
  for mode in handler quick-ack actix; do
    [ -n "${RPS[$mode]:-}" ] || continue
    awk -v a="${RPS[$mode]}" -v b="${RPS[$hand]}" -v m="$mode" -v h="$hand" \
      'BEGIN {printf "hookgate %s / %s: %.1fx\n", m, h, a/b}'
  done
done
echo
echo "raw wrk output: $OUT"
