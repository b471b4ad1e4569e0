//! getpid(2), gettid(2), tgkill(2), exit_group(2), exit(2), pidfd_open(2),
//! pidfd_send_signal(2), pidfd_getfd(2).

use super::{BorrowedFd, arg, ret_int, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

/// getpid(2); cannot fail.
#[inline]
pub(crate) fn getpid() -> i32 {
    // SAFETY: no argument, no memory.
    unsafe { raw::syscall0_readonly(Sysno::getpid) as i32 }
}

/// gettid(2); cannot fail.
#[inline]
pub(crate) fn gettid() -> i32 {
    // SAFETY: no argument, no memory.
    unsafe { raw::syscall0_readonly(Sysno::gettid) as i32 }
}

/// tgkill(2). Not a read-only call: a signal sent to the calling thread
/// runs its handler before the call returns, and the handler may write
/// memory.
#[inline]
pub(crate) fn tgkill(tgid: i32, tid: i32, sig: i32) -> Result<()> {
    let (p, t, s) = (arg::int(tgid), arg::int(tid), arg::int(sig));
    // SAFETY: no memory argument. A signal may run a handler, which is the
    // caller's business exactly as with kill(2).
    ret_unit(unsafe { raw::syscall3(Sysno::tgkill, p, t, s) })
}

/// exit_group(2). Returns only if the call did not end the process: a
/// seccomp filter refused it (the error), or a tracer skipped it.
#[inline]
pub(crate) fn exit_group(status: i32) -> Result<()> {
    // SAFETY: no memory argument; ending the process without running
    // destructors is what the caller asked for.
    ret_unit(unsafe { raw::syscall1(Sysno::exit_group, arg::int(status)) })
}

/// exit(2) (the raw `_exit`): ends the calling thread, and the process if
/// it is the only one.
/// If a filter or tracer refuses this too, the stub raises `SIGILL`.
#[inline]
pub(crate) fn exit(status: i32) -> ! {
    // SAFETY: no memory argument; ending the thread without running
    // destructors is what the caller asked for, and the stub traps rather
    // than return.
    unsafe { raw::syscall1_noreturn(Sysno::exit, arg::int(status)) }
}

/// pidfd_open(2): a new pidfd the caller owns.
#[inline]
pub(crate) fn pidfd_open(pid: i32, flags: u32) -> Result<i32> {
    let (p, f) = (arg::int(pid), arg::uint(flags));
    // SAFETY: no memory argument.
    ret_int(unsafe { raw::syscall2_readonly(Sysno::pidfd_open, p, f) })
}

/// pidfd_send_signal(2) with no `siginfo` and no flags. Not a read-only
/// call, as tgkill(2): the pidfd may be this process's own.
#[inline]
pub(crate) fn pidfd_send_signal(fd: BorrowedFd<'_>, sig: i32) -> Result<()> {
    let (f, s) = (arg::fd(fd), arg::int(sig));
    // SAFETY: the `siginfo` pointer is NULL, so the kernel reads no memory;
    // a handler the signal runs is the caller's business, as with kill(2).
    let r = unsafe { raw::syscall4(Sysno::pidfd_send_signal, f, s, arg::null(), 0) };
    ret_unit(r)
}

/// pidfd_getfd(2): a new descriptor (close-on-exec) the caller owns.
#[inline]
pub(crate) fn pidfd_getfd(fd: BorrowedFd<'_>, target_fd: i32) -> Result<i32> {
    let (f, t) = (arg::fd(fd), arg::int(target_fd));
    // SAFETY: no memory argument.
    ret_int(unsafe { raw::syscall3_readonly(Sysno::pidfd_getfd, f, t, 0) })
}
