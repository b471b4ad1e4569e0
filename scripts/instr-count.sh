#!/usr/bin/env bash
# User-space instructions and system calls per operation, for every
# variant of the benchmarks in both shapes (loop and per call), counted by
# callgrind: exact, unlike timings, and blind to the kernel.
#
#   scripts/instr-count.sh [operation...]   # default: every operation
#
# Builds the `instr` driver of the benches package (release), runs each
# variant under callgrind at two iteration counts N1 and N2, and reports
# (count(N2) - count(N1)) / (N2 - N1), which cancels start-up and setup.
# System calls are counted from valgrind's syscall trace the same way.
# IOFD_INSTR_N1 and IOFD_INSTR_N2 change the counts (10000 and 20000).
#
# The operations, their variants and the columns come from the driver
# (`instr --operations`, `--list`, `--columns`), so a new operation needs
# nothing here. Operations that run on several threads are left out:
# callgrind runs one thread at a time.
#
# Prints a markdown section: one table per shape (a row per operation), a
# line with the system calls per operation, and the machine code of
# `Fd::raw()` and `Fd::is_valid()` (objdump, from binutils). A run of every
# operation also writes that section into BENCHMARKS.md, between the
# markers below (the ones `report::INSTR_BEGIN` and `INSTR_END` name),
# replacing the one there, or at the end if there is none. `cargo bench`
# keeps the section as it is when it rewrites the rest of the file.
#
# A peer's variant (rustix, libc, nix, std) that fails under valgrind shows
# as "fails", with valgrind's reason under the tables; the floor or an iofd
# variant failing stops the script. (rustix 1.1's clock reads fail: under
# valgrind 3.19, prctl(PR_GET_AUXV) describes valgrind's own process, whose
# vDSO valgrind has unmapped.) Valgrind hides the vDSO from the program it
# runs, so every clock read there is a system call.
set -euo pipefail
cd "$(dirname "$0")/.."

begin_marker='<!-- begin: scripts/instr-count.sh -->'
end_marker='<!-- end: scripts/instr-count.sh -->'
report=BENCHMARKS.md

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

