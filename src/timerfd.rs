//! [`TimerFd`]: a kernel timer that is a descriptor.

use core::time::Duration;

use bitflags::bitflags;

use crate::fd::{Wake, wait_u64};
use crate::handle::handle_common;
use crate::poll::timeout_timespec;
use crate::sys::{self, Itimerspec, Timespec};
use crate::time::timespec_from_duration;
use crate::{Clock, Error, Fd, Result};

bitflags! {
    /// Flags for [`TimerFd::with_clock`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct TimerFdFlags: u32 {
        /// `TFD_CLOEXEC`
        const CLOEXEC = sys::O_CLOEXEC;
        /// `TFD_NONBLOCK`
        const NONBLOCK = sys::O_NONBLOCK;
    }
}

/// `TFD_TIMER_ABSTIME`
const TIMER_ABSTIME: u32 = 1;
/// `TFD_TIMER_CANCEL_ON_SET`
const TIMER_CANCEL_ON_SET: u32 = 2;

/// The size of an expiration count: one `u64`.
const COUNT_SIZE: usize = 8;

/// The earliest expiry the kernel accepts: a zero `it_value` would disarm.
const SOONEST: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 1,
};

/// timerfd_create(2) — a timer whose expirations are read from a
/// descriptor.
///
/// Arm it [relative to now](TimerFd::arm) or [at a deadline](TimerFd::arm_at),
/// once or periodically; it polls readable when it has expired, and
/// [`expirations`](TimerFd::expirations) returns how many times it has
/// expired since the last read (more than 1 if a periodic timer was not read
/// in time).
///
/// Created non-blocking and close-on-exec. Nothing here allocates.
///
/// # Closing while a thread waits
///
/// [`close`](TimerFd::close) never blocks. If a thread is in
/// [`wait_blocking`](TimerFd::wait_blocking),
/// [`wait_timeout`](TimerFd::wait_timeout) or [`poll`](crate::poll) on this
/// timer, the close arms it to expire at once to wake it; the wait returns
/// `Closed` and the descriptor is closed when the last wait has returned.
/// Every holder of the same open file sees that expiration.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use iofd::TimerFd;
///
/// let timer = TimerFd::new()?;
/// timer.arm(Duration::from_millis(1), Duration::ZERO)?;
/// std::thread::sleep(Duration::from_millis(5));
/// assert_eq!(timer.expirations()?, 1);
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/timerfd_create.2.html>
#[derive(Debug)]
pub struct TimerFd {
    fd: Fd,
    clock: Clock,
}

handle_common!(TimerFd);

/// The kernel's setting for a first expiry at `value`, then every
/// `interval`; a zero `value` becomes [`SOONEST`], so arming never disarms
/// (the same conversion as `TimerFd::settime`).
#[inline]
fn itimerspec(value: Duration, interval: Duration) -> Result<Itimerspec> {
    let mut spec = Itimerspec {
        it_interval: timespec_from_duration(interval)?,
        it_value: timespec_from_duration(value)?,
    };
    if spec.it_value == Timespec::default() {
        spec.it_value = SOONEST;
    }
    Ok(spec)
}

impl TimerFd {
    /// A `CLOCK_MONOTONIC` timer, non-blocking and close-on-exec.
    ///
    /// # Errors
    /// `EMFILE`/`ENFILE` when out of descriptors, `OutOfMemory`.
    #[doc(alias = "timerfd_create")]
    pub fn new() -> Result<TimerFd> {
        TimerFd::with_clock(
            Clock::Monotonic,
            TimerFdFlags::CLOEXEC | TimerFdFlags::NONBLOCK,
        )
    }

    /// A `CLOCK_REALTIME` timer, non-blocking and close-on-exec.
    ///
    /// # Errors
    /// As [`new`](TimerFd::new).
    pub fn new_realtime() -> Result<TimerFd> {
        TimerFd::with_clock(
            Clock::Realtime,
            TimerFdFlags::CLOEXEC | TimerFdFlags::NONBLOCK,
        )
    }

    /// A `CLOCK_BOOTTIME` timer, non-blocking and close-on-exec.
    ///
    /// # Errors
    /// As [`new`](TimerFd::new).
    pub fn new_boottime() -> Result<TimerFd> {
        TimerFd::with_clock(
            Clock::Boottime,
            TimerFdFlags::CLOEXEC | TimerFdFlags::NONBLOCK,
        )
    }

    /// timerfd_create(2) on `clock` with exactly `flags`.
    ///
    /// # Errors
    /// `PermissionDenied` for the alarm clocks without `CAP_WAKE_ALARM`;
    /// `InvalidInput` for unknown flag bits; the errors of
    /// [`new`](TimerFd::new).
    pub fn with_clock(clock: Clock, flags: TimerFdFlags) -> Result<TimerFd> {
        let fd = sys::timerfd_create(clock.id(), flags.bits())?;
        // SAFETY: the kernel just created `fd`, a timerfd; we are its only
        // owner.
        let fd = unsafe { Fd::from_raw_waking(fd, Wake::TimerFd) };
        Ok(TimerFd { fd, clock })
    }

