//! aarch64 system-call stubs.
//!
//! ABI (`svc #0`, see syscall(2)):
//! - number in `x8`; arguments in `x0`..`x5`;
//! - result in `x0` (`-4095..=-1` is `-errno`);
//! - when the kernel restarts an interrupted call itself (it returned
//!   `-ERESTART_RESTARTBLOCK` and no handler runs), it rewrites `x8` to
//!   `__NR_restart_syscall` before re-executing `svc` (arch/arm64/kernel/
//!   signal.c, `setup_restart_syscall`), so `x8` comes back changed: every
//!   stub declares it clobbered (`inlateout`; `scripts/check-clobbers.sh`
//!   runs a probe that fails otherwise);
//! - the kernel preserves every other general-purpose register and
//!   `V0`..`V31`, and restores `NZCV` from `SPSR` on return, so flags
//!   survive the call;
//! - with SVE, bits 127:0 of `Z0`..`Z31` (the `V` registers) are preserved,
//!   and "all other bits of Z0..Z31, and all of P0..P15 and FFR become zero
//!   on return from a syscall" (Documentation/arch/arm64/sve.rst, "System
//!   call behaviour");
//! - with SME, `ZA` and `ZT0` are preserved, and a call made in streaming
//!   mode returns with `PSTATE.SM` cleared (Documentation/arch/arm64/sme.rst,
//!   "System call behaviour");
//! - the kernel does not touch the user stack (`nostack`).
//!
//! What every stub declares (`svc!` below), given that Rust's `asm!` names no
//! `Z` register:
//! - `P0`..`P15` clobbered (the clobber-only `preg` class), always. Where no
//!   SVE code runs this costs nothing: the machine code is the same with and
//!   without these clobbers.
//! - `FFR` is not declared: LLVM reserves it (it never holds a value the
//!   compiler chose, and naming it in a clobber list draws a warning that
//!   reserved registers "may not be preserved"). Only an explicit
//!   first-fault sequence reads it, and one with an iofd call inside reads
//!   zeroes.
//! - `V0`..`V31` clobbered when this crate is compiled with SVE
//!   (`target_feature = "sve"`). LLVM treats a clobbered `V` register as a
//!   clobbered `Z` register, so it spills whole `Z` registers around the
//!   call (although the kernel keeps their low 128 bits), and every function
//!   with a system call saves and restores `d8`..`d15`, the callee-saved low
//!   halves of `V8`..`V15` (4 `stp` + 4 `ldp`, 64 bytes of stack). Without
//!   SVE the kernel changes no vector register, so the stubs do not declare
//!   any there and do not pay this. Clobbering only the caller-saved
//!   `V0`..`V7` and `V16`..`V31` is no cheaper fix: LLVM then keeps the
//!   values in `Z8`..`Z15`, whose upper bits the kernel zeroes too.
//!
//! `scripts/check-clobbers.sh` builds SVE code (256-bit vectors) around
//! iofd calls and fails if any `Z` or `P` value is read after `svc`
//! without being written again.
//!
//! What cannot be declared, hence is unsupported:
//! - SVE code in a build without `target_feature = "sve"`, such as a
//!   function marked `#[target_feature(enable = "sve")]` in a program built
//!   for plain aarch64: there LLVM may keep a value in the bits above 127 of
//!   a `Z` register across `svc`, and read back zeroes. Build the whole
//!   program with SVE (`-C target-feature=+sve`, or a `-C target-cpu` that
//!   has it) if any of it uses SVE.
//! - Streaming mode (SME): stable Rust has no streaming functions, and a
//!   thread that enters streaming mode in its own asm and then calls into
//!   iofd returns from the call in non-streaming mode.
//! - A first-fault sequence with an iofd call inside: `FFR` reads back
//!   zeroes (see above).
//!
//! [`syscall1_noreturn`] follows `svc` with `udf #0`: if the call returns
//! (refused by a seccomp filter or skipped by a tracer), the process gets
//! `SIGILL` instead of running off the end of a `noreturn` asm block.
//!
//! Asm only, and the arch's [`NAME`]. The contract for every function is the one documented on
//! [`crate::raw`]; the `_readonly` twins additionally tell the compiler
//! (`options(readonly)`) that the call is a [read-only
//! call](crate::raw#read-only-calls).

use core::arch::asm;

/// The architecture, as `target_arch` names it: selects its row of the
/// vDSO table in `src/vdso/mod.rs`.
pub(crate) const NAME: &str = "aarch64";

