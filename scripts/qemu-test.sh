#!/usr/bin/env bash
# Runs the test suite for one architecture under qemu-user.
#
#   scripts/qemu-test.sh <x86_64|aarch64|riscv64|loongarch64|armv7|i686> [extra `cargo test` args]
#
# Needs qemu-user and, for the foreign arches, the Debian cross compilers
# (gcc-aarch64-linux-gnu, gcc-riscv64-linux-gnu, gcc-arm-linux-gnueabihf,
# gcc-i686-linux-gnu with their libc6-dev-*-cross) and the rustup targets;
# for loongarch64, the nightly of scripts/build-std.sh with `rust-src`
# (the standard library is built from source) and zig (`pip install
# ziglang`), which links. The foreign linkers and runners come from
# .cargo/config.toml; x86_64 and i686 get an explicit qemu runner here, so
# that their builds still run natively elsewhere (`cargo test --target
# i686-unknown-linux-gnu` runs the i686 suite natively, seccomp cells
# included). The seccomp fault-injection cells
# are skipped (see below). Prints one line with the summed test counts.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:?usage: scripts/qemu-test.sh <x86_64|aarch64|riscv64|loongarch64|armv7|i686> [cargo test args]}
shift
cargo=(cargo)
build_std=()
case "$arch" in
x86_64)
    target=x86_64-unknown-linux-gnu
    export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER=qemu-x86_64
    ;;
aarch64) target=aarch64-unknown-linux-gnu ;;
riscv64) target=riscv64gc-unknown-linux-gnu ;;
loongarch64)
    target=loongarch64-unknown-linux-musl
    . scripts/build-std.sh
    cargo=(cargo "+$BUILD_STD_TOOLCHAIN")
    build_std=(-Zbuild-std)
    ;;
armv7) target=armv7-unknown-linux-gnueabihf ;;
i686)
    target=i686-unknown-linux-gnu
    export CARGO_TARGET_I686_UNKNOWN_LINUX_GNU_RUNNER=qemu-i386
    # One test at a time. qemu-user keeps one emulated GDT for all the
    # threads of an i386 guest, where each thread's TLS descriptor goes
    # (set_thread_area), and a return from a signal handler reloads `gs`
    # from it: a test that handles a signal while another test's thread
    # has just started reads that thread's thread-locals (std then fails
    # with "cannot access a Thread Local Storage value"). Natively each
    # thread has its own descriptor, and the suite runs in parallel.
    export RUST_TEST_THREADS=1
    ;;
*)
    echo "unknown arch '$arch': expected x86_64, aarch64, riscv64, loongarch64, armv7 or i686" >&2
    exit 2
    ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# The fault-injection cells (tests/fault_injection, every name starting
# with `seccomp_`) fail system calls with seccomp filters. qemu-user does
# not emulate seccomp (prctl(PR_SET_SECCOMP) fails), so those cells only
# mean something on a real kernel: native `cargo test` runs them all. Here
# they are skipped by name, and the harness prints how many it filtered out.
skip=(--skip seccomp_)
if printf '%s\n' "$@" | grep -qx -- '--'; then
    test_args=("$@" "${skip[@]}")
else
    test_args=("$@" -- "${skip[@]}")
fi
"${cargo[@]}" test --target "$target" "${build_std[@]}" "${test_args[@]}" 2>&1 | tee "$log" || status=$?
scripts/test-count.sh "qemu-$arch" <"$log"
exit "$status"