    /// Adopts `fd`, a timerfd made elsewhere (received with
    /// [`recv_fds`](crate::recv_fds), inherited, or from
    /// [`Fd::from_raw`]), as a `TimerFd` on `clock`. No system call.
    ///
    /// The descriptor does not tell its clock without reading
    /// `/proc/self/fdinfo`, so the caller names it: it is what
    /// [`clock`](TimerFd::clock) reports, and the clock a deadline for
    /// [`arm_at`](TimerFd::arm_at) is read on. The timer keeps its setting
    /// and flags (it may be armed, or blocking).
    ///
    /// # Safety
    /// - `fd` refers to a timerfd (timerfd_create(2), made in any process)
    ///   whose clock is `clock`, or is closed (then every operation fails
    ///   with `Closed`).
    ///
    /// A `TimerFd` promises what its descriptor is and which clock it
    /// runs on; code holding one, including `unsafe` code written against
    /// this type, may rely on both. (This crate's own methods stay
    /// memory-safe on any descriptor, but with the wrong clock a deadline
    /// computed from [`clock_now`](crate::clock_now)`(timer.clock())`
    /// would be read on another clock's scale.)
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{Clock, Fd, TimerFd};
    ///
    /// let fd: Fd = TimerFd::new_realtime()?.into();
    /// // SAFETY: `fd` is the realtime timerfd made just above.
    /// let timer = unsafe { TimerFd::from_fd(fd, Clock::Realtime) };
    /// assert_eq!(timer.clock(), Clock::Realtime);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    #[must_use]
    pub unsafe fn from_fd(fd: Fd, clock: Clock) -> TimerFd {
        let mut fd = fd;
        // SAFETY: the caller promises `fd` is a timerfd.
        unsafe { fd.set_wake(Wake::TimerFd) };
        TimerFd { fd, clock }
    }

    /// The clock the timer runs on.
    #[inline]
    #[must_use]
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// timerfd_settime(2) — first expiry `initial` from now, then every
    /// `interval` (`Duration::ZERO`: once).
    ///
    /// Arming never disarms: a zero `initial`, which the kernel would take
    /// as "disarm", means "expire as soon as possible" (1 ns). Use
    /// [`disarm`](TimerFd::disarm) to stop the timer. Re-arming replaces the
    /// previous setting and clears pending expirations.
    ///
    /// # Errors
    /// `InvalidInput` if a duration's seconds exceed `i64::MAX` (no system
    /// call); `Closed`.
    ///
    /// <https://man7.org/linux/man-pages/man2/timerfd_settime.2.html>
    #[doc(alias = "timerfd_settime")]
    #[inline]
    pub fn arm(&self, initial: Duration, interval: Duration) -> Result<()> {
        self.settime(0, initial, interval)
    }

    /// timerfd_settime(2) with `TFD_TIMER_ABSTIME` — first expiry when the
    /// timer's clock reaches `deadline` (as [`clock_now`](crate::clock_now)
    /// reports it), then every `interval`.
    ///
    /// A deadline in the past expires at once; like [`arm`](TimerFd::arm),
    /// a zero deadline expires at once rather than disarming.
    ///
    /// # Errors
    /// As [`arm`](TimerFd::arm).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use iofd::{clock_now, TimerFd};
    ///
    /// let timer = TimerFd::new()?;
    /// let deadline = clock_now(timer.clock())? + Duration::from_millis(1);
    /// timer.arm_at(deadline, Duration::ZERO)?;
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    pub fn arm_at(&self, deadline: Duration, interval: Duration) -> Result<()> {
        self.settime(TIMER_ABSTIME, deadline, interval)
    }

