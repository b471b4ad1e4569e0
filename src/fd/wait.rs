//! The blocking waits of eventfds and timerfds, and how a close wakes them.
//!
//! A wait ([`EventFd::wait_blocking`](crate::EventFd::wait_blocking),
//! [`TimerFd::wait_blocking`](crate::TimerFd::wait_blocking),
//! [`poll`](crate::poll)) holds a guard on the descriptor and sleeps in the
//! kernel until the file is readable. The closer, itself counted in
//! ([`Close::Wake`](super::state::Close::Wake)), makes the file readable:
//!
//! - an eventfd gets 1 added to its counter;
//! - a timerfd is armed to expire in 1 ns, once.
//!
//! Every wait then wakes, sees the closing word, and returns `Closed`
//! without reading. An operation that was already in flight may read the
//! file after the wake-up (taking the counter or the expirations) or re-arm
//! the timer; each such operation checks the word before it releases and,
//! if closing has begun, wakes again and reports `Closed`
//! ([`FdGuard::release_consumed`]), so a wait never sleeps through its
//! close.
//!
//! Both wake-ups are visible to every holder of the open file (a duplicate,
//! another process it was passed to): they see one more event.
//!
//! [`FdGuard::release_consumed`]: super::FdGuard::release_consumed

use super::{Fd, Wake};
use crate::sys::{self, BorrowedFd, Itimerspec, Timespec};
use crate::{Error, Result};

/// `POLLIN`.
const POLLIN: i16 = 0x1;

/// Waits until `fd` (an eventfd or a timerfd) is readable and reads its
/// 8-byte count, holding the descriptor open throughout; `None` if
/// `timeout` passed first, `Closed` if closing began meanwhile.
///
/// Without a timeout it reads first (on a blocking descriptor the read is
/// the wait); with one it polls first, since a blocking read would not
/// stop at the timeout. A wake-up that finds nothing to read (another
/// reader was first) waits again, for the rest of the timeout: ppoll(2)
/// writes the time left back.
pub(crate) fn wait_u64(fd: &Fd, mut timeout: Option<Timespec>) -> Result<Option<u64>> {
    let g = fd.guard()?;
    let mut read = timeout.is_none();
    loop {
        if read {
            let mut buf = [0u8; 8];
            let r = sys::read(g.borrowed(), &mut buf);
            if g.is_closing() {
                // The read may have taken the close's wake-up: pass it on.
                g.rewake();
                return Err(Error::CLOSED);
            }
            if !r.would_block() {
                return r.usize().map(|_| Some(u64::from_ne_bytes(buf)));
            }
        }
        let revents = sys::ppoll_one(g.borrowed(), POLLIN, timeout.as_mut())?;
        if g.is_closing() {
            return Err(Error::CLOSED);
        }
        if revents == 0 {
            return Ok(None);
        }
        read = true;
    }
}

/// The closer's wake-up: makes `fd`, a file of kind `wake`, readable.
/// Never blocks.
pub(super) fn wake(fd: BorrowedFd<'_>, wake: Wake) {
    match wake {
        Wake::EventFd => eventfd(fd),
        Wake::TimerFd => timerfd(fd),
        Wake::None => {}
    }
}

/// The wake-up an operation passes on after it may have taken the
/// closer's: one system call, inlined, so that where the kind is known no
/// out-of-line call returns into a hot path.
///
/// For an eventfd, a write of 1 after a read: the read just took the
/// counter (to zero, or by one in semaphore mode), so the write does not
/// block even on a blocking eventfd unless another thread fills the
/// counter to `u64::MAX - 1` in between; on a non-blocking one it cannot.
/// Out of line where size is asked for (`opt-level = "s"` or `"z"`).
#[cfg_attr(not(iofd_small), inline(always))]
#[cfg_attr(iofd_small, cold, inline(never))]
pub(super) fn rewake(fd: BorrowedFd<'_>, wake: Wake) {
    match wake {
        Wake::EventFd => {
            let _ = sys::write(fd, &1_u64.to_ne_bytes());
        }
        Wake::TimerFd => timerfd(fd),
        Wake::None => {}
    }
}

/// Adds 1 to an eventfd's counter if it is zero, without ever blocking.
///
/// Waits for readability sleep only while the counter is zero, so a
/// counter above zero needs nothing; a zero counter takes a write of 1,
/// which blocks only on a full counter (`u64::MAX - 1`). The counter is
/// read with a zero-timeout ppoll(2) first, so on a blocking eventfd the
/// write can block only if another thread fills the counter to exactly
/// `u64::MAX - 1` in between: on a non-blocking one (the default), it
/// cannot block at all.
fn eventfd(fd: BorrowedFd<'_>) {
    let mut now = Timespec::default();
    if let Ok(0) = sys::ppoll_one(fd, POLLIN, Some(&mut now)) {
        let _ = sys::write(fd, &1_u64.to_ne_bytes());
    }
}

/// Arms a timerfd to expire once, 1 ns from now.
#[inline(always)]
fn timerfd(fd: BorrowedFd<'_>) {
    let soon = Itimerspec {
        it_interval: Timespec::default(),
        it_value: Timespec {
            tv_sec: 0,
            tv_nsec: 1,
        },
    };
    let _ = sys::timerfd_settime(fd, 0, &soon);
}
