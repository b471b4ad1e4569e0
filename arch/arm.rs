//! ARMv7 (A32, EABI) system-call stubs.
//!
//! ABI (`svc #0`, see syscall(2), "Architecture calling conventions"):
//! - number in `r7`; arguments in `r0`..`r5` (32-bit words);
//! - result in `r0` (`-4095..=-1` is `-errno`);
//! - the kernel preserves every other register: the return path reloads
//!   `r1`..`lr` from the frame it saved on entry (`ret_fast_syscall` and
//!   `restore_user_regs` in arch/arm/kernel/entry-common.S and
//!   entry-header.S), and the `CPSR` from `SPSR`, so flags survive the
//!   call; it never touches the VFP/NEON registers of the task (a kernel
//!   that uses NEON itself saves the task's registers first:
//!   `kernel_neon_begin` in arch/arm/vfp/vfpmodule.c);
//! - the kernel does not touch the user stack (`nostack`).
//!
//! A 64-bit argument (`loff_t`) takes two registers, low word first, and
//! the pair starts at an even register: one that would start at an odd
//! register is preceded by an unused pad word (syscall(2),
//! "Architecture-specific requirements", whose example is readahead(2) on
//! EABI). `sys::arg` builds those words, and [`PAIRS_START_EVEN`] tells it
//! to.
//!
//! The number goes in `r7`, which `asm!` accepts only in A32 code: Thumb
//! code keeps its frame pointer in `r7`. `build.rs` therefore accepts
//! ARMv7 targets in A32 only (`armv7*`, not `thumbv7*`), and the stubs
//! name `r7` directly.
//!
//! [`syscall1_noreturn`] follows `svc` with `udf #0`: if the call returns
//! (refused by a seccomp filter or skipped by a tracer), the process gets
//! `SIGILL` instead of running off the end of a `noreturn` asm block.
//!
//! Asm only, the arch's [`NAME`] and [`PAIRS_START_EVEN`]. The contract for every function is
//! the one documented on
//! [`crate::raw`]; the `_readonly` twins additionally tell the compiler
//! (`options(readonly)`) that the call is a [read-only
//! call](crate::raw#read-only-calls).

use core::arch::asm;

/// The architecture, as `target_arch` names it: selects its row of the
/// vDSO table in `src/vdso/mod.rs`.
pub(crate) const NAME: &str = "arm";

/// A 64-bit system-call argument goes in an even-odd register pair.
pub(crate) const PAIRS_START_EVEN: bool = true;

/// Issues system call `nr` with no argument.
///
/// # Safety
/// See [`crate::raw::syscall0`].
#[inline]
pub unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        asm!("svc 0",
            in("r7") nr, lateout("r0") ret,
            options(nostack, preserves_flags));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret,
            options(nostack, preserves_flags));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1,
            options(nostack, preserves_flags));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2,
            options(nostack, preserves_flags));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2, in("r3") a3,
            options(nostack, preserves_flags));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2, in("r3") a3, in("r4") a4,
            options(nostack, preserves_flags));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2, in("r3") a3, in("r4") a4, in("r5") a5,
            options(nostack, preserves_flags));
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
        asm!("svc 0",
            in("r7") nr, lateout("r0") ret,
            options(nostack, preserves_flags, readonly));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret,
            options(nostack, preserves_flags, readonly));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1,
            options(nostack, preserves_flags, readonly));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2,
            options(nostack, preserves_flags, readonly));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2, in("r3") a3,
            options(nostack, preserves_flags, readonly));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2, in("r3") a3, in("r4") a4,
            options(nostack, preserves_flags, readonly));
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
        asm!("svc 0",
            in("r7") nr,
            inlateout("r0") a0 => ret, in("r1") a1, in("r2") a2, in("r3") a3, in("r4") a4, in("r5") a5,
            options(nostack, preserves_flags, readonly));
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
    // returns, `udf #0` (a permanently undefined instruction) traps before
    // anything runs past the block.
    unsafe {
        asm!("svc 0", "udf #0",
            in("r7") nr, in("r0") a0,
            options(nostack, noreturn));
    }
}
