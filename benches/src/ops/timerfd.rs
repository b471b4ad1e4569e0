//! timerfd: arm a one-shot timer 1 s ahead (timerfd_settime(2)), then read
//! back the time left (timerfd_gettime(2)), which must be in `(0, 1 s]`.
//!
//! The timer never expires during a run: every iteration re-arms it.

use std::hint::black_box;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Duration;

use iofd::TimerFd;
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
/// zero, at most the second just armed. Every variant checks this one
/// thing, on the fields its library returns, so the checks cost the same.
/// Takes the `time_t` and `long` of the peers: 32 bits on 32-bit targets.
#[inline(always)]
fn left_ok(sec: impl Into<i64>, nsec: impl Into<i64>) -> bool {
    let (sec, nsec) = (sec.into(), nsec.into());
    (sec == 0 && nsec > 0) || (sec == 1 && nsec == 0)
}

/// [`left_ok`] for a `Duration`.
#[inline(always)]
fn left_ok_duration(left: Duration) -> bool {
    let (sec, nsec) = (left.as_secs(), left.subsec_nanos());
    (sec == 0 && nsec > 0) || (sec == 1 && nsec == 0)
}

pub(crate) fn variants() -> Vec<Variant> {
    vec![
        floor(),
        iofd(),
        rustix(),
        libc(),
        nix(),
        Variant::call("floor", raw_timerfd("timerfd/call/floor"), |fd| {
            floor_arm_get(fd)
        }),
        Variant::call("iofd", iofd_timerfd("timerfd/call/iofd"), |timer| {
            iofd_arm_get(timer)
        }),
        Variant::call("rustix", rustix_timerfd("timerfd/call/rustix"), |fd| {
            rustix_arm_get(fd)
        }),
        Variant::call("libc", libc_timerfd("timerfd/call/libc"), |fd| {
            libc_arm_get(fd)
        }),
    ]
}

/// A non-blocking `CLOCK_MONOTONIC` timerfd created through `iofd::raw`.
fn raw_timerfd(what: &str) -> OwnedFd {
    let (clock, flags) = (arg::int(libc::CLOCK_MONOTONIC), arg::int(TFD_FLAGS));
    // SAFETY: timerfd_create takes no memory argument.
    let ret = unsafe { raw::syscall2_readonly(Sysno::timerfd_create, clock, flags) };
    owned_from_syscall(what, ret)
}

fn iofd_timerfd(what: &str) -> TimerFd {
    TimerFd::new().unwrap_or_else(|e| panic!("{what}: TimerFd::new: {e}"))
}

fn rustix_timerfd(what: &str) -> OwnedFd {
    use rustix::time::{TimerfdClockId, TimerfdFlags, timerfd_create};

    let flags = TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC;
    timerfd_create(TimerfdClockId::Monotonic, flags)
        .unwrap_or_else(|e| panic!("{what}: timerfd_create: {e}"))
}

/// A non-blocking `CLOCK_MONOTONIC` timerfd created with libc.
fn libc_timerfd(what: &str) -> OwnedFd {
    // SAFETY: timerfd_create takes no pointer.
    owned_from_libc(what, unsafe {
        libc::timerfd_create(libc::CLOCK_MONOTONIC, TFD_FLAGS)
    })
}

/// An all-zero `libc::itimerspec`.
fn libc_zero() -> libc::itimerspec {
    let zero = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    libc::itimerspec {
        it_interval: zero,
        it_value: zero,
    }
}

