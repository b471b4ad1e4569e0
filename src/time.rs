//! [`Clock`], [`clock_now`], and conversions between [`Duration`] and the
//! kernel's `timespec`.

use core::time::Duration;

use crate::sys::Timespec;
use crate::{Error, Result, vdso};

/// A kernel clock, as timerfd_create(2) and clock_gettime(2) name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Clock {
    /// `CLOCK_REALTIME`: wall-clock time since the Unix epoch; jumps when
    /// the system time is set.
    Realtime,
    /// `CLOCK_MONOTONIC`: steady time since an unspecified start (boot);
    /// stops while the system is suspended.
    Monotonic,
    /// `CLOCK_BOOTTIME`: like `Monotonic`, but keeps counting during
    /// suspend.
    Boottime,
    /// `CLOCK_REALTIME_ALARM`: `Realtime` that wakes a suspended system
    /// (needs `CAP_WAKE_ALARM` for timers); [`clock_now`] reads it as
    /// `Realtime`.
    RealtimeAlarm,
    /// `CLOCK_BOOTTIME_ALARM`: `Boottime` that wakes a suspended system
    /// (needs `CAP_WAKE_ALARM` for timers); [`clock_now`] reads it as
    /// `Boottime`.
    BoottimeAlarm,
}

impl Clock {
    /// The kernel's `clockid_t`.
    #[inline]
    #[must_use]
    pub const fn id(self) -> i32 {
        match self {
            Clock::Realtime => 0,
            Clock::Monotonic => 1,
            Clock::Boottime => 7,
            Clock::RealtimeAlarm => 8,
            Clock::BoottimeAlarm => 9,
        }
    }

    /// The clock whose time is this clock's time: an alarm clock's base
    /// clock, otherwise the clock itself.
    ///
    /// The kernel's alarm timers run on `CLOCK_REALTIME` and
    /// `CLOCK_BOOTTIME` (`alarm_bases` in kernel/time/alarmtimer.c), and
    /// its clock_gettime of an alarm clock returns exactly the base
    /// clock's time, but only where an RTC can wake the system: on a
    /// machine without one it fails with `EINVAL` while timers on the
    /// alarm clocks still work.
    const fn base(self) -> Clock {
        match self {
            Clock::RealtimeAlarm => Clock::Realtime,
            Clock::BoottimeAlarm => Clock::Boottime,
            c => c,
        }
    }
}

/// clock_gettime(2) — the current time of `clock`, as the time since that
/// clock's epoch (the Unix epoch for `Realtime`, boot for `Monotonic` and
/// `Boottime`).
///
/// This is the reference point for
/// [`TimerFd::arm_at`](crate::TimerFd::arm_at): a timer's deadline is
/// `clock_now(timer.clock())? + delay`. The alarm clocks read as their
/// base clocks (`Realtime`, `Boottime`), which is what their timers run
/// on; the kernel's own clock_gettime of an alarm clock fails with
/// `EINVAL` on machines without an RTC, where the timers still work.
///
/// The clock is read through the kernel's vDSO (vdso(7)), in user space
/// and without a system call, like libc's `clock_gettime`. The first call
/// finds the vDSO: it reads the auxiliary vector (see
/// [`page_size`](crate::page_size)) and checks the vDSO image before
/// looking the function up by name and version. Where there is no usable
/// vDSO (qemu-user has none, valgrind hides it), every call is the
/// clock_gettime system call.
///
/// # Errors
/// `Other` (`ERANGE`) if the realtime clock was set before 1970.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use iofd::{clock_now, Clock, TimerFd};
///
/// let a = clock_now(Clock::Monotonic)?;
/// let b = clock_now(Clock::Monotonic)?;
/// assert!(b >= a);
///
/// let timer = TimerFd::new()?;
/// timer.arm_at(clock_now(timer.clock())? + Duration::from_millis(1), Duration::ZERO)?;
/// assert_eq!(timer.wait_blocking()?, 1);
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/clock_gettime.2.html>,
/// <https://man7.org/linux/man-pages/man7/vdso.7.html>
#[doc(alias = "clock_gettime")]
#[inline]
pub fn clock_now(clock: Clock) -> Result<Duration> {
    duration_from_timespec(vdso::clock_gettime(clock.base().id())?)
}

