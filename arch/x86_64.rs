//! x86_64 system-call stubs.
//!
//! ABI (`syscall` instruction, see syscall(2)):
//! - number in `rax`; arguments in `rdi`, `rsi`, `rdx`, `r10`, `r8`, `r9`;
//! - result in `rax` (`-4095..=-1` is `-errno`);
//! - the CPU overwrites `rcx` (return address) and `r11` (saved `rflags`);
//!   `sysret` restores `rflags` from `r11`, so flags survive the call;
//! - "the kernel destroys registers %rcx and %r11" and no other (System V
//!   x86-64 psABI, appendix A.2.1): every other general-purpose register
//!   and the whole x87/SSE/AVX/AVX-512 state survive the call;
//! - the kernel does not touch the user stack (`nostack`).
//!
//! [`syscall1_noreturn`] follows `syscall` with `ud2`: if the call returns
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
pub(crate) const NAME: &str = "x86_64";

/// Issues system call `nr` with no argument.
///
/// # Safety
/// See [`crate::raw::syscall0`].
#[inline]
pub unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        asm!("syscall",
            inlateout("rax") nr => ret,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2, in("r10") a3,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2, in("r10") a3, in("r8") a4,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2, in("r10") a3, in("r8") a4, in("r9") a5,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2, in("r10") a3,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2, in("r10") a3, in("r8") a4,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
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
        asm!("syscall",
            inlateout("rax") nr => ret,
            in("rdi") a0, in("rsi") a1, in("rdx") a2, in("r10") a3, in("r8") a4, in("r9") a5,
            lateout("rcx") _, lateout("r11") _, // clobbered by `syscall`
            options(nostack, preserves_flags, readonly));
    }
    ret
}

/// Issues system call `nr`, which should not return, with one argument;
/// raises `SIGILL` (`ud2`) if it does.
///
/// # Safety
/// See [`crate::raw::syscall1_noreturn`].
#[inline]
pub unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    // SAFETY: the caller upholds the system call's contract; if the call
    // returns, `ud2` (an undefined instruction) traps before anything runs
    // past the block.
    unsafe {
        asm!("syscall", "ud2",
            in("rax") nr, in("rdi") a0,
            options(nostack, noreturn));
    }
}
