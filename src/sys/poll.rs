//! ppoll(2).

use super::{Timespec, arg, ret};
use crate::Result;
use crate::raw::{self, Sysno};

/// `struct pollfd`.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct PollFd {
    pub(crate) fd: i32,
    pub(crate) events: i16,
    pub(crate) revents: i16,
}

/// ppoll(2) without a signal mask; `timeout: None` waits indefinitely.
/// Returns the number of entries with non-zero `revents`.
#[inline]
pub(crate) fn ppoll(fds: &mut [PollFd], timeout: Option<&Timespec>) -> Result<usize> {
    let (p, n) = arg::slice_mut(fds);
    let t = timeout.map_or(arg::null(), arg::ptr);
    // SAFETY: `p` is valid for `n` `pollfd`s, whose `revents` the kernel
    // writes; `t` is NULL or a valid `timespec` it reads; the signal mask
    // pointer is NULL (its size argument is then ignored).
    ret(unsafe { raw::syscall5(Sysno::ppoll, p, n, t, arg::null(), 8) })
}
