#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), one after the other, and prints one
# summary line per target (executions, coverage, crashes). Needs the nightly toolchain and
# cargo-fuzz:  rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: bash fuzz/run.sh [target...]      (SECONDS_PER_TARGET=60 bash fuzz/run.sh for a quick look)
# Crash inputs land in fuzz/artifacts/<target>/; replay one with
#   cargo +nightly fuzz run -O <target> fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")"
secs=${SECONDS_PER_TARGET:-600}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(signature_header verify config)
cargo +nightly fuzz build -O >/dev/null
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  log="logs/$t.log"
  status=0
  cargo +nightly fuzz run -O "$t" "corpus/$t" "${seeds[@]}" -- -max_total_time="$secs" -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  crashes=$(ls "artifacts/$t" 2>/dev/null | wc -l)
  echo "$t: ${runs:-no summary} | ${cov:-} | exit $status | artifacts: $crashes"
done
