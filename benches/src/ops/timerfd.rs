//! timerfd: arm a one-shot timer 1 s ahead (timerfd_settime(2)), then read
//! back the time left (timerfd_gettime(2)), which must be in `(0, 1 s]`.
//!
//! The timer never expires during a run: every iteration re-arms it.

use std::hint::black_box;
use std::os::fd::AsRawFd;
use std::time::Duration;

use iofd::raw::{self, Sysno};

use super::{arg, owned_from_libc, owned_from_syscall};
use crate::Variant;

/// `TFD_NONBLOCK | TFD_CLOEXEC`, for the floor and libc.
const TFD_FLAGS: libc::c_int = libc::TFD_NONBLOCK | libc::TFD_CLOEXEC;

/// The one-shot delay every variant arms.
const SECOND: Duration = Duration::from_secs(1);

/// `struct __kernel_timespec`, for the floor.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct Timespec {
    sec: i64,
    nsec: i64,
}

/// `struct __kernel_itimerspec`, for the floor: interval, then value.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
struct Itimerspec {
    interval: Timespec,
    value: Timespec,
}

/// A one-shot expiry 1 s from now.
const ONE_SHOT: Itimerspec = Itimerspec {
    interval: Timespec { sec: 0, nsec: 0 },
    value: Timespec { sec: 1, nsec: 0 },
};

/// Whether `(sec, nsec)` as read back is a plausible time left: more than
/// zero, at most the second just armed.
/// Takes the `time_t` and `long` of the peers: 32 bits on 32-bit targets.
fn left_ok(sec: impl Into<i64>, nsec: impl Into<i64>) -> bool {
    let (sec, nsec) = (sec.into(), nsec.into());
    (sec == 0 && nsec > 0) || (sec == 1 && nsec == 0)
}

pub(crate) fn variants() -> Vec<Variant> {
    vec![floor(), iofd(), rustix(), libc(), nix()]
}

fn floor() -> Variant {
    let (clock, flags) = (arg::int(libc::CLOCK_MONOTONIC), arg::int(TFD_FLAGS));
    // SAFETY: timerfd_create takes no memory argument.
    let ret = unsafe { raw::syscall2_readonly(Sysno::timerfd_create, clock, flags) };
    let fd = owned_from_syscall("timerfd/floor: timerfd_create", ret);
    Variant::new("floor", fd, |fd| {
        let fd = arg::int(black_box(fd.as_raw_fd()));
        let new = black_box(ONE_SHOT);
        let (new, no_old) = (arg::ptr(&new), 0);
        // SAFETY: `fd` is this variant's open timerfd and `new` a valid
        // itimerspec the kernel reads; the old-value pointer is NULL, so
        // the call writes no memory.
        let set = unsafe { raw::syscall4_readonly(Sysno::timerfd_settime, fd, 0, new, no_old) };
        let mut cur = Itimerspec::default();
        // SAFETY: `cur` is one writable itimerspec that nothing borrows.
        let get = unsafe { raw::syscall2(Sysno::timerfd_gettime, fd, arg::ptr_mut(&mut cur)) };
        let (set, get) = (black_box(set), black_box(get));
        assert!(
            set == 0 && get == 0 && left_ok(cur.value.sec, cur.value.nsec),
            "timerfd/floor: settime {set:#x}, gettime {get:#x}, {cur:?}"
        );
    })
}

fn iofd() -> Variant {
    let timer = iofd::TimerFd::new().expect("timerfd/iofd: TimerFd::new");
    Variant::new("iofd", timer, |timer| {
        let timer = black_box(&*timer);
        timer
            .arm(black_box(SECOND), black_box(Duration::ZERO))
            .expect("timerfd/iofd: arm");
        let (left, interval) = black_box(timer.get_time().expect("timerfd/iofd: get_time"));
        assert!(
            !left.is_zero() && left <= SECOND && interval.is_zero(),
            "timerfd/iofd: get_time {left:?}, {interval:?}"
        );
    })
}

fn rustix() -> Variant {
    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_gettime, timerfd_settime,
    };

    let flags = TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC;
    let fd = timerfd_create(TimerfdClockId::Monotonic, flags).expect("timerfd/rustix: create");
    let one_shot = Itimerspec {
        it_interval: Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        },
    };
    Variant::new("rustix", fd, move |fd| {
        let fd = black_box(&*fd);
        // rustix always asks the kernel for the old value, and returns it.
        let old = timerfd_settime(fd, TimerfdTimerFlags::empty(), black_box(&one_shot))
            .expect("timerfd/rustix: settime");
        black_box(old);
        let cur = black_box(timerfd_gettime(fd).expect("timerfd/rustix: gettime"));
        assert!(
            left_ok(cur.it_value.tv_sec, cur.it_value.tv_nsec),
            "timerfd/rustix: gettime {cur:?}"
        );
    })
}

fn libc() -> Variant {
    // SAFETY: timerfd_create takes no pointer.
    let ret = unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, TFD_FLAGS) };
    let fd = owned_from_libc("timerfd/libc: timerfd_create", ret);
    let one_shot = libc::itimerspec {
        it_interval: libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: libc::timespec {
            tv_sec: 1,
            tv_nsec: 0,
        },
    };
    Variant::new("libc", fd, move |fd| {
        let fd = black_box(fd.as_raw_fd());
        let new = black_box(&one_shot);
        // SAFETY: `fd` is this variant's open timerfd and `new` a valid
        // itimerspec; a NULL old value is allowed.
        let set = unsafe { libc::timerfd_settime(fd, 0, new, std::ptr::null_mut()) };
        let mut cur = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
        };
        // SAFETY: `cur` is one writable itimerspec that nothing borrows.
        let get = unsafe { libc::timerfd_gettime(fd, &mut cur) };
        let (set, get) = (black_box(set), black_box(get));
        let (sec, nsec) = (cur.it_value.tv_sec, cur.it_value.tv_nsec);
        assert!(
            set == 0 && get == 0 && left_ok(sec, nsec),
            "timerfd/libc: settime {set}, gettime {get}, left {sec} s {nsec} ns"
        );
    })
}

fn nix() -> Variant {
    use nix::sys::time::TimeSpec;
    use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

    let flags = TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC;
    let timer = TimerFd::new(ClockId::CLOCK_MONOTONIC, flags).expect("timerfd/nix: TimerFd::new");
    Variant::new("nix", timer, |timer| {
        let timer = black_box(&*timer);
        let one_shot = Expiration::OneShot(TimeSpec::new(black_box(1), 0));
        timer
            .set(one_shot, TimerSetTimeFlags::empty())
            .expect("timerfd/nix: set");
        match black_box(timer.get().expect("timerfd/nix: get")) {
            Some(Expiration::OneShot(left)) if left_ok(left.tv_sec(), left.tv_nsec()) => {}
            other => panic!("timerfd/nix: get {other:?}"),
        }
    })
}
