//! Raw system calls, for the calls this crate does not wrap.
//!
//! These are the crate's own inline-asm stubs (`syscall` on x86_64, `svc #0`
//! on aarch64 and armv7, `ecall` on riscv64, `syscall 0` on loongarch64,
//! `int $0x80` or the vDSO's `__kernel_vsyscall` on i686) behind a typed
//! system-call number, the target's own ([`Sysno`] numbers each arch's
//! calls, so `Sysno::mmap2` exists on arm and i686 only). They return the
//! kernel's raw result: a value, or `-errno` in `-4095..=-1`; [`result`]
//! turns that into a [`Result`](crate::Result).
//!
//! An argument is one register, a `usize`: 32 bits wide on armv7 and
//! i686, where a 64-bit value (`loff_t`) takes two arguments, low word
//! first, and on arm EABI starts at an even argument (a pad argument goes
//! before one that would start at an odd one: syscall(2),
//! "Architecture-specific requirements").
//!
//! Pair them with [`Fd::borrow`](crate::Fd::borrow) to use a descriptor
//! owned by an [`Fd`](crate::Fd) without racing its `close`.
//!
//! On loongarch64, [`Sysno`] also names calls that kernel does not have,
//! which fail with `ENOSYS`: `renameat`, `getrlimit`, `setrlimit`,
//! `memfd_secret`, and before Linux 6.11 `fstatat` and `fstat` (the
//! `syscalls` crate's table for the arch copies aarch64's). Use
//! `renameat2`, `prlimit64` and `statx`.
//!
//! # Contract
//!
//! Every function here is `unsafe` because the kernel does exactly what it
//! is told. The caller must ensure that:
//!
//! - `nr` and the arguments form a call the kernel documents (see the man
//!   page of `nr`), with each argument in the register form that call
//!   expects: C `int` arguments sign-extended, unsigned ones zero-extended;
//! - every pointer argument is valid for all the reads and writes the kernel
//!   performs through it, for the sizes the call implies, and memory the
//!   kernel writes is not borrowed by any live shared reference;
//! - every file-descriptor argument is open and the caller is entitled to
//!   use it for the whole call (I/O safety): it is not owned by an [`Fd`] or
//!   `OwnedFd` that may close it meanwhile, unless borrowed through
//!   [`Fd::borrow`];
//! - the call does not break what the program relies on: it does not unmap,
//!   remap or re-protect memory that is still referenced, change the stack
//!   or thread state (`clone` without a fresh stack, `rt_sigreturn`), or end
//!   the process while it must still run destructors.
//!
//! [`Fd`]: crate::Fd
//! [`Fd::borrow`]: crate::Fd::borrow
//!
//! # Read-only calls
//!
//! The `_readonly` functions tell the compiler that the call writes no
//! memory of this process, so it may keep values it loaded from memory in
//! registers across the call instead of loading them again. On top of the
//! contract above, the caller must ensure that nothing the call does before
//! it returns writes memory of this process:
//!
//! - not through its arguments;
//! - not into memory the process maps: write(2), pwrite64(2) or
//!   ftruncate(2) on a file it has mapped `MAP_SHARED` (a memfd behind a
//!   [`MappedRegion`](crate::MappedRegion)), a write to `/proc/self/mem`;
//! - not through a signal handler that runs before the call returns: for a
//!   signal the call sends to the calling thread or its process (tgkill(2),
//!   kill(2), pidfd_send_signal(2) aimed at itself), one it unblocks
//!   (rt_sigprocmask(2)), or one that interrupts a wait inside it (a call
//!   that can fail with `EINTR`: a blocking read or write, close(2) on some
//!   files).
//!
//! getpid(2) and fcntl(2) `F_GETFL` always qualify; write(2) qualifies on a
//! non-blocking eventfd or an unmapped memfd, not on a file in general.
//!
//! # Examples
//!
//! ```
//! use iofd::raw::{self, Sysno};
//!
//! // SAFETY: getppid takes no arguments and touches no memory.
//! let ret = unsafe { raw::syscall0_readonly(Sysno::getppid) };
//! let ppid = raw::result(ret).unwrap();
//! assert!(ppid > 0);
//! ```

pub use syscalls::{Errno, Sysno};

use crate::arch;

/// Decodes a raw system-call return value: `-4095..=-1` is `-errno`,
/// anything else is the call's result.
///
/// # Examples
///
/// ```
/// use iofd::{raw, ErrorKind};
///
/// assert_eq!(raw::result(3), Ok(3));
/// assert_eq!(raw::result(-11_isize as usize).unwrap_err().kind(), ErrorKind::WouldBlock);
/// ```
#[inline(always)]
pub fn result(ret: usize) -> crate::Result<usize> {
    if ret > -4096_isize as usize {
        Err(crate::Error::from_syscall_ret(ret))
    } else {
        Ok(ret)
    }
}

/// Issues system call `nr` with no argument and returns the raw result.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr`.
#[inline(always)]
pub unsafe fn syscall0(nr: Sysno) -> usize {
    // SAFETY: forwarded; the caller upholds the module contract.
    unsafe { arch::syscall0(nr as usize) }
}

/// Issues system call `nr` with one argument and returns the raw result.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the argument.
#[inline(always)]
pub unsafe fn syscall1(nr: Sysno, a0: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the module contract.
    unsafe { arch::syscall1(nr as usize, a0) }
}

