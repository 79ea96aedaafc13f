#!/usr/bin/env bash
# Synchronous forward: what one proxy hop costs. Three rows, RUNS runs each, interleaved:
#   app        wrk → the app alone (`bench-server bare`: axum, `Bytes` → 204)
#   hand-proxy wrk → `hand-proxy` (a minimal hyper reverse proxy written by hand) → the app
#   hookgate   wrk → `hookgate serve --provider github --sink http://app` (verify, claim, POST
#              with the Hookgate-* headers, complete) → the app
#   hookgate-quiet (only with ROWS="... hookgate-quiet"): the same with HOOKGATE_LOG=warn, i.e.
#              without the log line per delivery, to see what that line costs
# 1 KiB GitHub-signed JSON, a new X-GitHub-Delivery id on every request (so every request is a
# new delivery and is forwarded), 50 connections, unpinned: on 2 cores the proxy, the app and wrk
# share the CPU. Reported: medians of requests/s, p50, p99, the proxy's CPU time per request
# (utime + stime from /proc over the requests wrk completed), and the ratios to the app alone and
# to the hand-written proxy in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
RUNS=${RUNS:-5}
CONNS=${CONNS:-50}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p hookgate-cli -p hookgate-bench
OUT=$(mktemp -d)
APP=18441 PROXY=18442 SECRET=bench-secret
body=$(python3 -c 'import json; print(json.dumps({"action": "opened", "pad": "x" * 990}), end="")')
sig=$(printf '%s' "$body" | python3 -c "import hmac, hashlib, sys; print(hmac.new(b'$SECRET', sys.stdin.buffer.read(), hashlib.sha256).hexdigest())")
cat >"$OUT/req.lua" <<LUA
n, tid = 0, 0
function setup(thread) tid = tid + 1; thread:set("tid", tid) end
wrk.method = "POST"
wrk.body = [[$body]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = "push"
wrk.headers["X-Hub-Signature-256"] = "sha256=$sig"
function request()
  n = n + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("b-%s-%s-%d", os.time(), tid, n)
  return wrk.format(nil, "/webhooks")
end
LUA
target/release/bench-server bare $APP 2>/dev/null &
app_pid=$!
trap 'kill $app_pid 2>/dev/null || true' EXIT
sleep 0.3
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_row() {
  local row=$1 run=$2 pid="" port=$PROXY
  case $row in
    app) port=$APP ;;
    hand-proxy) target/release/hand-proxy $PROXY "http://127.0.0.1:$APP/webhooks" & pid=$! ;;
    hookgate) target/release/hookgate serve --provider github --secret $SECRET --listen 127.0.0.1:$PROXY \
      --sink "http://127.0.0.1:$APP/webhooks" >/dev/null 2>&1 & pid=$! ;;
    hookgate-quiet) HOOKGATE_LOG=warn target/release/hookgate serve --provider github --secret $SECRET \
      --listen 127.0.0.1:$PROXY --sink "http://127.0.0.1:$APP/webhooks" >/dev/null 2>&1 & pid=$! ;;
  esac
  for _ in $(seq 100); do curl -s -o /dev/null -X POST "http://127.0.0.1:$port/webhooks" && break; sleep 0.05; done
  local before; before=$(ticks "${pid:-$app_pid}")
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s "$OUT/req.lua" "http://127.0.0.1:$port/webhooks" >"$OUT/$row.$run.wrk"
  echo $(( $(ticks "${pid:-$app_pid}") - before )) >"$OUT/$row.$run.cpu"
  [ -n "$pid" ] && { kill $pid; wait $pid 2>/dev/null || true; }
  return 0
}

ROWS=${ROWS:-app hand-proxy hookgate}
for r in $(seq "$RUNS"); do
  for row in $ROWS; do run_row $row "$r"; done
done

TICK_US=$((1000000 / $(getconf CLK_TCK)))
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f\n", v/1000; else if (v ~ /ms$/) printf "%.3f\n", v+0; else printf "%.3f\n", v*1000 }'; }
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
p() { awk -v q="$2" '$1 == q {print $2}' "$1"; }
total() { awk '/requests in/ {print $1}' "$1"; }
non2xx() { awk '/Non-2xx/ {print $NF}' "$1"; }
med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "| row | req/s | p50 ms | p99 ms | proxy CPU µs/request | vs app alone (req/s, p99) | vs hand-proxy (req/s) |"
echo "|---|---|---|---|---|---|---|"
for row in $ROWS; do
  bad=$(for r in $(seq "$RUNS"); do non2xx "$OUT/$row.$r.wrk"; done | paste -sd+ | sed 's/^$/0/' | bc)
  [ "$bad" != 0 ] && echo "warning: $row: $bad non-2xx answers" >&2
  rps_m=$(for r in $(seq "$RUNS"); do rps "$OUT/$row.$r.wrk"; done | med)
  p50=$(for r in $(seq "$RUNS"); do to_ms "$(p "$OUT/$row.$r.wrk" 50%)"; done | med)
  p99=$(for r in $(seq "$RUNS"); do to_ms "$(p "$OUT/$row.$r.wrk" 99%)"; done | med)
  cpu=$(for r in $(seq "$RUNS"); do awk -v t="$(cat "$OUT/$row.$r.cpu")" -v n="$(total "$OUT/$row.$r.wrk")" -v u="$TICK_US" 'BEGIN {printf "%.2f\n", t*u/n}'; done | med)
  vs_app=$(for r in $(seq "$RUNS"); do awk -v a="$(rps "$OUT/$row.$r.wrk")" -v b="$(rps "$OUT/app.$r.wrk")" 'BEGIN {print a/b}'; done | med)
  vs_app_p99=$(for r in $(seq "$RUNS"); do awk -v a="$(to_ms "$(p "$OUT/$row.$r.wrk" 99%)")" -v b="$(to_ms "$(p "$OUT/app.$r.wrk" 99%)")" 'BEGIN {print a/b}'; done | med)
  vs_hand=$(for r in $(seq "$RUNS"); do awk -v a="$(rps "$OUT/$row.$r.wrk")" -v b="$(rps "$OUT/hand-proxy.$r.wrk")" 'BEGIN {print a/b}'; done | med)
  printf '| %s | %s | %s | %s | %s | %.2fx, %.2fx | %.2fx |\n' "$row" "$rps_m" "$p50" "$p99" "$cpu" "$vs_app" "$vs_app_p99" "$vs_hand"
done
echo "raw wrk output: $OUT"