fn floor() -> Variant {
    Variant::new("floor", raw_timerfd("timerfd/floor"), |fd| {
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
    Variant::new("iofd", iofd_timerfd("timerfd/iofd"), |timer| {
        let timer = black_box(&*timer);
        timer
            .arm(black_box(SECOND), black_box(Duration::ZERO))
            .expect("timerfd/iofd: arm");
        let (left, _interval) = black_box(timer.get_time().expect("timerfd/iofd: get_time"));
        assert!(left_ok_duration(left), "timerfd/iofd: get_time {left:?}");
    })
}

fn rustix() -> Variant {
    use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec, timerfd_gettime, timerfd_settime};

    let fd = rustix_timerfd("timerfd/rustix");
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
    let mut one_shot = libc_zero();
    one_shot.it_value.tv_sec = 1;
    Variant::new("libc", libc_timerfd("timerfd/libc"), move |fd| {
        let fd = black_box(fd.as_raw_fd());
        let new = black_box(&one_shot);
        // SAFETY: `fd` is this variant's open timerfd and `new` a valid
        // itimerspec; a NULL old value is allowed.
        let set = unsafe { libc::timerfd_settime(fd, 0, new, std::ptr::null_mut()) };
        let mut cur = libc_zero();
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

/// The floor's arm + read-back in a function of its own.
#[inline(never)]
fn floor_arm_get(fd: &OwnedFd) {
    let fd = arg::int(fd.as_raw_fd());
    let (new, no_old) = (arg::ptr(&ONE_SHOT), 0);
    // SAFETY: `fd` is an open timerfd the caller owns and `new` a valid
    // itimerspec the kernel reads; the old-value pointer is NULL, so the
    // call writes no memory.
    let set = unsafe { raw::syscall4_readonly(Sysno::timerfd_settime, fd, 0, new, no_old) };
    let mut cur = Itimerspec::default();
    // SAFETY: `cur` is one writable itimerspec that nothing borrows.
    let get = unsafe { raw::syscall2(Sysno::timerfd_gettime, fd, arg::ptr_mut(&mut cur)) };
    assert!(
        set == 0 && get == 0 && left_ok(cur.value.sec, cur.value.nsec),
        "timerfd/call/floor: settime or gettime failed, or time left out of range"
    );
}

/// iofd's arm + read-back, as a user writes it.
#[inline(never)]
fn iofd_arm_get(timer: &TimerFd) {
    timer
        .arm(Duration::from_secs(1), Duration::ZERO)
        .expect("timerfd/call/iofd: arm");
    let (left, _interval) = timer.get_time().expect("timerfd/call/iofd: get_time");
    assert!(
        left_ok_duration(left),
        "timerfd/call/iofd: time left out of range"
    );
}

/// rustix's arm (which also reads back the old setting) + read-back.
#[inline(never)]
fn rustix_arm_get(fd: &OwnedFd) {
    use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec, timerfd_gettime, timerfd_settime};

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
    timerfd_settime(fd, TimerfdTimerFlags::empty(), &one_shot)
        .expect("timerfd/call/rustix: settime");
    let cur = timerfd_gettime(fd).expect("timerfd/call/rustix: gettime");
    assert!(
        left_ok(cur.it_value.tv_sec, cur.it_value.tv_nsec),
        "timerfd/call/rustix: time left out of range"
    );
}

/// libc's arm + read-back.
#[inline(never)]
fn libc_arm_get(fd: &OwnedFd) {
    let fd = fd.as_raw_fd();
    let mut one_shot = libc_zero();
    one_shot.it_value.tv_sec = 1;
    // SAFETY: `fd` is an open timerfd the caller owns and `one_shot` a
    // valid itimerspec; a NULL old value is allowed.
    let set = unsafe { libc::timerfd_settime(fd, 0, &one_shot, std::ptr::null_mut()) };
    let mut cur = libc_zero();
    // SAFETY: `cur` is one writable itimerspec that nothing borrows.
    let get = unsafe { libc::timerfd_gettime(fd, &mut cur) };
    let (sec, nsec) = (cur.it_value.tv_sec, cur.it_value.tv_nsec);
    assert!(
        set == 0 && get == 0 && left_ok(sec, nsec),
        "timerfd/call/libc: settime or gettime failed, or time left out of range"
    );
}

/// deadline: read `CLOCK_MONOTONIC` and arm a timerfd for one second after
/// it (`TFD_TIMER_ABSTIME`): the `arm_at(clock_now(..)? + d)` a timer
/// wheel does for every deadline. The floor reads the clock with the
/// system call, the others through the vDSO, so each one's difference
/// from the floor is what its clock read saves (less what it adds).
///
/// The timer never expires during a run: every iteration moves the
/// deadline a second past the clock. Measured per call only: the shape of
/// code that computes a deadline and arms a timer with it.
pub(crate) fn deadline_variants() -> Vec<Variant> {
    vec![
        Variant::call("floor", raw_timerfd("deadline/call/floor"), |fd| {
            floor_deadline(fd, SECOND)
        }),
        Variant::call("iofd", iofd_timerfd("deadline/call/iofd"), |timer| {
            iofd_deadline(timer, SECOND)
        }),
        Variant::call("rustix", rustix_timerfd("deadline/call/rustix"), |fd| {
            rustix_deadline(fd, SECOND)
        }),
        Variant::call("libc", libc_timerfd("deadline/call/libc"), |fd| {
            libc_deadline(fd, SECOND)
        }),
    ]
}

/// The floor's deadline: clock_gettime(2) and timerfd_settime(2), both
/// system calls.
#[inline(never)]
fn floor_deadline(fd: &OwnedFd, d: Duration) {
    let mut now = Timespec::default();
    let clock = arg::int(libc::CLOCK_MONOTONIC);
    // SAFETY: `now` is one writable timespec that nothing borrows.
    let got = unsafe { raw::syscall2(Sysno::clock_gettime, clock, arg::ptr_mut(&mut now)) };
    // `d` is whole seconds, so the sum stays normalised.
    let at = Itimerspec {
        interval: Timespec::default(),
        value: Timespec {
            sec: now.sec + d.as_secs() as i64,
            nsec: now.nsec,
        },
    };
    let (fd, flags) = (arg::int(fd.as_raw_fd()), arg::int(libc::TFD_TIMER_ABSTIME));
    // SAFETY: `fd` is an open timerfd the caller owns and `at` a valid
    // itimerspec the kernel reads; the old-value pointer is NULL, so the
    // call writes no memory.
    let set =
        unsafe { raw::syscall4_readonly(Sysno::timerfd_settime, fd, flags, arg::ptr(&at), 0) };
    assert!(
        got == 0 && set == 0,
        "deadline/call/floor: clock_gettime or timerfd_settime failed"
    );
}

/// iofd's deadline, as the docs of `TimerFd::arm_at` write it.
#[inline(never)]
fn iofd_deadline(timer: &TimerFd, d: Duration) {
    let now = iofd::clock_now(timer.clock()).expect("deadline/call/iofd: clock_now");
    timer
        .arm_at(now + d, Duration::ZERO)
        .expect("deadline/call/iofd: arm_at");
}

/// rustix's deadline (its settime also reads back the old setting).
#[inline(never)]
fn rustix_deadline(fd: &OwnedFd, d: Duration) {
    use rustix::time::{
        ClockId, Itimerspec, TimerfdTimerFlags, Timespec, clock_gettime, timerfd_settime,
    };

    let now = clock_gettime(ClockId::Monotonic);
    let at = Itimerspec {
        it_interval: Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: Timespec {
            tv_sec: now.tv_sec + d.as_secs() as i64,
            tv_nsec: now.tv_nsec,
        },
    };
    timerfd_settime(fd, TimerfdTimerFlags::ABSTIME, &at).expect("deadline/call/rustix: settime");
}

/// libc's deadline.
#[inline(never)]
fn libc_deadline(fd: &OwnedFd, d: Duration) {
    let mut at = libc_zero();
    // SAFETY: `it_value` is one writable timespec that nothing borrows.
    let got = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut at.it_value) };
    // `time_t`: 32 bits on the 32-bit targets, where `d` (1 s) still fits.
    at.it_value.tv_sec += d.as_secs() as libc::time_t;
    // SAFETY: `fd` is an open timerfd the caller owns and `at` a valid
    // itimerspec; a NULL old value is allowed.
    let set = unsafe {
        libc::timerfd_settime(
            fd.as_raw_fd(),
            libc::TFD_TIMER_ABSTIME,
            &at,
            std::ptr::null_mut(),
        )
    };
    assert!(
        got == 0 && set == 0,
        "deadline/call/libc: clock_gettime or timerfd_settime failed"
    );
}
