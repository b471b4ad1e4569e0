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
# Prints a markdown table, one row per operation, a line with the system
# calls per operation, and the machine code of `Fd::raw()` and
# `Fd::is_valid()` (objdump, from binutils). A peer's variant that fails
# under valgrind shows as "fails", with valgrind's reason under the table
# (rustix 1.1's clock reads do: under valgrind 3.19, prctl(PR_GET_AUXV)
# describes valgrind's own process, whose vDSO valgrind has unmapped).
# Valgrind hides the vDSO from the program it runs, so every clock read
# there is a system call.
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
    operations=(eventfd timerfd memfd dup raw clock closed)
fi

for op in "${operations[@]}"; do
    "$bin" --list "$op" >/dev/null # an unknown operation stops here, with the known ones
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=$tmp/failures
: >"$failures"

# measure OPERATION VARIANT N: prints "<instructions> <system calls>" for
# the whole run of N iterations, or "fails fails" for a peer that fails
# under valgrind (noted in $failures; the floor or iofd failing stops the
# script). Called directly (not in a subshell), so that its `exit` stops
# the script.
measure() {
    local out=$tmp/callgrind.out log=$tmp/valgrind.log ir calls where
    # In a subshell of its own, whose stderr takes the shell's notice of
    # a variant killed by a signal.
    if ! (valgrind --tool=callgrind --callgrind-out-file="$out" --trace-syscalls=yes \
        "$bin" "$2" "$3" "$1" >/dev/null 2>"$log"; exit) 2>/dev/null; then
        if [ "$2" != floor ] && [ "$2" != iofd ]; then
            # The signal and the innermost frame, from valgrind's report.
            where=$(grep -m2 -E 'Process terminating|^==[0-9]+== +at ' "$log" |
                sed -E 's/^==[0-9]+== +//; s/^at 0x[0-9A-F]+: //' | paste -sd ' ' -)
            echo "- $1/$2 fails under valgrind: $where" >>"$failures"
            echo "fails fails"
            return
        fi
        echo "instr-count.sh: '$bin $2 $3 $1' failed under valgrind:" >&2
        grep -v '^SYSCALL\[' "$log" | tail -20 >&2
        exit 1
    fi
    # The header's `summary:` line, or the `totals:` line of older versions.
    ir=$(awk '/^summary:/ { s = $2 } /^totals:/ { t = $2 } END { print (s != "" ? s : t) }' "$out")
    if [ -z "$ir" ]; then
        echo "instr-count.sh: no summary or totals line in callgrind's output" >&2
        exit 1
    fi
    # One line per call: an asynchronous call's completion line has `...`
    # where the name is.
    calls=$(grep -cE '^SYSCALL\[[0-9]+,[0-9]+\]\([0-9]+\) sys_' "$log" || true)
    echo "$ir $calls"
}

# join SEPARATOR WORD...: the words with SEPARATOR between them.
join() {
    local separator=$1 out=$2 word
    shift 2
    for word in "$@"; do out+=$separator$word; done
    printf '%s' "$out"
}

# per_op TOTAL1 TOTAL2: the count per iteration, from two whole-run counts.
per_op() { awk -v a="$1" -v b="$2" -v n="$((n2 - n1))" 'BEGIN { printf "%.0f", (b - a) / n }'; }

columns=(floor floor+guard iofd rustix libc nix std)
echo "User-space instructions per operation, counted by callgrind ($(valgrind --version)," \
    "N = $n1 and $n2) on $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "Linux $(cat /proc/sys/kernel/osrelease), $(rustc --version | cut -d' ' -f1-2); in" \
    "brackets, the difference from the floor:"
echo
printf '| operation |'
printf ' %s |' "${columns[@]}"
printf '\n|---|'
printf -- '--:|%.0s' "${columns[@]}"
printf '\n'

calls_line=()
for op in "${operations[@]}"; do
    declare -A instr=() calls=()
    floor=
    for variant in $("$bin" --list "$op"); do
        measure "$op" "$variant" "$n1" >"$tmp/run1"
        measure "$op" "$variant" "$n2" >"$tmp/run2"
        read -r ir1 calls1 <"$tmp/run1"
        read -r ir2 calls2 <"$tmp/run2"
        if [ "$ir1" = fails ] || [ "$ir2" = fails ]; then
            instr[$variant]=fails
            continue
        fi
        instr[$variant]=$(per_op "$ir1" "$ir2")
        calls[$variant]=$(per_op "$calls1" "$calls2")
        if [ -z "$floor" ]; then
            floor=${instr[$variant]}
        fi
    done
    row="| $op |"
    for variant in "${columns[@]}"; do
        if [ -z "${instr[$variant]:-}" ]; then
            row+=" — |"
        elif [ "${instr[$variant]}" = fails ]; then
            row+=" fails |"
        elif [ "$variant" = floor ]; then
            row+=" ${instr[$variant]} |"
        else
            row+=" ${instr[$variant]} ($(printf '%+d' $((instr[$variant] - floor)))) |"
        fi
    done
    echo "$row"
    # One count for the operation when every variant agrees, else each.
    distinct=$(printf '%s\n' "${calls[@]}" | sort -u | wc -l)
    if [ "$distinct" -eq 1 ]; then
        calls_line+=("$op ${calls[floor]}")
    else
        each=()
        for variant in "${columns[@]}"; do
            if [ -n "${calls[$variant]:-}" ]; then
                each+=("$variant ${calls[$variant]}")
            fi
        done
        calls_line+=("$op: $(join ', ' "${each[@]}")")
    fi
    unset instr calls
done
echo
echo "System calls per operation (valgrind's trace): $(join '; ' "${calls_line[@]}")."
if [ -s "$failures" ]; then
    echo
    echo "Variants that fail under valgrind (\"fails\" above):"
    echo
    sort -u "$failures"
fi

# The machine code of `Fd::raw()` and `Fd::is_valid()`, compiled on their own
# in the driver: a single load, and a load and a sign test.
"$bin" --probe
echo
for probe in iofd_probe_raw iofd_probe_is_valid; do
    echo "\`$probe\` ($(uname -m)):"
    echo '```'
    objdump -d --no-show-raw-insn --disassemble="$probe" "$bin" |
        awk -v sym="<$probe>:" '$2 == sym { on = 1; next } on && NF == 0 { exit } on && $2 != "int3" { $1 = ""; print substr($0, 2) }'
    echo '```'
done
