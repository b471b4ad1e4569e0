#!/usr/bin/env bash
# User-space instructions and system calls per operation, for every
# variant of the benchmarks (the floor, iofd, rustix, libc, nix, std),
# counted by callgrind: exact, unlike timings, and blind to the kernel.
#
#   scripts/instr-count.sh [operation...]   # default: every operation
#
# Builds the `instr` driver of the benches package (release), runs each
# variant under callgrind at two iteration counts N1 and N2, and prints
# (count(N2) - count(N1)) / (N2 - N1), which cancels start-up and setup.
# System calls are counted from valgrind's syscall trace the same way.
# IOFD_INSTR_N1 and IOFD_INSTR_N2 change the counts (10000 and 20000).
# Prints one markdown table per operation.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null; then
    echo "instr-count.sh: valgrind is not installed (Debian: apt-get install valgrind)" >&2
    exit 1
fi
n1=${IOFD_INSTR_N1:-10000}
n2=${IOFD_INSTR_N2:-20000}
if ! [ "$n2" -gt "$n1" ] 2>/dev/null; then
    echo "instr-count.sh: need IOFD_INSTR_N2 > IOFD_INSTR_N1 (got $n1, $n2)" >&2
    exit 2
fi

cargo build --quiet --release -p iofd-benches --bin instr
bin=${CARGO_TARGET_DIR:-target}/release/instr
operations=("$@")
if [ ${#operations[@]} -eq 0 ]; then
    operations=(eventfd timerfd memfd dup raw closed)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure OPERATION VARIANT N: prints "<instructions> <system calls>" for
# the whole run of N iterations.
measure() {
    local out=$tmp/callgrind.out log=$tmp/valgrind.log ir calls
    if ! valgrind --tool=callgrind --callgrind-out-file="$out" --trace-syscalls=yes \
        "$bin" "$2" "$3" "$1" >/dev/null 2>"$log"; then
        echo "instr-count.sh: '$bin $2 $3 $1' failed under valgrind:" >&2
        grep -v '^SYSCALL\[' "$log" | tail -20 >&2
        exit 1
    fi
    # The header's `summary:` line, or the `totals:` line of older versions.
    ir=$(awk '/^summary:/ { print $2; exit } /^totals:/ { t = $2 } END { if (t) print t }' "$out" | head -1)
    if [ -z "$ir" ]; then
        echo "instr-count.sh: no summary or totals line in callgrind's output" >&2
        exit 1
    fi
    # One line per call: an asynchronous call's completion line has `...`
    # where the name is.
    calls=$(grep -cE '^SYSCALL\[[0-9]+,[0-9]+\]\([0-9]+\) sys_' "$log" || true)
    echo "$ir $calls"
}

echo "User-space instructions per operation (callgrind, $(valgrind --version)," \
    "N = $n1 and $n2), on $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "Linux $(cat /proc/sys/kernel/osrelease), $(rustc --version | cut -d' ' -f1-2)."
for op in "${operations[@]}"; do
    variants=$("$bin" --list "$op")
    printf '\n**%s**\n\n' "$op"
    echo "| variant | instructions/op | vs floor | system calls/op |"
    echo "|---|--:|--:|--:|"
    floor=
    for variant in $variants; do
        read -r ir1 calls1 < <(measure "$op" "$variant" "$n1")
        read -r ir2 calls2 < <(measure "$op" "$variant" "$n2")
        per_op=$(awk -v a="$ir1" -v b="$ir2" -v n="$((n2 - n1))" 'BEGIN { printf "%.1f", (b - a) / n }')
        calls=$(awk -v a="$calls1" -v b="$calls2" -v n="$((n2 - n1))" 'BEGIN { printf "%.2f", (b - a) / n }')
        if [ -z "$floor" ]; then
            floor=$per_op
            delta="—"
        else
            delta=$(awk -v v="$per_op" -v f="$floor" 'BEGIN { printf "%+.1f", v - f }')
        fi
        echo "| $variant | $per_op | $delta | $calls |"
    done
done
