//! aarch64 system-call stubs.
//!
//! ABI (`svc #0`, see syscall(2)):
//! - number in `x8`; arguments in `x0`..`x5`;
//! - result in `x0` (`-4095..=-1` is `-errno`);
//! - the kernel preserves every other register and restores `NZCV` from
//!   `SPSR` on return, so flags survive the call; nothing is clobbered;
//! - the kernel does not touch the user stack (`nostack`).
//!
//! Asm only, and the arch's [`NAME`]. The contract for every function is
//! the one documented on [`crate::raw`]; the `_readonly` twins
//! additionally promise the compiler that the kernel writes no memory of
//! this process.

use core::arch::asm;

/// The architecture, as `target_arch` names it: selects its row of the
/// vDSO table in `src/vdso/mod.rs`.
pub(crate) const NAME: &str = "aarch64";

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
            in("x8") nr, lateout("x0") ret,
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
            in("x8") nr,
            inlateout("x0") a0 => ret,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4, in("x5") a5,
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
            in("x8") nr, lateout("x0") ret,
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
            in("x8") nr,
            inlateout("x0") a0 => ret,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4,
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
            in("x8") nr,
            inlateout("x0") a0 => ret, in("x1") a1, in("x2") a2, in("x3") a3, in("x4") a4, in("x5") a5,
            options(nostack, preserves_flags, readonly));
    }
    ret
}

/// Issues system call `nr`, which does not return, with one argument.
///
/// # Safety
/// See [`crate::raw::syscall1_noreturn`].
#[inline]
pub unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    // SAFETY: the caller upholds the system call's contract.
    unsafe {
        asm!("svc 0",
            in("x8") nr, in("x0") a0,
            options(nostack, noreturn));
    }
}