/// Issues system call `nr` with two arguments and returns the raw result.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments.
#[inline(always)]
pub unsafe fn syscall2(nr: Sysno, a0: usize, a1: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the module contract.
    unsafe { arch::syscall2(nr as usize, a0, a1) }
}

/// Issues system call `nr` with three arguments and returns the raw result.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments.
#[inline(always)]
pub unsafe fn syscall3(nr: Sysno, a0: usize, a1: usize, a2: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the module contract.
    unsafe { arch::syscall3(nr as usize, a0, a1, a2) }
}

/// Issues system call `nr` with four arguments and returns the raw result.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments.
#[inline(always)]
pub unsafe fn syscall4(nr: Sysno, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the module contract.
    unsafe { arch::syscall4(nr as usize, a0, a1, a2, a3) }
}

/// Issues system call `nr` with five arguments and returns the raw result.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments.
#[inline(always)]
pub unsafe fn syscall5(nr: Sysno, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the module contract.
    unsafe { arch::syscall5(nr as usize, a0, a1, a2, a3, a4) }
}

/// Issues system call `nr` with six arguments and returns the raw result.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments.
#[inline(always)]
pub unsafe fn syscall6(
    nr: Sysno,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    // SAFETY: forwarded; the caller upholds the module contract.
    unsafe { arch::syscall6(nr as usize, a0, a1, a2, a3, a4, a5) }
}

/// Issues system call `nr`, which writes no memory of this process (a
/// [read-only call](self#read-only-calls)), with no argument.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr`, and the call is
/// [read-only](self#read-only-calls): the compiler keeps values cached
/// across it.
#[inline(always)]
pub unsafe fn syscall0_readonly(nr: Sysno) -> usize {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall0_readonly(nr as usize) }
}

/// Issues system call `nr`, which writes no memory of this process (a
/// [read-only call](self#read-only-calls)), with one argument.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the argument, and
/// the call is [read-only](self#read-only-calls): the compiler keeps values
/// cached across it.
#[inline(always)]
pub unsafe fn syscall1_readonly(nr: Sysno, a0: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall1_readonly(nr as usize, a0) }
}

/// Issues system call `nr`, which writes no memory of this process (a
/// [read-only call](self#read-only-calls)), with two arguments.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments, and
/// the call is [read-only](self#read-only-calls): the compiler keeps values
/// cached across it.
#[inline(always)]
pub unsafe fn syscall2_readonly(nr: Sysno, a0: usize, a1: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall2_readonly(nr as usize, a0, a1) }
}

/// Issues system call `nr`, which writes no memory of this process (a
/// [read-only call](self#read-only-calls)), with three arguments.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments, and
/// the call is [read-only](self#read-only-calls): the compiler keeps values
/// cached across it.
#[inline(always)]
pub unsafe fn syscall3_readonly(nr: Sysno, a0: usize, a1: usize, a2: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall3_readonly(nr as usize, a0, a1, a2) }
}

/// Issues system call `nr`, which writes no memory of this process (a
/// [read-only call](self#read-only-calls)), with four arguments.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments, and
/// the call is [read-only](self#read-only-calls): the compiler keeps values
/// cached across it.
#[inline(always)]
pub unsafe fn syscall4_readonly(nr: Sysno, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall4_readonly(nr as usize, a0, a1, a2, a3) }
}

/// Issues system call `nr`, which writes no memory of this process (a
/// [read-only call](self#read-only-calls)), with five arguments.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments, and
/// the call is [read-only](self#read-only-calls): the compiler keeps values
/// cached across it.
#[inline(always)]
pub unsafe fn syscall5_readonly(
    nr: Sysno,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
) -> usize {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall5_readonly(nr as usize, a0, a1, a2, a3, a4) }
}

/// Issues system call `nr`, which writes no memory of this process (a
/// [read-only call](self#read-only-calls)), with six arguments.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the arguments, and
/// the call is [read-only](self#read-only-calls): the compiler keeps values
/// cached across it.
#[inline(always)]
pub unsafe fn syscall6_readonly(
    nr: Sysno,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall6_readonly(nr as usize, a0, a1, a2, a3, a4, a5) }
}

/// Issues system call `nr`, which does not return when it succeeds (`exit`,
/// `exit_group`), with one argument.
///
/// If the call returns after all (a seccomp filter refused it with
/// `SECCOMP_RET_ERRNO`, or a tracer skipped it), the stub executes a trap
/// instruction right after the system call instruction (`ud2` on x86_64
/// and i686, `udf #0` on aarch64 and armv7, `unimp` on riscv64, which
/// raise `SIGILL`; `break 0` on loongarch64, which raises `SIGTRAP`): by
/// default the process dies of it, and a handler that returns meets the
/// same trap again. Nothing after the call runs. To fall back on another call
/// instead, issue the first one with [`syscall1`], which returns.
///
/// # Safety
/// The [module contract](self#contract) holds for `nr` and the argument.
#[inline(always)]
pub unsafe fn syscall1_noreturn(nr: Sysno, a0: usize) -> ! {
    // SAFETY: forwarded; the caller upholds the contract above.
    unsafe { arch::syscall1_noreturn(nr as usize, a0) }
}
