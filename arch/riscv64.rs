//! riscv64 system-call stubs.
//!
//! ABI (`ecall`, see syscall(2)):
//! - number in `a7`; arguments in `a0`..`a5`;
//! - result in `a0` (`-4095..=-1` is `-errno`);
//! - when the kernel restarts an interrupted call itself (it returned
//!   `-ERESTART_RESTARTBLOCK` and no handler runs), it rewrites `a7` to
//!   `__NR_restart_syscall` before re-executing `ecall` (arch/riscv/kernel/
//!   signal.c, `arch_do_signal_or_restart`), so `a7` comes back changed:
//!   every stub declares it clobbered (`inlateout`; `scripts/check-clobbers.sh`
//!   runs a probe that fails otherwise);
//! - the kernel preserves every other integer and floating-point register;
//! - with the V extension, "executing a system call causes all caller-saved
//!   vector registers (v0-v31, vl, vtype) and vstart to become unspecified"
//!   (Documentation/arch/riscv/vector.rst, "Vector Register State Across
//!   System Calls"). Linux 6.5 and later discard them on every call; a
//!   kernel that leaves them intact still declares them unspecified;
//! - the kernel does not touch the user stack (`nostack`).
//!
//! What every stub declares (`ecall!` below):
//! - `v0`..`v31` clobbered (the clobber-only `vreg` class). No register of
//!   the class is callee-saved, so this costs nothing where no vector value
//!   is live across the call: without vector code the machine code is the
//!   same with and without these clobbers.
//! - `vl`, `vtype`, `vxsat` and `vxrm` changed: no stub passes
//!   `preserves_flags`, which on RISC-V promises that the vector extension
//!   state (`vtype`, `vl`, `vcsr`) survives the asm (the Rust Reference,
//!   "Options"); without it rustc clobbers these registers, which `asm!`
//!   cannot name. (RISC-V has no integer flags, so the option would save
//!   nothing in scalar code.) LLVM then issues a `vset{i}vl{i}` before the
//!   next vector instruction that depends on `vl` or `vtype`; that
//!   instruction also sets `vstart` to zero ("all vector
//!   instructions, including vset{i}vl{i}, reset the vstart CSR to zero", V
//!   extension 1.0, section 3.7). Only whole-register loads, stores and
//!   moves, which depend on neither (LLVM's reloads of spilled registers),
//!   may come first; they start at element `vstart`, which Linux's discard
//!   leaves at zero (it ends with a `vsetvl`).
//!
//! `scripts/check-clobbers.sh` builds vector code (`-C
//! target-cpu=spacemit-x60`) around iofd calls and fails if a vector
//! register is read after `ecall` without being written again, or an
//! instruction that depends on `vtype` runs there before a `vset{i}vl{i}`.
//!
//! [`syscall1_noreturn`] follows `ecall` with `unimp`: if the call returns
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
pub(crate) const NAME: &str = "riscv64";

/// `ecall` with the given options and operands, and the clobbers of the
/// header: `v0`..`v31`.
macro_rules! ecall {
    (options($($option:ident),*), $($operands:tt)*) => {
        asm!("ecall",
            $($operands)*,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _,
            out("v4") _, out("v5") _, out("v6") _, out("v7") _,
            out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _,
            out("v16") _, out("v17") _, out("v18") _, out("v19") _,
            out("v20") _, out("v21") _, out("v22") _, out("v23") _,
            out("v24") _, out("v25") _, out("v26") _, out("v27") _,
            out("v28") _, out("v29") _, out("v30") _, out("v31") _,
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
        ecall!(options(nostack),
            inlateout("a7") nr => _, lateout("a0") ret);
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
        ecall!(options(nostack),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret);
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
        ecall!(options(nostack),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1);
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
        ecall!(options(nostack),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2);
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
        ecall!(options(nostack),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a3") a3);
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
        ecall!(options(nostack),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a3") a3, in("a4") a4);
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
        ecall!(options(nostack),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a3") a3, in("a4") a4, in("a5") a5);
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
        ecall!(options(nostack, readonly),
            inlateout("a7") nr => _, lateout("a0") ret);
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
        ecall!(options(nostack, readonly),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret);
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
        ecall!(options(nostack, readonly),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1);
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
        ecall!(options(nostack, readonly),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2);
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
        ecall!(options(nostack, readonly),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a3") a3);
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
        ecall!(options(nostack, readonly),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a3") a3, in("a4") a4);
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
        ecall!(options(nostack, readonly),
            inlateout("a7") nr => _,
            inlateout("a0") a0 => ret, in("a1") a1, in("a2") a2, in("a3") a3, in("a4") a4, in("a5") a5);
    }
    ret
}

/// Issues system call `nr`, which should not return, with one argument;
/// raises `SIGILL` (`unimp`) if it does.
///
/// # Safety
/// See [`crate::raw::syscall1_noreturn`].
#[inline]
pub unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    // SAFETY: the caller upholds the system call's contract; if the call
    // returns, `unimp` (an illegal instruction) traps before anything runs
    // past the block.
    unsafe {
        asm!("ecall", "unimp",
            in("a7") nr, in("a0") a0,
            options(nostack, noreturn));
    }
}
