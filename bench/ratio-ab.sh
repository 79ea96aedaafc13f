#!/usr/bin/env bash
# Old and new code side by side on a noisy machine: runs each `ratio` bench binary in turn, N
# rounds, pinned to one core, and prints per binary the median over the rounds of each 1 KiB row's
# `authenticate` / floor ratio (or the calibration's ratio).
#
#   git worktree add /tmp/old <rev> && (cd /tmp/old && CARGO_TARGET_DIR=/tmp/old-target \
#       cargo bench -p hookgate-core --bench ratio --no-run)
#   cargo bench -p hookgate-core --bench ratio --no-run
#   bash bench/ratio-ab.sh 10 /tmp/old-target/release/deps/ratio-<hash> target/release/deps/ratio-<hash>
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ROUNDS RATIO_BINARY..." >&2; exit 2; }
rounds=$1; shift
out=$(mktemp); trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  k=0
  for bin in "$@"; do
    k=$((k + 1))
    taskset -c 1 "$bin" --bench 2>/dev/null | awk -F'|' -v t="$k" '$3 ~ /1 KiB/ {
      name = $2; gsub(/^ +| +$/, "", name); gsub(/ /, "_", name)
      r = ($7 != "") ? $7 : $5; gsub(/[ x]/, "", r); print t, name, r }' >> "$out"
  done
done
python3 - "$out" "$@" <<'PY'
import collections, statistics, sys
rows, names = collections.defaultdict(list), []
for line in open(sys.argv[1]):
    t, name, r = line.split()
    rows[(name, t)].append(float(r))
    if name not in names:
        names.append(name)
bins = sys.argv[2:]
print("  ".join(f"[{i + 1}] {b}" for i, b in enumerate(bins)))
for name in names:
    cells = []
    for i in range(len(bins)):
        v = rows.get((name, str(i + 1)))
        cells.append(f"{statistics.median(v):.3f}x ({min(v):.3f}-{max(v):.3f})" if v else "-")
    print(f"{name[:44]:44s} " + "  ".join(cells))
PY