    /// timerfd_settime(2) with `TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET`
    /// — as [`arm_at`](TimerFd::arm_at), on a realtime clock, and the timer
    /// is canceled when that clock is set.
    ///
    /// The kernel cancels the timer whenever the offset between the
    /// realtime clock and `CLOCK_MONOTONIC` has changed since it was armed:
    /// when the clock is set (clock_settime(2), settimeofday(2)), and after
    /// a suspend. The next [`expirations`](TimerFd::expirations) (or
    /// [`wait_blocking`](TimerFd::wait_blocking)) then fails with
    /// [`ErrorKind::Canceled`](crate::ErrorKind::Canceled) and clears the expiration count; the timer
    /// stays armed for `deadline` on the new time, and later reads work as
    /// usual. Re-arm once the deadline has been worked out again.
    ///
    /// # Errors
    /// - `InvalidInput` (no system call) unless the timer's
    ///   [`clock`](TimerFd::clock) is [`Clock::Realtime`] or
    ///   [`Clock::RealtimeAlarm`]: the kernel silently arms other clocks
    ///   without cancel-on-set;
    /// - `Canceled` if the clock was set since an earlier cancel-on-set
    ///   arming and no read has reported it yet (the timer is armed anyway);
    /// - as [`arm`](TimerFd::arm).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use iofd::{clock_now, ErrorKind, TimerFd};
    ///
    /// let timer = TimerFd::new_realtime()?;
    /// let deadline = clock_now(timer.clock())? + Duration::from_secs(3600);
    /// timer.arm_at_cancel_on_set(deadline, Duration::ZERO)?;
    /// match timer.expirations() {
    ///     Err(e) if e.kind() == ErrorKind::Canceled => { /* the clock was set */ }
    ///     Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
    ///     Ok(_) => unreachable!("an hour has not passed"),
    /// }
    /// # Ok::<(), iofd::Error>(())
    /// ```
    ///
    /// <https://man7.org/linux/man-pages/man2/timerfd_settime.2.html>
    #[doc(alias = "TFD_TIMER_CANCEL_ON_SET")]
    #[inline]
    pub fn arm_at_cancel_on_set(&self, deadline: Duration, interval: Duration) -> Result<()> {
        if !matches!(self.clock, Clock::Realtime | Clock::RealtimeAlarm) {
            return Err(Error::INVALID);
        }
        self.settime(TIMER_ABSTIME | TIMER_CANCEL_ON_SET, deadline, interval)
    }

    /// timerfd_settime(2) with an old-value pointer — arms as
    /// [`arm`](TimerFd::arm) does and returns the setting it replaced, as
    /// [`get_time`](TimerFd::get_time) would have reported it just before:
    /// `(remaining, interval)`, zeros for a disarmed timer.
    ///
    /// The swap is one system call, so no expiry or other thread's setting
    /// can fall between reading the old value and writing the new one.
    ///
    /// # Errors
    /// As [`arm`](TimerFd::arm).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let timer = iofd::TimerFd::new()?;
    /// assert_eq!(timer.arm_replacing(Duration::from_secs(60), Duration::ZERO)?, (Duration::ZERO, Duration::ZERO));
    /// let (remaining, interval) = timer.arm_replacing(Duration::from_secs(1), Duration::ZERO)?;
    /// assert!(remaining > Duration::from_secs(59) && interval == Duration::ZERO);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[doc(alias = "timerfd_settime")]
    #[inline]
    pub fn arm_replacing(
        &self,
        initial: Duration,
        interval: Duration,
    ) -> Result<(Duration, Duration)> {
        let spec = itimerspec(initial, interval)?;
        let mut old = Itimerspec::default();
        let g = self.fd.guard()?;
        let r = sys::timerfd_settime_old(g.borrowed(), 0, &spec, &mut old);
        g.release_consumed(r, Wake::TimerFd).unit()?;
        durations(&old)
    }

    /// timerfd_settime(2) with a zero value — stops the timer and clears
    /// pending expirations.
    ///
    /// # Errors
    /// `Closed`.
    #[inline]
    pub fn disarm(&self) -> Result<()> {
        self.set(0, &Itimerspec::default())
    }

    #[inline]
    fn settime(&self, flags: u32, value: Duration, interval: Duration) -> Result<()> {
        self.set(flags, &itimerspec(value, interval)?)
    }

