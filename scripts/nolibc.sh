#!/usr/bin/env bash
# Builds the no-libc program (examples/nolibc) for each target, runs it, and
# proves that it contains no libc.
#
#   scripts/nolibc.sh [target...]     (default: all eleven below)
#
# First it runs the unit tests of the program's own memory functions on
# the host. Then, for each target, it makes a release build (stripped) and
# the same build with its symbol table (profile `symbols`), and checks that
#  - it is a static executable: ELF type EXEC, no program interpreter, no
#    dynamic section (readelf);
#  - no symbol is left undefined, not even a weak one (readelf, nm);
#  - on *-linux-gnu*, the program's own memcpy and friends (all five, in a
#    link that keeps them) are loops that call nothing and never leave
#    their own code: the compiler did not turn them back into calls to
#    themselves (objdump);
#  - the program prints exactly the expected lines and exits with 0, run
#    natively (x86_64, i686) or under qemu-<arch>;
#  - `strace -f` (x86_64, i686) or qemu-user's own `-strace` (the others:
#    every call but the execve that starts the program, which qemu makes
#    before it traces) shows exactly the system calls the program makes,
#    in order, and nothing a libc would add (on armv7 and i686 the 32-bit
#    ABI's own: ftruncate64, mmap2 and the time64 calls);
#  - the stripped binary is smaller than 8 KiB.
# Then it prints the stripped sizes. Needs qemu-user, binutils with the
# aarch64, riscv64 and arm cross objdumps, the cross gccs and strace; for
# loongarch64 and i686-unknown-none, whose `core` is built from source,
# the nightly of scripts/build-std.sh with `rust-src`. i686-unknown-none
# is a target of the program's own (i686-unknown-none.json): Rust ships
# no bare-metal i686 target.
set -euo pipefail
# Builds go to $CARGO_TARGET_DIR/nolibc when it is set (absolute, or
# relative to where the script was started), else to target/nolibc.
root=$(cd "$(dirname "$0")/.." && pwd)
case "${CARGO_TARGET_DIR:-}" in
"") out_dir=$root/target/nolibc ;;
/*) out_dir=$CARGO_TARGET_DIR/nolibc ;;
*) out_dir=$PWD/$CARGO_TARGET_DIR/nolibc ;;
esac
export CARGO_TARGET_DIR=$out_dir
cd "$root/examples/nolibc"

all_targets=(
    x86_64-unknown-none aarch64-unknown-none riscv64gc-unknown-none-elf
    loongarch64-unknown-none armv7a-none-eabi i686-unknown-none
    x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu riscv64gc-unknown-linux-gnu
    armv7-unknown-linux-gnueabihf i686-unknown-linux-gnu
)
targets=("${@:-${all_targets[@]}}")
max_size=8192

expected_output='eventfd: counter 42
timerfd: 1 expiration
signalfd: signal 32 from this process
memfd: read back "written through the mapping"'

# Every system call, in order. The program's own requests, with those
# that iofd makes on its behalf: `MemFd::new` seals its MFD_NOEXEC_SEAL
# file against further seals (the first fcntl), `MemFd::mmap` reads the
# seals, the size and the file system before mapping (fcntl, statx,
# fstatfs), and `send_signal_to_thread` needs the process id for tgkill
# (the first getpid). The page size comes from the auxiliary vector that
# `_start` hands to `iofd::init_no_libc`, so iofd never reads
# /proc/self/auxv (openat, fstatfs, read, close) or asks prctl.
expected_syscalls='execve
rt_sigprocmask
signalfd4
eventfd2
timerfd_create
memfd_create
fcntl
ftruncate
fcntl
statx
fstatfs
mmap
write
ppoll
read
write
timerfd_settime
ppoll
read
write
gettid
getpid
tgkill
ppoll
read
getpid
write
ppoll
pread64
write
munmap
close
close
close
close
exit_group'

# The same calls on armv7 and i686, whose 32-bit ABI has its own for some.
expected_syscalls_32=$(sed -E 's/^(ftruncate|timerfd_settime)$/\164/; s/^mmap$/mmap2/; s/^ppoll$/ppoll_time64/' <<<"$expected_syscalls")

# What src/rt.rs provides on *-linux-gnu.
mem_functions=(memcpy memmove memset memcmp bcmp)

fail() {
    echo "nolibc: $target: $*" >&2
    exit 1
}

# The memory functions of a *-linux-gnu build, disassembled one by one:
# none may call anything, jump through a register or the GOT, or refer to
# any symbol but itself; nor jump unconditionally to its own first
# instruction without touching memory, which is how a tail call to itself
# looks (the loop replaced by a call to the function it implements). A
# loop whose test sits at the entry also jumps back there unconditionally
# (arm does so), but it loads or stores bytes on the way: an operand in
# `[...]` or `(...)`, as each arch's objdump writes memory operands.
check_mem_functions() {
    local bin=$1 objdump=$2 f disassembly body
    disassembly=$("$objdump" -d --no-show-raw-insn "$bin")
    for f in "${mem_functions[@]}"; do
        body=$(awk -v f="$f" '
            $0 ~ "<" f ">:$" { inside = 1; next }
            /^$/ { inside = 0 }
            inside { print }' <<<"$disassembly")
        [ -n "$body" ] || fail "$f is missing"
        awk -v f="$f" '
            {   # the instruction, without address and objdump comment
                insn = $0; sub(/^[^\t]*\t/, "", insn); sub(/[ \t]+(#|\/\/).*$/, "", insn)
                op = insn; sub(/[ \t].*/, "", op) }
            op ~ /^(call|callq|bl|blr|br|jal|jalr|jr|tail)$/ || insn ~ /^jmpq? +\*/ {
                print f ": calls or jumps indirectly: " insn; bad = 1 }
            op ~ /^(jmp|jmpq|b|j)$/ && index(insn, "<" f ">") { self_jump = insn }
            { operands = insn; sub(/<[^>]*>/, "", operands) }
            operands ~ /[[(]/ { touches_memory = 1 }
            match(insn, /<[^>+]+/) && substr(insn, RSTART + 1, RLENGTH - 1) != f {
                print f ": refers to another symbol: " insn; bad = 1 }
            END {
                if (self_jump != "" && !touches_memory) {
                    print f ": jumps to itself and touches no memory, a tail call: " self_jump; bad = 1 }
                exit bad }' <<<"$body" >&2 || fail "$f is not a self-contained loop"
    done
}

echo "--- memory functions (src/rt.rs), unit tests on the host"
mkdir -p "$out_dir"
rustc --edition 2024 --test src/rt.rs -o "$out_dir/rt-test"
# A broken memcpy or memset breaks the test harness itself, which may then
# hang rather than fail.
timeout 60 "$out_dir/rt-test" --quiet

declare -A size
for target in "${targets[@]}"; do
    echo "--- $target"
    cargo=(cargo) build_std=() target_arg=$target expected=$expected_syscalls
    case "$target" in
    x86_64-*) arch=x86_64 runner=() objdump=objdump ;;
    aarch64-*) arch=aarch64 runner=(qemu-aarch64) objdump=aarch64-linux-gnu-objdump ;;
    riscv64*) arch=riscv64 runner=(qemu-riscv64) objdump=riscv64-linux-gnu-objdump ;;
    loongarch64-*)
        arch=loongarch64 runner=(qemu-loongarch64) objdump='' # no *-linux-gnu build
        . ../../scripts/build-std.sh
        cargo=(cargo "+$BUILD_STD_TOOLCHAIN")
        build_std=(-Zbuild-std=core,compiler_builtins
            -Zbuild-std-features=optimize_for_size)
        ;;
    armv7*)
        arch=arm runner=(qemu-arm) objdump=arm-linux-gnueabihf-objdump
        expected=$expected_syscalls_32
        ;;
    i686-unknown-none)
        arch=i686 runner=() objdump='' # no *-linux-gnu build
        expected=$expected_syscalls_32 target_arg=i686-unknown-none.json
        . ../../scripts/build-std.sh
        cargo=(cargo "+$BUILD_STD_TOOLCHAIN")
        build_std=(-Zjson-target-spec -Zbuild-std=core,compiler_builtins
            -Zbuild-std-features=optimize_for_size)
        ;;
    i686-*) arch=i686 runner=() objdump=objdump expected=$expected_syscalls_32 ;;
    *) echo "nolibc: unknown target '$target'" >&2 && exit 2 ;;
    esac
    "${cargo[@]}" build --quiet --release --target "$target_arg" "${build_std[@]}"
    "${cargo[@]}" build --quiet --profile symbols --target "$target_arg" "${build_std[@]}"
    bin=$out_dir/$target/release/nolibc
    symbols=$out_dir/$target/symbols/nolibc

    readelf -h "$bin" | grep -Eq 'Type: +EXEC' || fail "not a static executable (ELF type EXEC)"
    if readelf -lW "$bin" | grep -q INTERP; then fail "has a program interpreter"; fi
    readelf -d "$bin" | grep -q 'There is no dynamic section' || fail "has a dynamic section"
    undefined=$(readelf -sW "$symbols" | awk '$7 == "UND" && $8 != ""')
    [ -z "$undefined" ] || fail "undefined symbols: $undefined"
    [ -z "$(nm -u "$symbols")" ] || fail "nm lists undefined symbols: $(nm -u "$symbols")"
    echo "readelf, nm: static executable, no interpreter, no dynamic section, no undefined symbol"

    if [[ $target == *-linux-gnu* ]]; then
        # A link that keeps all five, including those this program does
        # not happen to need.
        keep=()
        for f in "${mem_functions[@]}"; do keep+=(-C "link-arg=-Wl,--undefined=$f"); done
        cargo rustc --quiet --profile symbols --target "$target" --target-dir "$out_dir/mem" -- "${keep[@]}"
        check_mem_functions "$out_dir/mem/$target/symbols/nolibc" "$objdump"
        echo "objdump: ${mem_functions[*]} are self-contained loops"
    fi

    status=0
    output=$(timeout 60 "${runner[@]}" "$bin") || status=$?
    [ "$status" = 0 ] || fail "exit status $status"
    [ "$output" = "$expected_output" ] || fail "unexpected output:
