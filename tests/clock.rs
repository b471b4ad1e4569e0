//! `clock_now` and `page_size` against libc, on every clock.
//!
//! Natively both read the kernel's vDSO; under qemu-user, which has none,
//! both make the clock_gettime system call.

use std::time::Duration;

use iofd::{Clock, ErrorKind, TimerFd, TimerFdFlags, clock_now};

const CLOCKS: [Clock; 5] = [
    Clock::Realtime,
    Clock::Monotonic,
    Clock::Boottime,
    Clock::RealtimeAlarm,
    Clock::BoottimeAlarm,
];

/// The clock libc reads for `clock`: an alarm clock's base clock.
fn libc_clock(clock: Clock) -> libc::clockid_t {
    match clock {
        Clock::Realtime | Clock::RealtimeAlarm => libc::CLOCK_REALTIME,
        Clock::Monotonic => libc::CLOCK_MONOTONIC,
        Clock::Boottime | Clock::BoottimeAlarm => libc::CLOCK_BOOTTIME,
        other => panic!("no libc clock for {other:?}"),
    }
}

fn libc_now(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write.
    assert_eq!(unsafe { libc::clock_gettime(clock, &mut ts) }, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[test]
fn every_clock_reads_between_two_libc_reads_of_it() {
    for clock in CLOCKS {
        for _ in 0..100 {
            let before = libc_now(libc_clock(clock));
            let ours = clock_now(clock).unwrap();
            let after = libc_now(libc_clock(clock));
            assert!(
                before <= ours && ours <= after,
                "{clock:?}: libc {before:?}, iofd {ours:?}, libc {after:?}"
            );
            assert!(after - before < Duration::from_millis(100), "{clock:?}");
        }
    }
}

#[test]
fn alarm_clocks_read_as_their_base_clocks() {
    // The kernel's clock_gettime of an alarm clock fails with EINVAL on a
    // machine without an RTC; the time of its timers is the base clock's.
    for (alarm, base) in [
        (Clock::RealtimeAlarm, Clock::Realtime),
        (Clock::BoottimeAlarm, Clock::Boottime),
    ] {
        let before = clock_now(base).unwrap();
        let now = clock_now(alarm).unwrap();
        let after = clock_now(base).unwrap();
        assert!(before <= now && now <= after, "{alarm:?}");
    }
}

#[test]
fn timers_on_the_alarm_clocks_fire_at_a_deadline_from_clock_now() {
    for clock in [Clock::RealtimeAlarm, Clock::BoottimeAlarm] {
        let timer = match TimerFd::with_clock(clock, TimerFdFlags::CLOEXEC) {
            Ok(timer) => timer,
            Err(e) => {
                // Alarm timers need CAP_WAKE_ALARM.
                assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{clock:?}");
                continue;
            }
        };
        let delay = Duration::from_millis(20);
        let deadline = clock_now(timer.clock()).unwrap() + delay;
        timer.arm_at(deadline, Duration::ZERO).unwrap();
        assert_eq!(timer.wait_blocking().unwrap(), 1, "{clock:?}");
        assert!(
            clock_now(clock).unwrap() >= deadline,
            "{clock:?} fired early"
        );
    }
}

#[test]
fn page_size_is_sysconfs() {
    // SAFETY: sysconf has no memory argument.
    let theirs = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    assert_eq!(iofd::page_size() as libc::c_long, theirs);
}
