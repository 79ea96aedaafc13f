#!/usr/bin/env bash
# Instructions per 1 KiB call beyond the bare HMAC floor, under callgrind: each check run 4,000
# and 2,000 times (`RATIO_ONE`), the difference halved, minus the floor's.
#
#   bash bench/ratio-callgrind.sh target/release/deps/ratio-<hash> github by-hand-github tuned-github
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 RATIO_BINARY CHECK..." >&2; exit 2; }
bin=$1; shift
count() {
  RATIO_ONE=$1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --bench 2>&1 |
    awk '/Collected/ { print $4 }'
}
per_call() { echo $(( ($(count "$1/4000") - $(count "$1/2000")) / 2000 )); }
floor=$(per_call floor)
echo "floor $floor"
for check in "$@"; do
  n=$(per_call "$check")
  echo "$check $n (+$((n - floor)))"
done