$output"
    echo "runs: $(wc -l <<<"$output") lines as expected, exit status 0"

    log=$(mktemp)
    if [ ${#runner[@]} = 0 ]; then
        strace -f -qq -o "$log" "$bin" >/dev/null
        tracer=strace
    else
        timeout 60 "${runner[@]}" -strace "$bin" 2>"$log" >/dev/null
        expected=$(tail -n +2 <<<"$expected") tracer="${runner[0]} -strace"
        # qemu-user 7.2 runs the time64 calls of the 32-bit arches but
        # traces them as "Unknown syscall N": name them. Their numbers are
        # the same on every 32-bit arch (include/uapi/asm-generic/unistd.h).
        sed -i -E 's/^([0-9]+) Unknown syscall 403$/\1 clock_gettime64(/
            s/^([0-9]+) Unknown syscall 410$/\1 timerfd_gettime64(/
            s/^([0-9]+) Unknown syscall 411$/\1 timerfd_settime64(/
            s/^([0-9]+) Unknown syscall 414$/\1 ppoll_time64(/' "$log"
    fi
    syscalls=$(sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$log")
    rm -f "$log"
    [ "$syscalls" = "$expected" ] || fail "unexpected system calls:
$(diff <(echo "$expected") <(echo "$syscalls"))"
    echo "$tracer: exactly the $(wc -l <<<"$syscalls") expected system calls"


    size[$target]=$(stat -c %s "$bin")
    [ "${size[$target]}" -lt "$max_size" ] || fail "${size[$target]} bytes, not under $max_size"
done

echo
printf '%-30s %s\n' target 'stripped size (bytes)'
for target in "${targets[@]}"; do
    printf '%-30s %s\n' "$target" "${size[$target]}"
done