/// `d` as a kernel `timespec`.
///
/// # Errors
/// `InvalidInput` if the seconds exceed `i64::MAX`.
#[inline]
pub(crate) fn timespec_from_duration(d: Duration) -> Result<Timespec> {
    Ok(Timespec {
        tv_sec: i64::try_from(d.as_secs()).map_err(|_| Error::INVALID)?,
        tv_nsec: i64::from(d.subsec_nanos()),
    })
}

/// `d` as a kernel `timespec`, clamped to the largest one (`i64::MAX`
/// seconds, which the kernel saturates to "forever" in practice): for
/// timeouts, where a longer wait than representable is no error.
#[inline]
pub(crate) fn timespec_saturating(d: Duration) -> Timespec {
    timespec_from_duration(d).unwrap_or(Timespec {
        tv_sec: i64::MAX,
        tv_nsec: 999_999_999,
    })
}

/// A kernel `timespec` as a `Duration`.
///
/// # Errors
/// `ERANGE` for a negative or malformed value (a realtime clock before
/// 1970), which a `Duration` cannot hold.
#[inline]
pub(crate) fn duration_from_timespec(ts: Timespec) -> Result<Duration> {
    let secs = u64::try_from(ts.tv_sec).map_err(|_| Error::RANGE)?;
    let nanos = u32::try_from(ts.tv_nsec)
        .ok()
        .filter(|&n| n < 1_000_000_000)
        .ok_or(Error::RANGE)?;
    Ok(Duration::new(secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_convert_exactly() {
        for d in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::new(1, 999_999_999),
            Duration::from_millis(1500),
            Duration::new(i64::MAX as u64, 999_999_999),
        ] {
            let ts = timespec_from_duration(d).unwrap();
            assert_eq!(ts.tv_sec as u64, d.as_secs());
            assert_eq!(ts.tv_nsec as u32, d.subsec_nanos());
            assert_eq!(duration_from_timespec(ts).unwrap(), d);
        }
    }

    #[test]
    fn seconds_beyond_i64_are_invalid() {
        for d in [Duration::new(i64::MAX as u64 + 1, 0), Duration::MAX] {
            let e = timespec_from_duration(d).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn saturating_timespecs_clamp_instead_of_failing() {
        let ts = timespec_saturating(Duration::new(5, 7));
        assert_eq!((ts.tv_sec, ts.tv_nsec), (5, 7));
        for d in [Duration::new(i64::MAX as u64 + 1, 0), Duration::MAX] {
            let ts = timespec_saturating(d);
            assert_eq!((ts.tv_sec, ts.tv_nsec), (i64::MAX, 999_999_999));
        }
    }

    #[test]
    fn negative_or_malformed_timespecs_are_range_errors() {
        for (tv_sec, tv_nsec) in [(-1, 0), (0, -1), (0, 1_000_000_000), (i64::MIN, 0)] {
            let e = duration_from_timespec(Timespec { tv_sec, tv_nsec }).unwrap_err();
            assert_eq!(e.raw_os_error(), 34); // ERANGE
        }
    }

    #[test]
    fn clock_ids_are_the_kernels() {
        assert_eq!(Clock::Realtime.id(), libc::CLOCK_REALTIME);
        assert_eq!(Clock::Monotonic.id(), libc::CLOCK_MONOTONIC);
        assert_eq!(Clock::Boottime.id(), libc::CLOCK_BOOTTIME);
        assert_eq!(Clock::RealtimeAlarm.id(), libc::CLOCK_REALTIME_ALARM);
        assert_eq!(Clock::BoottimeAlarm.id(), libc::CLOCK_BOOTTIME_ALARM);
    }
}
