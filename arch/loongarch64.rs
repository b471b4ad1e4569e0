//! loongarch64 system-call stubs.
//!
//! ABI (`syscall 0`, see syscall(2)):
//! - number in `a7` (`$r11`); arguments in `a0`..`a5` (`$r4`..`$r9`);
//! - result in `a0` (`-4095..=-1` is `-errno`);
//! - `t0`..`t8` (`$r12`..`$r20`) come back holding whatever the kernel
//!   left in them. `handle_syscall` (arch/loongarch/kernel/entry.S) uses
//!   `t0`..`t2` as scratch before it has saved anything and stores none of
//!   the nine in the `pt_regs` frame, yet returns through
//!   `RESTORE_ALL_AND_RET` (arch/loongarch/include/asm/stackframe.h),
//!   whose `RESTORE_TEMP` reloads all nine from slots of that frame this
//!   entry never wrote; a new child's first return, `ret_from_fork`
//!   (entry.S), does not reload them at all. All nine are declared
//!   clobbered, as the kernel's own tools/include/nolibc/arch-loongarch.h
//!   declares them;
//! - `a7` changes too, in one case: when a signal without a handler
//!   interrupts a call that resumes through its restart block
//!   (`-ERESTART_RESTARTBLOCK`, as clock_nanosleep(2) does), the kernel
//!   puts `__NR_restart_syscall` in `a7` and runs `syscall 0` again
//!   (`arch_do_signal_or_restart`, arch/loongarch/kernel/signal.c), so the
//!   call returns with that number there. The stubs therefore declare `a7`
//!   clobbered as well (`inlateout("$a7") nr => _`);
//! - every other general-purpose register is saved on entry and restored
//!   on exit (`ra`, `tp`, `sp`, `a1`..`a6`, `u0`, `fp` by `handle_syscall`
//!   and `RESTORE_SOME`, `s0`..`s8` by `SAVE_STATIC` and
//!   `RESTORE_STATIC`);
//! - the floating-point and vector state survives: `f0`..`f31` (the low
//!   bits of the LSX `vr` and LASX `xr` registers), the vector registers
//!   whole, `fcc0`..`fcc7` and `fcsr0`. The system-call path does not
//!   touch them, and whenever the kernel takes the FPU from the thread (a
//!   context switch: `lose_fpu_inatomic`, arch/loongarch/include/asm/fpu.h)
//!   or uses it itself (`kernel_fpu_begin` and `kernel_fpu_end`,
//!   arch/loongarch/kernel/kfpu.c) it saves the thread's live context,
//!   LASX, LSX or scalar, whole, and restores it. So no vector register is
//!   declared, and `preserves_flags` (on LoongArch: `fcc0`..`fcc7`) holds;
//! - the kernel does not touch the user stack (`nostack`).
//!
//! qemu-user preserves every register but `a0`, so `scripts/check-clobbers.sh`
//! runs `scripts/clobbers-run` under it: a signal handler, run as
//! each system call returns, overwrites `t0`..`t8` and `a7` in the context
//! that rt_sigreturn(2) reloads, and the program fails if a value kept
//! across the call, or the number of the call after it, comes back changed.
//!
//! [`syscall1_noreturn`] follows `syscall 0` with `break 0`: if the call
//! returns (refused by a seccomp filter or skipped by a tracer), the
//! breakpoint exception ends the process with `SIGTRAP` (`do_bp`,
//! arch/loongarch/kernel/traps.c) instead of running off the end of a
//! `noreturn` asm block.
//!
//! Asm only, and the arch's [`NAME`]. The contract for every function is
//! the one documented on [`crate::raw`]; the `_readonly` twins additionally
//! tell the compiler (`options(readonly)`) that the call is a [read-only
//! call](crate::raw#read-only-calls).

use core::arch::asm;

/// The architecture, as `target_arch` names it: selects its row of the
/// vDSO table in `src/vdso/mod.rs`.
pub(crate) const NAME: &str = "loongarch64";

/// `syscall 0` with the given options and operands, and the clobbers of
/// the header: `t0`..`t8`.
macro_rules! syscall {
    (options($($option:ident),*), $($operands:tt)*) => {
        asm!("syscall 0",
            $($operands)*,
            lateout("$t0") _, lateout("$t1") _, lateout("$t2") _,
            lateout("$t3") _, lateout("$t4") _, lateout("$t5") _,
            lateout("$t6") _, lateout("$t7") _, lateout("$t8") _,
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
        syscall!(options(nostack, preserves_flags),
            inlateout("$a7") nr => _, lateout("$a0") ret);
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
        syscall!(options(nostack, preserves_flags),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret);
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
        syscall!(options(nostack, preserves_flags),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1);
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
        syscall!(options(nostack, preserves_flags),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2);
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
        syscall!(options(nostack, preserves_flags),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2, in("$a3") a3);
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
        syscall!(options(nostack, preserves_flags),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2, in("$a3") a3, in("$a4") a4);
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
        syscall!(options(nostack, preserves_flags),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2, in("$a3") a3, in("$a4") a4, in("$a5") a5);
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
        syscall!(options(nostack, preserves_flags, readonly),
            inlateout("$a7") nr => _, lateout("$a0") ret);
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
        syscall!(options(nostack, preserves_flags, readonly),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret);
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
        syscall!(options(nostack, preserves_flags, readonly),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1);
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
        syscall!(options(nostack, preserves_flags, readonly),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2);
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
        syscall!(options(nostack, preserves_flags, readonly),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2, in("$a3") a3);
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
        syscall!(options(nostack, preserves_flags, readonly),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2, in("$a3") a3, in("$a4") a4);
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
        syscall!(options(nostack, preserves_flags, readonly),
            inlateout("$a7") nr => _,
            inlateout("$a0") a0 => ret, in("$a1") a1, in("$a2") a2, in("$a3") a3, in("$a4") a4, in("$a5") a5);
    }
    ret
}

/// Issues system call `nr`, which should not return, with one argument;
/// raises `SIGTRAP` (`break 0`) if it does.
///
/// # Safety
/// See [`crate::raw::syscall1_noreturn`].
#[inline]
pub unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    // SAFETY: the caller upholds the system call's contract; if the call
    // returns, `break 0` traps before anything runs past the block.
    unsafe {
        asm!("syscall 0", "break 0",
            in("$a7") nr, in("$a0") a0,
            options(nostack, noreturn));
    }
}
