//! `TimerFd` and `clock_now`: arming, expirations, and the clocks.
//!
//! Timing bounds are generous on purpose: these run under qemu and on
//! loaded machines. They check order and counts, not precision.

use std::thread::sleep;
use std::time::{Duration, Instant};

use iofd::{Clock, ErrorKind, Events, PollFd, TimerFd, TimerFdFlags, clock_now, poll};

const MS: Duration = Duration::from_millis(1);

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

#[test]
fn unarmed_timer_has_no_expirations() {
    let t = TimerFd::new().unwrap();
    assert_eq!(kind(t.expirations()), ErrorKind::WouldBlock);
    assert_eq!(t.get_time().unwrap(), (Duration::ZERO, Duration::ZERO));
}

#[test]
fn one_shot_fires_once() {
    let t = TimerFd::new().unwrap();
    t.arm(10 * MS, Duration::ZERO).unwrap();
    assert_eq!(t.wait_blocking().unwrap(), 1);
    sleep(30 * MS);
    assert_eq!(kind(t.expirations()), ErrorKind::WouldBlock, "fired again");
    assert_eq!(t.get_time().unwrap(), (Duration::ZERO, Duration::ZERO));
}

#[test]
fn does_not_fire_early() {
    let t = TimerFd::new().unwrap();
    let start = Instant::now();
    t.arm(50 * MS, Duration::ZERO).unwrap();
    assert_eq!(t.wait_blocking().unwrap(), 1);
    assert!(
        start.elapsed() >= 50 * MS,
        "fired after {:?}",
        start.elapsed()
    );
}

#[test]
fn periodic_timer_counts_missed_expirations() {
    let t = TimerFd::new().unwrap();
    t.arm(MS, 2 * MS).unwrap();
    sleep(50 * MS);
    let n = t.expirations().unwrap();
    assert!(n >= 3, "only {n} expirations in 50 ms at a 2 ms period");
    // It keeps going after the read.
    assert!(t.wait_blocking().unwrap() >= 1);
    let (_, interval) = t.get_time().unwrap();
    assert_eq!(interval, 2 * MS);
}

#[test]
fn get_time_shrinks_and_reports_the_interval() {
    let t = TimerFd::new().unwrap();
    t.arm(Duration::from_secs(10), Duration::from_secs(3))
        .unwrap();
    let (first, interval) = t.get_time().unwrap();
    assert_eq!(interval, Duration::from_secs(3));
    assert!(first <= Duration::from_secs(10) && first > Duration::from_secs(9));
    sleep(20 * MS);
    let (second, _) = t.get_time().unwrap();
    assert!(second < first, "{second:?} !< {first:?}");
}

#[test]
fn disarm_zeroes_and_clears() {
    let t = TimerFd::new().unwrap();
    t.arm(MS, MS).unwrap();
    sleep(10 * MS);
    t.disarm().unwrap();
    assert_eq!(t.get_time().unwrap(), (Duration::ZERO, Duration::ZERO));
    assert_eq!(
        kind(t.expirations()),
        ErrorKind::WouldBlock,
        "pending count cleared"
    );
    sleep(10 * MS);
    assert_eq!(
        kind(t.expirations()),
        ErrorKind::WouldBlock,
        "still running"
    );
}

#[test]
fn rearming_replaces_the_setting() {
    let t = TimerFd::new().unwrap();
    t.arm(MS, Duration::ZERO).unwrap();
    sleep(10 * MS);
    t.arm(Duration::from_secs(60), Duration::ZERO).unwrap();
    assert_eq!(
        kind(t.expirations()),
        ErrorKind::WouldBlock,
        "re-arming clears the count"
    );
    assert!(t.get_time().unwrap().0 > Duration::from_secs(59));
}

#[test]
fn zero_initial_expires_at_once_instead_of_disarming() {
    let t = TimerFd::new().unwrap();
    t.arm(Duration::ZERO, Duration::ZERO).unwrap();
    let mut fds = [PollFd::new(&t, Events::IN)];
    assert_eq!(poll(&mut fds, Some(Duration::from_secs(5))).unwrap(), 1);
    assert_eq!(t.expirations().unwrap(), 1);
}