/// `svc #0` with the given options and operands, and the clobbers of the
/// header: `V0`..`V31` (whole `Z` registers, to LLVM) and `P0`..`P15`.
#[cfg(target_feature = "sve")]
macro_rules! svc {
    (options($($option:ident),*), $($operands:tt)*) => {
        asm!("svc 0",
            $($operands)*,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _,
            out("v4") _, out("v5") _, out("v6") _, out("v7") _,
            out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _,
            out("v16") _, out("v17") _, out("v18") _, out("v19") _,
            out("v20") _, out("v21") _, out("v22") _, out("v23") _,
            out("v24") _, out("v25") _, out("v26") _, out("v27") _,
            out("v28") _, out("v29") _, out("v30") _, out("v31") _,
            out("p0") _, out("p1") _, out("p2") _, out("p3") _,
            out("p4") _, out("p5") _, out("p6") _, out("p7") _,
            out("p8") _, out("p9") _, out("p10") _, out("p11") _,
            out("p12") _, out("p13") _, out("p14") _, out("p15") _,
            options($($option),*))
    };
}

/// `svc #0` with the given options and operands, and the clobbers of the
/// header: `P0`..`P15` (no vector register: see the header).
#[cfg(not(target_feature = "sve"))]
macro_rules! svc {
    (options($($option:ident),*), $($operands:tt)*) => {
        asm!("svc 0",
            $($operands)*,
            out("p0") _, out("p1") _, out("p2") _, out("p3") _,
            out("p4") _, out("p5") _, out("p6") _, out("p7") _,
            out("p8") _, out("p9") _, out("p10") _, out("p11") _,
            out("p12") _, out("p13") _, out("p14") _, out("p15") _,
            options($($option),*))
    };
}

/// Issues system call `nr` with no argument.
///
/// # Safety
/// See [`crate::raw::syscall0`].
#[inline]
pub unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags),
            inlateout("x8") nr => _, lateout("x0") ret);
    }
    ret
}

/// Issues system call `nr` with one argument.
///
/// # Safety
/// See [`crate::raw::syscall1`].
#[inline]
pub unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret);
    }
    ret
}

/// Issues system call `nr` with two arguments.
///
/// # Safety
/// See [`crate::raw::syscall2`].
#[inline]
pub unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1);
    }
    ret
}

/// Issues system call `nr` with three arguments.
///
/// # Safety
/// See [`crate::raw::syscall3`].
#[inline]
pub unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2);
    }
    ret
}

/// Issues system call `nr` with four arguments.
///
/// # Safety
/// See [`crate::raw::syscall4`].
#[inline]
pub unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3);
    }
    ret
}

/// Issues system call `nr` with five arguments.
///
/// # Safety
/// See [`crate::raw::syscall5`].
#[inline]
pub unsafe fn syscall5(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4);
    }
    ret
}

/// Issues system call `nr` with six arguments.
///
/// # Safety
/// See [`crate::raw::syscall6`].
#[inline]
#[rustfmt::skip]
pub unsafe fn syscall6(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4, in("x5") a5);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with no argument.
///
/// # Safety
/// See [`crate::raw::syscall0_readonly`].
#[inline]
pub unsafe fn syscall0_readonly(nr: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags, readonly),
            inlateout("x8") nr => _, lateout("x0") ret);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with one argument.
///
/// # Safety
/// See [`crate::raw::syscall1_readonly`].
#[inline]
pub unsafe fn syscall1_readonly(nr: usize, a0: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags, readonly),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with two arguments.
///
/// # Safety
/// See [`crate::raw::syscall2_readonly`].
#[inline]
pub unsafe fn syscall2_readonly(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags, readonly),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with three arguments.
///
/// # Safety
/// See [`crate::raw::syscall3_readonly`].
#[inline]
pub unsafe fn syscall3_readonly(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags, readonly),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with four arguments.
///
/// # Safety
/// See [`crate::raw::syscall4_readonly`].
#[inline]
pub unsafe fn syscall4_readonly(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags, readonly),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with five arguments.
///
/// # Safety
/// See [`crate::raw::syscall5_readonly`].
#[inline]
#[rustfmt::skip]
pub unsafe fn syscall5_readonly(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags, readonly),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with six arguments.
///
/// # Safety
/// See [`crate::raw::syscall6_readonly`].
#[inline]
#[rustfmt::skip]
pub unsafe fn syscall6_readonly(
    nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        svc!(options(nostack, preserves_flags, readonly),
            inlateout("x8") nr => _,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4, in("x5") a5);
    }
    ret
}

/// Issues system call `nr`, which should not return, with one argument;
/// raises `SIGILL` (`udf #0`) if it does.
///
/// # Safety
/// See [`crate::raw::syscall1_noreturn`].
#[inline]
pub unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    // SAFETY: the caller upholds the system call's contract; if the call
    // returns, `udf #0` (permanently undefined) traps before anything
    // runs past the block.
    unsafe {
        asm!("svc 0", "udf #0",
            in("x8") nr, in("x0") a0,
            options(nostack, noreturn));
    }
}
