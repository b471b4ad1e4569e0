//! [`poll`]: waiting for readiness on several handles, without libc.

use core::marker::PhantomData;
use core::time::Duration;

use bitflags::bitflags;

use crate::sys::{self, Timespec};
use crate::{Fd, Handle, Result};

bitflags! {
    /// Readiness events (`POLL*`), requested in [`PollFd::new`] and
    /// reported by [`PollFd::revents`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Events: i16 {
        /// `POLLIN`: data to read (an eventfd counter above zero, an
        /// expired timer, a pending signal, an exited process).
        const IN = 0x001;
        /// `POLLPRI`: an exceptional condition (out-of-band data).
        const PRI = 0x002;
        /// `POLLOUT`: writing will not block.
        const OUT = 0x004;
        /// `POLLERR`: an error condition (always reported).
        const ERR = 0x008;
        /// `POLLHUP`: hang-up, e.g. the other end of a pipe closed (always
        /// reported).
        const HUP = 0x010;
        /// `POLLNVAL`: the descriptor is not open (always reported; here:
        /// the handle was closed before its `PollFd` was made).
        const NVAL = 0x020;
        /// `POLLRDNORM`: normal data to read.
        const RDNORM = 0x040;
        /// `POLLRDBAND`: priority-band data to read.
        const RDBAND = 0x080;
        /// `POLLWRNORM`: writing normal data will not block.
        const WRNORM = 0x100;
        /// `POLLWRBAND`: priority-band data can be written.
        const WRBAND = 0x200;
        /// `POLLRDHUP`: the peer of a stream socket shut down writing.
        const RDHUP = 0x2000;
    }
}

/// One entry of a [`poll`] set: a handle and the events to wait for.
///
/// Laid out as the kernel's `struct pollfd`, so a slice of them is passed
/// to the kernel as it is. The entry borrows its handle, which therefore
/// outlives the wait.
///
/// The descriptor number is taken when the entry is made. A handle that is
/// already closed then reports [`Events::NVAL`] at once. If another thread
/// closes the handle while the entry exists, the entry may report the
/// readiness of whatever file reuses the number: a spurious wake-up, never
/// a transfer, since the next operation on the handle fails with `Closed`
/// without touching the number.
#[derive(Debug)]
#[repr(transparent)]
pub struct PollFd<'fd> {
    raw: sys::PollFd,
    _handle: PhantomData<&'fd Fd>,
}

/// A number no descriptor can have (the kernel caps descriptors well below
/// `i32::MAX`), so the kernel reports `POLLNVAL` for it.
const NEVER_OPEN: i32 = i32::MAX;

impl<'fd> PollFd<'fd> {
    /// An entry waiting for `events` on `handle`.
    #[inline]
    #[must_use]
    pub fn new<H: Handle + ?Sized>(handle: &'fd H, events: Events) -> PollFd<'fd> {
        let fd = match handle.raw() {
            -1 => NEVER_OPEN,
            fd => fd,
        };
        PollFd {
            raw: sys::PollFd {
                fd,
                events: events.bits(),
                revents: 0,
            },
            _handle: PhantomData,
        }
    }

    /// The events this entry waits for.
    #[inline]
    #[must_use]
    pub fn events(&self) -> Events {
        Events::from_bits_retain(self.raw.events)
    }

    /// Changes the events to wait for in the next [`poll`].
    #[inline]
    pub fn set_events(&mut self, events: Events) {
        self.raw.events = events.bits();
    }

    /// The events the last [`poll`] reported for this entry (empty before
    /// the first).
    #[inline]
    #[must_use]
    pub fn revents(&self) -> Events {
        Events::from_bits_retain(self.raw.revents)
    }
}

/// ppoll(2) — waits until at least one entry is ready or `timeout` passes
/// (`None`: no limit); returns how many entries have events.
///
/// Each entry's [`revents`](PollFd::revents) is overwritten. A timeout
/// longer than the kernel can represent (more than `i64::MAX` seconds) is
/// clamped to that, which is forever in practice. aarch64 and riscv64 have
/// no `poll` system call; `ppoll` is the one on every arch.
///
/// # Errors
/// - `Interrupted` if a signal handler ran before any entry was ready;
/// - `InvalidInput` for more entries than `RLIMIT_NOFILE`;
/// - `OutOfMemory`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use iofd::{poll, EventFd, Events, PollFd};
///
/// let (a, b) = (EventFd::new(0)?, EventFd::new(0)?);
/// b.signal(1)?;
/// let mut fds = [PollFd::new(&a, Events::IN), PollFd::new(&b, Events::IN)];
/// assert_eq!(poll(&mut fds, Some(Duration::from_secs(1)))?, 1);
/// assert!(fds[0].revents().is_empty());
/// assert!(fds[1].revents().contains(Events::IN));
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/poll.2.html>
#[doc(alias = "ppoll")]
pub fn poll(fds: &mut [PollFd<'_>], timeout: Option<Duration>) -> Result<usize> {
    let timeout = timeout.map(timeout_timespec);
    let len = fds.len();
    // SAFETY: `PollFd` is `repr(transparent)` over `sys::PollFd` (its other
    // field is zero-sized), so the slices have the same layout; the
    // exclusive borrow carries over.
    let raw =
        unsafe { core::slice::from_raw_parts_mut(fds.as_mut_ptr().cast::<sys::PollFd>(), len) };
    sys::ppoll(raw, timeout.as_ref())
}

/// `d` as a `timespec`, clamped to the largest the kernel accepts.
#[inline]
fn timeout_timespec(d: Duration) -> Timespec {
    match i64::try_from(d.as_secs()) {
        Ok(tv_sec) => Timespec {
            tv_sec,
            tv_nsec: i64::from(d.subsec_nanos()),
        },
        Err(_) => Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 999_999_999,
        },
    }
}

/// Waits without limit until `handle` reports `events` (or an error or
/// hang-up condition).
pub(crate) fn wait_for<H: Handle + ?Sized>(handle: &H, events: Events) -> Result<()> {
    let mut fds = [PollFd::new(handle, events)];
    poll(&mut fds, None).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pollfd_has_the_kernel_layout() {
        assert_eq!(
            core::mem::size_of::<PollFd<'_>>(),
            core::mem::size_of::<libc::pollfd>()
        );
        assert_eq!(
            core::mem::align_of::<PollFd<'_>>(),
            core::mem::align_of::<libc::pollfd>()
        );
    }

    #[test]
    fn event_bits_are_the_kernels() {
        let pairs = [
            (Events::IN, libc::POLLIN),
            (Events::PRI, libc::POLLPRI),
            (Events::OUT, libc::POLLOUT),
            (Events::ERR, libc::POLLERR),
            (Events::HUP, libc::POLLHUP),
            (Events::NVAL, libc::POLLNVAL),
            (Events::RDNORM, libc::POLLRDNORM),
            (Events::RDBAND, libc::POLLRDBAND),
            (Events::WRNORM, libc::POLLWRNORM),
            (Events::WRBAND, libc::POLLWRBAND),
            (Events::RDHUP, libc::POLLRDHUP),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours.bits(), theirs, "{ours:?}");
        }
    }

    #[test]
    fn timeouts_convert_and_clamp() {
        let ts = timeout_timespec(Duration::new(5, 7));
        assert_eq!((ts.tv_sec, ts.tv_nsec), (5, 7));
        let ts = timeout_timespec(Duration::MAX);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (i64::MAX, 999_999_999));
        let ts = timeout_timespec(Duration::new(i64::MAX as u64 + 1, 0));
        assert_eq!(ts.tv_sec, i64::MAX);
    }
}