#[test]
fn arm_at_a_deadline_on_the_timers_clock() {
    for t in [
        TimerFd::new().unwrap(),
        TimerFd::new_realtime().unwrap(),
        TimerFd::new_boottime().unwrap(),
    ] {
        let deadline = clock_now(t.clock()).unwrap() + 200 * MS;
        t.arm_at(deadline, Duration::ZERO).unwrap();
        assert_eq!(
            kind(t.expirations()),
            ErrorKind::WouldBlock,
            "{:?} fired early",
            t.clock()
        );
        assert_eq!(t.wait_blocking().unwrap(), 1);
        assert!(clock_now(t.clock()).unwrap() >= deadline);
    }
}

#[test]
fn arm_at_a_past_deadline_fires_at_once() {
    let t = TimerFd::new().unwrap();
    t.arm_at(Duration::from_nanos(1), Duration::ZERO).unwrap();
    assert_eq!(t.wait_blocking().unwrap(), 1);
    t.arm_at(Duration::ZERO, Duration::ZERO).unwrap();
    assert_eq!(t.wait_blocking().unwrap(), 1, "a zero deadline also fires");
}

#[test]
fn durations_beyond_i64_seconds_are_invalid() {
    let t = TimerFd::new().unwrap();
    let huge = Duration::new(i64::MAX as u64 + 1, 0);
    assert_eq!(kind(t.arm(huge, Duration::ZERO)), ErrorKind::InvalidInput);
    assert_eq!(kind(t.arm(MS, huge)), ErrorKind::InvalidInput);
    assert_eq!(
        kind(t.arm_at(Duration::MAX, Duration::ZERO)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        t.get_time().unwrap(),
        (Duration::ZERO, Duration::ZERO),
        "left disarmed"
    );
}

#[test]
fn read_needs_eight_bytes() {
    let t = TimerFd::new().unwrap();
    t.arm(Duration::ZERO, Duration::ZERO).unwrap();
    sleep(5 * MS);
    assert_eq!(kind(t.read(&mut [0u8; 7])), ErrorKind::InvalidInput);
    let mut buf = [0u8; 8];
    assert_eq!(t.read(&mut buf).unwrap(), 8);
    assert_eq!(u64::from_ne_bytes(buf), 1);
}

#[test]
fn clocks_and_flags() {
    assert_eq!(TimerFd::new().unwrap().clock(), Clock::Monotonic);
    assert_eq!(TimerFd::new_realtime().unwrap().clock(), Clock::Realtime);
    assert_eq!(TimerFd::new_boottime().unwrap().clock(), Clock::Boottime);
    let t = TimerFd::new().unwrap();
    assert!(t.fd().is_nonblocking().unwrap() && t.fd().is_cloexec().unwrap());
    let blocking = TimerFd::with_clock(Clock::Monotonic, TimerFdFlags::empty()).unwrap();
    assert!(!blocking.fd().is_nonblocking().unwrap());
    blocking.arm(5 * MS, Duration::ZERO).unwrap();
    assert_eq!(
        blocking.expirations().unwrap(),
        1,
        "a blocking timer waits in read"
    );
}

#[test]
fn clock_now_matches_the_system_clocks() {
    let ours = clock_now(Clock::Realtime).unwrap();
    let std_now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let diff = ours.abs_diff(std_now);
    assert!(diff < Duration::from_secs(5), "realtime is off by {diff:?}");

    let a = clock_now(Clock::Monotonic).unwrap();
    sleep(10 * MS);
    let b = clock_now(Clock::Monotonic).unwrap();
    assert!(b - a >= 10 * MS);
    assert!(
        clock_now(Clock::Boottime).unwrap() >= a,
        "boottime includes monotonic"
    );
}

#[test]
fn closed_timer_reports_closed() {
    let t = TimerFd::new().unwrap();
    t.close().unwrap();
    assert_eq!(kind(t.arm(MS, MS)), ErrorKind::Closed);
    assert_eq!(kind(t.arm_at(MS, MS)), ErrorKind::Closed);
    assert_eq!(kind(t.disarm()), ErrorKind::Closed);
    assert_eq!(kind(t.expirations()), ErrorKind::Closed);
    assert_eq!(kind(t.get_time()), ErrorKind::Closed);
    assert_eq!(kind(t.read(&mut [0; 8])), ErrorKind::Closed);
    assert_eq!(kind(t.wait_blocking()), ErrorKind::Closed);
}

/// clock_settime(CLOCK_REALTIME) to the clock's own current value, through
/// libc: the clock moves by the microseconds between the two calls, which
/// is enough for the kernel to see it set. `false` if not permitted.
fn set_realtime_to_itself() -> bool {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is valid for the one timespec written, then read.
    let r = unsafe {
        libc::clock_gettime(libc::CLOCK_REALTIME, &mut now);
        libc::clock_settime(libc::CLOCK_REALTIME, &now)
    };
    if r != 0 {
        let err = std::io::Error::last_os_error();
        assert_eq!(
            err.raw_os_error(),
            Some(libc::EPERM),
            "clock_settime: {err}"
        );
        return false;
    }
    true
}

#[test]
fn cancel_on_set_reports_a_clock_change() {
    let canceling = TimerFd::new_realtime().unwrap();
    let plain = TimerFd::new_realtime().unwrap();
    let deadline = clock_now(Clock::Realtime).unwrap() + Duration::from_secs(3600);
    canceling
        .arm_at_cancel_on_set(deadline, Duration::ZERO)
        .unwrap();
    plain.arm_at(deadline, Duration::ZERO).unwrap();
    assert_eq!(kind(canceling.expirations()), ErrorKind::WouldBlock);
    if !set_realtime_to_itself() {
        println!("skipped: clock_settime(CLOCK_REALTIME) is not permitted (EPERM) here");
        return;
    }
    let mut fds = [PollFd::new(&canceling, Events::IN)];
    assert_eq!(
        poll(&mut fds, Some(Duration::from_secs(5))).unwrap(),
        1,
        "the cancel wakes"
    );
    let err = canceling.expirations().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Canceled);
    assert_eq!(err.raw_os_error(), libc::ECANCELED);
    assert_eq!(
        std::io::Error::from(err).raw_os_error(),
        Some(libc::ECANCELED),
        "the errno survives the std conversion"
    );
    assert_eq!(
        kind(canceling.expirations()),
        ErrorKind::WouldBlock,
        "reported once"
    );
    assert!(
        canceling.get_time().unwrap().0 > Duration::from_secs(3000),
        "still armed"
    );
    assert_eq!(
        kind(plain.expirations()),
        ErrorKind::WouldBlock,
        "a plain timer is not canceled"
    );
}

