//! ppoll(2).

#[cfg(target_pointer_width = "32")]
use super::ppoll;
use super::{BorrowedFd, Timespec};
#[cfg(target_pointer_width = "64")]
use super::{arg, ret};
use crate::Result;
#[cfg(target_pointer_width = "64")]
use crate::raw::{self, Sysno};

/// `struct pollfd`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct PollFd {
    pub(crate) fd: i32,
    pub(crate) events: i16,
    pub(crate) revents: i16,
}

/// The kernel's `sigset_t` size (64 signals on every supported arch).
#[cfg(target_pointer_width = "64")]
const SIGSET_SIZE: usize = 8;

/// ppoll(2); `timeout: None` waits indefinitely, and `mask`, if given,
/// replaces the thread's signal mask for the duration of the wait.
/// Returns the number of entries with non-zero `revents`.
///
/// The kernel writes the time it did not sleep back into `timeout`
/// (ppoll(2), NOTES; `poll_select_finish` in fs/select.c), which is why it
/// is taken mutably: a retry can pass it again to wait only for the rest.
#[cfg(target_pointer_width = "64")]
#[inline]
pub(crate) fn ppoll(
    fds: &mut [PollFd],
    timeout: Option<&mut Timespec>,
    mask: Option<&u64>,
) -> Result<usize> {
    let (p, n) = arg::slice_mut(fds);
    let t = timeout.map_or(arg::null(), arg::ptr_mut);
    let m = mask.map_or(arg::null(), arg::ptr);
    // SAFETY: `p` is valid for `n` `pollfd`s, whose `revents` the kernel
    // writes; `t` is NULL or a `timespec` the kernel reads and may write;
    // `m` is NULL or an 8-byte signal mask it only reads. A signal handler
    // may run before the call returns (this is not a `readonly` call).
    ret(unsafe { raw::syscall5(Sysno::ppoll, p, n, t, m, SIGSET_SIZE) })
}

/// ppoll(2) on one descriptor, which the caller keeps open (a guard):
/// returns its `revents`, empty if `timeout` passed first.
#[inline]
pub(crate) fn ppoll_one(
    fd: BorrowedFd<'_>,
    events: i16,
    timeout: Option<&mut Timespec>,
) -> Result<i16> {
    let mut fds = [PollFd {
        fd: fd.raw(),
        events,
        revents: 0,
    }];
    ppoll(&mut fds, timeout, None).map(|_| fds[0].revents)
}
