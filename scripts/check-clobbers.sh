#!/usr/bin/env bash
# Checks that the asm stubs declare what the kernel changes: no vector or
# predicate register value survives a system call in compiled code, and
# no value kept in a general-purpose register the kernel changes (the call
# number's register on every arch, and on loongarch64 t0..t8).
#
#   scripts/check-clobbers.sh [aarch64|riscv64|loongarch64 ...]   (default: all three)
#
# On aarch64 with SVE the kernel zeroes the bits above 127 of Z0..Z31 and
# all of P0..P15 on every system call; on riscv64 with V it discards
# v0..v31, vl and vtype (see the headers of arch/aarch64.rs and
# arch/riscv64.rs). If a stub does not declare that, the compiler keeps
# values in those registers across the call and reads back the kernel's.
#
# For each arch this builds scripts/clobbers (vector code before and after
# a call of `Fd::write` and of every `iofd::raw` stub) with vector
# features on, disassembles it with the cross objdump, and runs
# scripts/clobbers/stale.rs over every probe: a data-flow analysis that
# fails if any path from a system call instruction reads such a register
# without writing it first (riscv64: or runs an instruction that depends
# on vtype before a vset{i}vl{i}), or if a probe has no vector work on
# both sides of its call. The analysis's own unit tests run first.
#
# Needs the rustup targets aarch64-unknown-linux-gnu and
# riscv64gc-unknown-linux-gnu and the cross objdumps (Debian:
# binutils-aarch64-linux-gnu, binutils-riscv64-linux-gnu). Nothing is
# linked or run on the target.
#
# The kernel rewrites the call number's register (x8, a7) when it restarts
# a call itself, and on loongarch64 hands back t0..t8 with values of its
# own. For each arch this also builds scripts/clobbers-run, a no-libc
# program whose signal handler, run as a system call returns, changes
# those registers as the kernel may, and runs it under qemu-user (which
# does neither itself): it fails if a value kept across the call, or the
# call number, comes back changed. loongarch64 needs the nightly of
# scripts/build-std.sh with `rust-src`; the others the rustup targets
# aarch64-unknown-none and riscv64gc-unknown-none-elf.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then arches=("$@"); else arches=(aarch64 riscv64 loongarch64); fi
out=target/clobbers
mkdir -p "$out"

echo "--- the probes and the analysis: format, clippy, unit tests"
(cd scripts/clobbers && cargo fmt --check)
rustfmt --edition 2024 --check scripts/clobbers/stale.rs
clippy-driver --edition 2024 -D warnings --test scripts/clobbers/stale.rs -o "$out/stale-clippy"
rustc --edition 2024 --test scripts/clobbers/stale.rs -o "$out/stale-test"
"$out/stale-test" --quiet
rustc --edition 2024 -O scripts/clobbers/stale.rs -o "$out/stale"

probes=(probe_fd_write)
for n in 0 1 2 3 4 5 6; do
    probes+=("probe_syscall$n" "probe_syscall${n}_readonly")
done

for arch in "${arches[@]}"; do
    case "$arch" in
    aarch64)
        target=aarch64-unknown-linux-gnu
        objdump=aarch64-linux-gnu-objdump
        # SVE with 256-bit vectors, so that LLVM vectorises the probes
        # with fixed-length SVE code. LSE makes the atomics of `Fd`'s
        # guard inline instructions: the default out-of-line helpers are
        # calls, which make LLVM spill the vector registers anyway and
        # would hide a missing clobber in `probe_fd_write`.
        flags="-C target-feature=+sve,+lse -C llvm-args=-aarch64-sve-vector-bits-min=256"
        bare=aarch64-unknown-none
        ;;
    loongarch64)
        echo "--- loongarch64: registers the kernel changes (run under qemu-loongarch64)"
        . scripts/build-std.sh
        build_std=(-Zbuild-std=core,compiler_builtins -Zbuild-std-features=compiler-builtins-mem)
        (
            cd scripts/clobbers-run
            cargo fmt --check
            cargo "+$BUILD_STD_TOOLCHAIN" clippy --quiet --release --target loongarch64-unknown-none "${build_std[@]}" -- -D warnings
            cargo "+$BUILD_STD_TOOLCHAIN" run --quiet --release --target loongarch64-unknown-none "${build_std[@]}"
        )
        continue
        ;;
    riscv64)
        target=riscv64gc-unknown-linux-gnu
        objdump=riscv64-linux-gnu-objdump
        # A core with the V extension (VLEN 256).
        flags="-C target-cpu=spacemit-x60"
        bare=riscv64gc-unknown-none-elf
        ;;
    *)
        echo "check-clobbers: unknown arch '$arch': expected aarch64, riscv64 or loongarch64" >&2
        exit 2
        ;;
    esac
    echo "--- $arch ($target, $flags)"
    dir=$out/$arch
    obj=$dir/probe.o
    build() {
        (cd scripts/clobbers && RUSTFLAGS="$flags" cargo rustc --quiet --release \
            --target "$target" --target-dir "../../$dir" -- --emit "obj=../../$obj,llvm-ir=../../$dir/probe.ll")
    }
    (cd scripts/clobbers && RUSTFLAGS="$flags" cargo clippy --quiet --release \
        --target "$target" --target-dir "../../$dir" -- -D warnings)
    build
    if [ ! -e "$obj" ]; then
        # Cargo saw nothing to rebuild, but the object is gone.
        touch scripts/clobbers/src/lib.rs
        build
    fi
    if [ "$arch" = riscv64 ]; then
        # `vl` and `vtype`, which `asm!` cannot name, are clobbered only
        # where a stub leaves out `preserves_flags`: every `ecall` the
        # compiler was given must carry them.
        calls=$(grep -c 'asm sideeffect "ecall' "$dir/probe.ll" || true)
        told=$(grep 'asm sideeffect "ecall' "$dir/probe.ll" | grep '~{vl}' | grep -c '~{vtype}' || true)
        if [ "$calls" -eq 0 ] || [ "$told" -ne "$calls" ]; then
            echo "check-clobbers: riscv64: $told of $calls ecall blocks clobber vl and vtype" >&2
            exit 1
        fi
        echo "riscv64: all $calls ecall blocks clobber vl and vtype"
    fi
    "$objdump" -dr --no-show-raw-insn "$obj" >"$dir/probe.dis"
    "$out/stale" "$arch" "$dir/probe.dis" "${probes[@]}"
    echo "--- $arch: registers the kernel changes (run under qemu-$arch)"
    (
        cd scripts/clobbers-run
        cargo fmt --check
        cargo clippy --quiet --release --target "$bare" -- -D warnings
        cargo run --quiet --release --target "$bare"
    )
done
echo "--- no value is kept in a register a system call changes"
