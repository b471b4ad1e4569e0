//! The waits behind [`Epoll::wait`](super::Epoll::wait): which call takes
//! which timeout, and the fallback when epoll_pwait2(2) is missing.

use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use core::time::Duration;

use crate::Result;
use crate::raw::Errno;
use crate::sys::{self, BorrowedFd};
use crate::time::timespec_saturating;

/// Set once epoll_pwait2(2) has answered `ENOSYS` (before Linux 5.11, in
/// some sandboxes, under qemu-user), so that later waits go straight to
/// epoll_pwait(2). The flag orders nothing else, hence `Relaxed`: a thread
/// that has not yet seen another's store asks the kernel once more and
/// gets the same answer.
pub(super) static NO_PWAIT2: AtomicBool = AtomicBool::new(false);

/// `epoll_pwait`'s largest timeout: `i32::MAX` milliseconds.
const PWAIT_MAX: Duration = Duration::from_millis(i32::MAX as u64);

/// `d` as an epoll_pwait(2) timeout, if it is whole milliseconds that the
/// call can take.
#[inline]
fn whole_millis(d: Duration) -> Option<i32> {
    if !d.subsec_nanos().is_multiple_of(1_000_000) {
        return None;
    }
    i32::try_from(d.as_millis()).ok()
}

/// The first epoll_pwait(2) timeout for `d`, rounded up to whole
/// milliseconds and at most `i32::MAX`, and what is left of `d` after it.
#[inline]
fn millis_rounded_up(d: Duration) -> (i32, Duration) {
    if d > PWAIT_MAX {
        return (i32::MAX, d - PWAIT_MAX);
    }
    // `d <= PWAIT_MAX`, so the rounded count fits (the fallback is only a
    // guard).
    let ms = i32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX);
    (ms, Duration::ZERO)
}

/// The wait behind [`Epoll::wait`], on a descriptor its caller holds open;
/// `no_pwait2` remembers that epoll_pwait2(2) is missing.
pub(super) fn wait_for(
    ep: BorrowedFd<'_>,
    events: &mut [sys::EpollEvent],
    timeout: Option<Duration>,
    no_pwait2: &AtomicBool,
) -> Result<usize> {
    let Some(d) = timeout else {
        return sys::epoll_pwait(ep, events, -1);
    };
    if let Some(ms) = whole_millis(d) {
        return sys::epoll_pwait(ep, events, ms);
    }
    if !no_pwait2.load(Relaxed) {
        match sys::epoll_pwait2(ep, events, Some(&timespec_saturating(d))) {
            Err(e) if e.errno() == Errno::ENOSYS => no_pwait2.store(true, Relaxed),
            done => return done,
        }
    }
    wait_millis_rounded_up(ep, events, d)
}

/// epoll_pwait(2) for `d` rounded up to whole milliseconds, in as many
/// calls as it takes: each waits at least its own timeout, so the sum is at
/// least `d`.
fn wait_millis_rounded_up(
    ep: BorrowedFd<'_>,
    events: &mut [sys::EpollEvent],
    d: Duration,
) -> Result<usize> {
    let mut left = d;
    loop {
        let (ms, rest) = millis_rounded_up(left);
        let n = sys::epoll_pwait(ep, events, ms)?;
        if n > 0 || rest.is_zero() {
            return Ok(n);
        }
        left = rest;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_milliseconds_go_to_epoll_pwait() {
        assert_eq!(whole_millis(Duration::ZERO), Some(0));
        assert_eq!(whole_millis(Duration::from_millis(1)), Some(1));
        assert_eq!(whole_millis(Duration::from_secs(3)), Some(3000));
        assert_eq!(whole_millis(PWAIT_MAX), Some(i32::MAX));
        assert_eq!(whole_millis(Duration::from_micros(1500)), None);
        assert_eq!(whole_millis(Duration::from_nanos(1)), None);
        assert_eq!(whole_millis(PWAIT_MAX + Duration::from_millis(1)), None);
        assert_eq!(whole_millis(Duration::MAX), None);
    }

    #[test]
    fn fallback_timeouts_round_up_and_never_wrap() {
        let cases = [
            (Duration::from_nanos(1), 1),
            (Duration::from_micros(999), 1),
            (Duration::from_micros(1500), 2),
            (Duration::new(1, 1), 1001),
            (PWAIT_MAX - Duration::from_nanos(1), i32::MAX),
            (PWAIT_MAX, i32::MAX),
        ];
        for (d, ms) in cases {
            assert_eq!(millis_rounded_up(d), (ms, Duration::ZERO), "{d:?}");
        }
        let over = PWAIT_MAX + Duration::from_nanos(1);
        assert_eq!(millis_rounded_up(over), (i32::MAX, Duration::from_nanos(1)));
        let (ms, rest) = millis_rounded_up(Duration::MAX);
        assert_eq!((ms, rest), (i32::MAX, Duration::MAX - PWAIT_MAX));
    }

    /// The fallback path, forced (the native kernel has epoll_pwait2): a
    /// 1.5 ms wait is a 2 ms epoll_pwait, never a 1 ms one.
    #[test]
    #[cfg(not(miri))] // system calls: Miri runs pure logic only
    fn the_fallback_never_ends_before_its_timeout() {
        use std::time::Instant;

        let epoll = crate::Epoll::new().unwrap();
        let g = epoll.fd().borrow().unwrap();
        let mut events = [sys::EpollEvent::default(); 2];
        let forced = AtomicBool::new(true);
        for _ in 0..20 {
            let start = Instant::now();
            let n = wait_for(
                g.borrowed(),
                &mut events,
                Some(Duration::from_micros(1500)),
                &forced,
            );
            let waited = start.elapsed();
            assert_eq!(n.unwrap(), 0);
            assert!(waited >= Duration::from_millis(2), "woke after {waited:?}");
        }
    }
}
