#!/usr/bin/env bash
# The long stress run: 8 threads, 100 000 operations (or $1), random
# closes, fd-number reuse; then the close-race test 20 times in a row.
#
#   scripts/stress.sh [operations] [race repetitions]
set -euo pipefail
cd "$(dirname "$0")/.."

ops=${1:-100000}
reps=${2:-20}

IOFD_STRESS_OPS=$ops cargo test --release --test stress -- --nocapture 2>&1 | grep -E '^stress:|test result'

cargo test --release --test fd --no-run -q
passed=0
for _ in $(seq "$reps"); do
    cargo test --release -q --test fd close_racing >/dev/null
    passed=$((passed + 1))
done
echo "close race: $passed/$reps runs in a row passed"