    /// timerfd_settime(2), passing on a close's wake-up it may replace.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    fn set(&self, flags: u32, spec: &Itimerspec) -> Result<()> {
        let g = self.fd.guard()?;
        let r = sys::timerfd_settime(g.borrowed(), flags, spec);
        g.release_consumed(r, Wake::TimerFd).unit()
    }

    /// Reads the expiration count (an 8-byte read(2)): how many times the
    /// timer expired since it was armed or last read; resets it to zero.
    ///
    /// # Errors
    /// `WouldBlock` when the timer has not expired (a blocking timer waits
    /// instead); `Closed`; `ECANCELED` when a realtime clock was set under a
    /// cancel-on-set timer.
    #[doc(alias = "read")]
    #[inline]
    pub fn expirations(&self) -> Result<u64> {
        let mut buf = [0u8; COUNT_SIZE];
        self.read_count(&mut buf)?;
        Ok(u64::from_ne_bytes(buf))
    }

    /// One 8-byte read(2), passing on a close's wake-up it may have taken.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    fn read_count(&self, buf: &mut [u8; COUNT_SIZE]) -> Result<usize> {
        let g = self.fd.guard()?;
        let r = sys::read(g.borrowed(), buf);
        g.release_consumed(r, Wake::TimerFd).usize()
    }

    /// Waits until the timer expires, then returns the expiration count as
    /// [`expirations`](TimerFd::expirations) does, holding the descriptor
    /// open throughout; a wake-up that finds nothing to read (another reader
    /// took the count, or the timer was re-armed) waits again.
    ///
    /// A disarmed timer never expires, so this then waits until another
    /// thread arms it (or closes the timer).
    ///
    /// # Errors
    /// - `Closed`, also when another thread closes the timer during the
    ///   wait (see [Closing while a thread waits](TimerFd#closing-while-a-thread-waits));
    /// - `Interrupted` if a signal handler runs while waiting (not retried,
    ///   so signals can cancel the wait).
    pub fn wait_blocking(&self) -> Result<u64> {
        wait_u64(&self.fd, None).map(|n| n.unwrap_or_default())
    }

    /// [`wait_blocking`](TimerFd::wait_blocking) for at most `timeout`:
    /// `Ok(None)` if the timer did not expire that long.
    ///
    /// # Errors
    /// As [`wait_blocking`](TimerFd::wait_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let timer = iofd::TimerFd::new()?;
    /// assert_eq!(timer.wait_timeout(Duration::from_millis(1))?, None); // disarmed
    /// timer.arm(Duration::from_millis(1), Duration::ZERO)?;
    /// assert_eq!(timer.wait_timeout(Duration::from_secs(5))?, Some(1));
    /// # Ok::<(), iofd::Error>(())
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<Option<u64>> {
        wait_u64(&self.fd, Some(timeout_timespec(timeout)))
    }

    /// timerfd_gettime(2) — `(remaining, interval)`: the time until the
    /// next expiry (zero when disarmed) and the period (zero for a one-shot
    /// timer).
    ///
    /// # Errors
    /// `Closed`.
    #[doc(alias = "timerfd_gettime")]
    #[inline]
    pub fn get_time(&self) -> Result<(Duration, Duration)> {
        let mut spec = Itimerspec::default();
        let g = self.fd.guard()?;
        let r = sys::timerfd_gettime(g.borrowed(), &mut spec);
        g.release(r).unit()?;
        durations(&spec)
    }

    /// read(2) of the expiration count into `buf` as a native-endian `u64`;
    /// returns 8. Prefer [`expirations`](TimerFd::expirations).
    ///
    /// # Errors
    /// `InvalidInput` if `buf` is shorter than 8 bytes (no system call), and
    /// the errors of [`expirations`](TimerFd::expirations).
    #[inline]
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        let buf = buf.first_chunk_mut::<COUNT_SIZE>().ok_or(Error::INVALID)?;
        self.read_count(buf)
    }
}

/// An `itimerspec` the kernel wrote as `(value, interval)`, checked once:
/// both halves non-negative with nanoseconds below a second, as the kernel
/// always reports them.
///
/// # Errors
/// `ERANGE` for anything else (which only a sandbox faking the call could
/// produce).
#[inline]
fn durations(spec: &Itimerspec) -> Result<(Duration, Duration)> {
    const NANOS: u64 = 1_000_000_000;
    let (v, i) = (spec.it_value, spec.it_interval);
    // Negative nanoseconds are huge as `u64`: three tests cover the four
    // fields.
    if (v.tv_sec | i.tv_sec) < 0 || v.tv_nsec as u64 >= NANOS || i.tv_nsec as u64 >= NANOS {
        return Err(Error::RANGE);
    }
    // The check above bounds every field, so no conversion below can fail.
    let d = |t: Timespec| Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
    Ok((d(v), d(i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(vs: i64, vn: i64, is: i64, in_: i64) -> Itimerspec {
        Itimerspec {
            it_interval: Timespec {
                tv_sec: is,
                tv_nsec: in_,
            },
            it_value: Timespec {
                tv_sec: vs,
                tv_nsec: vn,
            },
        }
    }

    #[test]
    fn itimerspecs_convert_exactly() {
        let d = durations(&spec(3, 999_999_999, i64::MAX, 0)).unwrap();
        assert_eq!(
            d,
            (
                Duration::new(3, 999_999_999),
                Duration::new(i64::MAX as u64, 0)
            )
        );
        assert_eq!(
            durations(&spec(0, 0, 0, 0)).unwrap(),
            (Duration::ZERO, Duration::ZERO)
        );
    }

    #[test]
    fn malformed_itimerspecs_are_range_errors() {
        for bad in [
            spec(-1, 0, 0, 0),
            spec(0, 0, -1, 0),
            spec(0, -1, 0, 0),
            spec(0, 0, 0, -1),
            spec(0, 1_000_000_000, 0, 0),
            spec(0, 0, 0, 1_000_000_000),
            spec(i64::MIN, i64::MIN, 0, 0),
        ] {
            assert_eq!(durations(&bad).unwrap_err().raw_os_error(), 34, "{bad:?}");
        }
    }
}
