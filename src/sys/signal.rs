//! rt_sigprocmask(2), signalfd4(2).

use super::{BorrowedFd, arg, ret_int, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

/// The kernel's `sigset_t` size on every supported arch: 64 signals.
const SIGSET_SIZE: usize = 8;

pub(crate) const SIG_BLOCK: i32 = 0;
pub(crate) const SIG_UNBLOCK: i32 = 1;
pub(crate) const SIG_SETMASK: i32 = 2;

/// rt_sigprocmask(2) on the calling thread; returns the previous mask.
/// `set: None` only queries.
#[inline]
pub(crate) fn rt_sigprocmask(how: i32, set: Option<&u64>) -> Result<u64> {
    let mut old = 0_u64;
    let set = set.map_or(arg::null(), arg::ptr);
    let (h, o) = (arg::int(how), arg::ptr_mut(&mut old));
    // SAFETY: `set` is NULL or a valid 8-byte mask the kernel reads; `old`
    // is valid for the 8 bytes it writes.
    let r = unsafe { raw::syscall4(Sysno::rt_sigprocmask, h, set, o, SIGSET_SIZE) };
    ret_unit(r).map(|()| old)
}

/// signalfd4(2) creating a new signalfd the caller owns.
#[inline]
pub(crate) fn signalfd4_create(mask: &u64, flags: u32) -> Result<i32> {
    let (m, f) = (arg::ptr(mask), arg::uint(flags));
    // SAFETY: `mask` is a valid 8-byte mask the kernel reads.
    ret_int(unsafe { raw::syscall4_readonly(Sysno::signalfd4, arg::int(-1), m, SIGSET_SIZE, f) })
}

/// signalfd4(2) replacing the mask of an existing signalfd.
#[inline]
pub(crate) fn signalfd4_set(fd: BorrowedFd<'_>, mask: &u64) -> Result<()> {
    let (f, m) = (arg::fd(fd), arg::ptr(mask));
    // SAFETY: `mask` is a valid 8-byte mask the kernel reads.
    ret_unit(unsafe { raw::syscall4_readonly(Sysno::signalfd4, f, m, SIGSET_SIZE, 0) })
}
