//! clock: read `CLOCK_MONOTONIC` (clock_gettime(2)), which must not run
//! backwards from one iteration to the next.
//!
//! The floor is the system call itself. iofd, rustix, libc and std
//! (`Instant::now`) read the clock through the kernel's vDSO, in user
//! space, where there is one: natively, but not under valgrind (which
//! unmaps it) or qemu-user (which maps none).

use std::hint::black_box;
use std::time::{Duration, Instant};

use iofd::raw::{self, Sysno};

use super::arg;
use crate::Variant;

pub(crate) fn variants() -> Vec<Variant> {
    vec![floor(), iofd(), rustix(), libc(), std()]
}

/// `struct __kernel_timespec`, for the floor.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

/// Asserts that `now` is not before `last`, and keeps it.
fn advance<T: PartialOrd + std::fmt::Debug>(variant: &str, last: &mut T, now: T) {
    assert!(
        now >= *last,
        "clock/{variant}: {now:?} after {last:?}: the clock ran backwards"
    );
    *last = now;
}

fn floor() -> Variant {
    Variant::new("floor", (0i64, 0i64), |last| {
        let mut ts = Timespec::default();
        let clock = arg::int(black_box(libc::CLOCK_MONOTONIC));
        // SAFETY: `ts` is one writable timespec that nothing borrows.
        let r = unsafe { raw::syscall2(Sysno::clock_gettime, clock, arg::ptr_mut(&mut ts)) };
        assert_eq!(black_box(r), 0, "clock/floor: clock_gettime");
        advance("floor", last, (ts.sec, ts.nsec));
    })
}

fn iofd() -> Variant {
    Variant::new("iofd", Duration::ZERO, |last| {
        let clock = black_box(iofd::Clock::Monotonic);
        let now = iofd::clock_now(clock).expect("clock/iofd: clock_now");
        advance("iofd", last, black_box(now));
    })
}

fn rustix() -> Variant {
    use rustix::time::{ClockId, clock_gettime};

    Variant::new("rustix", (0i64, 0i64), |last| {
        let ts = clock_gettime(black_box(ClockId::Monotonic));
        advance("rustix", last, black_box((ts.tv_sec, ts.tv_nsec)));
    })
}

fn libc() -> Variant {
    // `time_t` and `long`: 32 bits on the 32-bit targets.
    let zero: (libc::time_t, libc::c_long) = (0, 0);
    Variant::new("libc", zero, |last| {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is one writable timespec that nothing borrows.
        let r = unsafe { libc::clock_gettime(black_box(libc::CLOCK_MONOTONIC), &mut ts) };
        assert_eq!(black_box(r), 0, "clock/libc: clock_gettime");
        advance("libc", last, (ts.tv_sec, ts.tv_nsec));
    })
}

fn std() -> Variant {
    Variant::new("std", Instant::now(), |last| {
        advance("std", last, black_box(Instant::now()));
    })
}