#[test]
fn cancel_on_set_needs_a_realtime_clock() {
    let deadline = Duration::from_secs(1 << 40);
    for t in [TimerFd::new().unwrap(), TimerFd::new_boottime().unwrap()] {
        // The kernel would arm these without cancel-on-set and say nothing.
        assert_eq!(
            kind(t.arm_at_cancel_on_set(deadline, Duration::ZERO)),
            ErrorKind::InvalidInput,
            "{:?}",
            t.clock()
        );
        assert_eq!(
            t.get_time().unwrap(),
            (Duration::ZERO, Duration::ZERO),
            "left disarmed"
        );
    }
    let rt = TimerFd::new_realtime().unwrap();
    rt.arm_at_cancel_on_set(deadline, MS).unwrap();
    assert_eq!(rt.get_time().unwrap().1, MS);
}

#[test]
fn arm_replacing_returns_the_previous_setting() {
    let t = TimerFd::new().unwrap();
    let old = t.arm_replacing(Duration::from_secs(60), 5 * MS).unwrap();
    assert_eq!(old, (Duration::ZERO, Duration::ZERO), "it was disarmed");
    let (remaining, interval) = t
        .arm_replacing(Duration::from_secs(10), Duration::ZERO)
        .unwrap();
    assert!(remaining > Duration::from_secs(59) && remaining <= Duration::from_secs(60));
    assert_eq!(interval, 5 * MS);
    let now = t.get_time().unwrap();
    assert!(now.0 > Duration::from_secs(9) && now.0 <= Duration::from_secs(10));
    assert_eq!(now.1, Duration::ZERO);
    // Like `arm`, a zero initial value expires at once instead of disarming.
    t.arm_replacing(Duration::ZERO, Duration::ZERO).unwrap();
    let mut fds = [PollFd::new(&t, Events::IN)];
    assert_eq!(poll(&mut fds, Some(Duration::from_secs(5))).unwrap(), 1);
    assert_eq!(t.expirations().unwrap(), 1);
}

#[test]
fn from_fd_keeps_the_timer_and_reports_the_clock_given() {
    let t = TimerFd::new_realtime().unwrap();
    t.arm(Duration::from_secs(60), Duration::ZERO).unwrap();
    let fd = iofd::Fd::from(t);
    // SAFETY: `fd` is a realtime timerfd.
    let t = unsafe { TimerFd::from_fd(fd, Clock::Realtime) };
    assert_eq!(t.clock(), Clock::Realtime);
    assert!(
        t.get_time().unwrap().0 > Duration::from_secs(59),
        "still armed"
    );
}