cargo build --quiet --release -p iofd-benches --features instr --bin instr
bin=${CARGO_TARGET_DIR:-target}/release/instr
mapfile -t every < <("$bin" --operations)
operations=("$@")
whole=false
if [ ${#operations[@]} -eq 0 ]; then
    operations=("${every[@]}")
    whole=true
fi
for op in "${operations[@]}"; do
    if ! printf '%s\n' "${every[@]}" | grep -qxF -- "$op"; then
        echo "instr-count.sh: no single-threaded operation $op; known: ${every[*]}" >&2
        exit 2
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=$tmp/failures
: >"$failures"

# measure OPERATION VARIANT N: prints "<instructions> <system calls>" for
# the whole run of N iterations of VARIANT (shape/name), or "fails fails"
# for a peer that fails under valgrind (noted in $failures). Called
# directly (not in a subshell), so that its `exit` stops the script.
measure() {
    local out=$tmp/callgrind.out log=$tmp/valgrind.log ir calls where
    # In a subshell of its own, whose stderr takes the shell's notice of a
    # variant killed by a signal.
    if ! (valgrind --tool=callgrind --callgrind-out-file="$out" --trace-syscalls=yes \
        "$bin" "$2" "$3" "$1" >/dev/null 2>"$log"; exit) 2>/dev/null; then
        case ${2#*/} in
        rustix | libc | nix | std)
            # The signal and the innermost frame, from valgrind's report.
            where=$(grep -m2 -E 'Process terminating|^==[0-9]+== +at ' "$log" |
                sed -E 's/^==[0-9]+== +//; s/^at 0x[0-9A-F]+: //' | paste -sd ' ' -)
            echo "- $1 $2 fails under valgrind: $where" >>"$failures"
            echo "fails fails"
            return
            ;;
        esac
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

# Every variant of every operation, counted: instr["op shape/name"] and
# calls["op shape/name"]; variants["op"] lists the operation's variants.
declare -A instr=() calls=() variants=()
for op in "${operations[@]}"; do
    variants[$op]=$("$bin" --list "$op")
    for variant in ${variants[$op]}; do
        echo "instr-count.sh: $op $variant" >&2
        measure "$op" "$variant" "$n1" >"$tmp/run1"
        measure "$op" "$variant" "$n2" >"$tmp/run2"
        read -r ir1 calls1 <"$tmp/run1"
        read -r ir2 calls2 <"$tmp/run2"
        if [ "$ir1" = fails ] || [ "$ir2" = fails ]; then
            instr[$op $variant]=fails
            continue
        fi
        instr[$op $variant]=$(per_op "$ir1" "$ir2")
        calls[$op $variant]=$(per_op "$calls1" "$calls2")
    done
done

# table SHAPE TITLE: one row per operation that has a floor of SHAPE.
table() {
    local shape=$1 op name cell floor row
    local -a columns
    mapfile -t columns < <("$bin" --columns "$shape")
    echo "### $2"
    echo
    printf '| operation |'
    printf ' %s |' "${columns[@]}"
    printf '\n|---|'
    printf -- '--:|%.0s' "${columns[@]}"
    printf '\n'
    for op in "${operations[@]}"; do
        floor=${instr[$op $shape/floor]:-}
        if [ -z "$floor" ]; then
            continue
        fi
        row="| $op |"
        for name in "${columns[@]}"; do
            cell=${instr[$op $shape/$name]:-}
            if [ -z "$cell" ]; then
                row+=" — |"
            elif [ "$cell" = fails ] || [ "$name" = floor ]; then
                row+=" $cell |"
            else
                row+=" $cell ($(printf '%+d' $((cell - floor)))) |"
            fi
        done
        echo "$row"
    done
    echo
}

section() {
    local op variant distinct
    local -a calls_line each
    echo "$begin_marker"
    echo "## Instructions"
    echo
    echo "Counted $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/instr-count.sh\`: the" \
        "user-space instructions per operation under callgrind ($(valgrind --version)), on" \
        "$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
        "$(uname -s) $(uname -r) $(uname -m), built by $(rustc --version). Exact, unlike" \
        "the times, and blind to the kernel: each variant runs $n1 and $n2 iterations, and" \
        "the difference of the two counts over the difference of the iterations cancels" \
        "start-up and setup. In brackets, the difference from the floor of the same shape." \
        "Operations run by several threads are not counted: callgrind runs one thread at a" \
        "time. Valgrind hides the vDSO from the program it runs, so there every clock read" \
        "(in the clock and deadline rows) is the system call, and those rows count the" \
        "fallback, not the vDSO's code."
    echo
    table loop "Loop shape"
    table call "Per-call shape"
    for op in "${operations[@]}"; do
        # One count for the operation when every variant agrees, else each.
        each=()
        for variant in ${variants[$op]}; do
            if [ -n "${calls[$op $variant]:-}" ]; then
                each+=("$variant ${calls[$op $variant]}")
            fi
        done
        distinct=$(printf '%s\n' "${each[@]}" | awk '{ print $2 }' | sort -u | wc -l)
        if [ "$distinct" -eq 1 ]; then
            calls_line+=("$op ${calls[$op loop/floor]:-${each[0]##* }}")
        else
            calls_line+=("$op: $(join ', ' "${each[@]}")")
        fi
    done
    echo "System calls per operation (valgrind's trace): $(join '; ' "${calls_line[@]}")."
    if [ -s "$failures" ]; then
        echo
        echo "Variants that fail under valgrind (\"fails\" above):"
        echo
        sort -u "$failures"
    fi
    # The machine code of `Fd::raw()` and `Fd::is_valid()`, compiled on their
    # own in the driver.
    "$bin" --probe
    echo
    echo "The machine code of \`Fd::raw()\` and \`Fd::is_valid()\` compiled on their own" \
        "($(uname -m)):"
    for probe in iofd_probe_raw iofd_probe_is_valid; do
        echo
        echo "\`$probe\`:"
        echo '```'
        objdump -d --no-show-raw-insn --disassemble="$probe" "$bin" |
            awk -v sym="<$probe>:" '$2 == sym { on = 1; next } on && NF == 0 { exit } on && $2 != "int3" { $1 = ""; print substr($0, 2) }'
        echo '```'
    done
    echo "$end_marker"
}

section >"$tmp/section"
cat "$tmp/section"
if $whole; then
    if [ -f "$report" ] && grep -qxF "$begin_marker" "$report" && grep -qxF "$end_marker" "$report"; then
        awk -v begin="$begin_marker" -v end="$end_marker" -v section="$tmp/section" '
            $0 == begin { while ((getline line < section) > 0) print line; skip = 1; next }
            skip && $0 == end { skip = 0; next }
            !skip { print }' "$report" >"$tmp/report"
    else
        {
            if [ -f "$report" ]; then
                cat "$report"
                echo
            fi
            cat "$tmp/section"
        } >"$tmp/report"
    fi
    cp "$tmp/report" "$report"
    echo "instr-count.sh: written to $report" >&2
else
    echo "instr-count.sh: only some operations counted; $report left as it is" >&2
fi
