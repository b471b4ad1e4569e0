//! `TimerFd` (`clock_now` is in `auxv.rs`).

use std::time::Duration;

use iofd::{Clock, TimerFd, TimerFdFlags};

use super::{Api, Skip, closed_for_good, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

pub const APIS: &[Api] = &[
    api("TimerFd::new", &[TIMERFD_CREATE], new),
    api("TimerFd::new_realtime", &[TIMERFD_CREATE], new_realtime),
    api("TimerFd::new_boottime", &[TIMERFD_CREATE], new_boottime),
    api("TimerFd::with_clock", &[TIMERFD_CREATE], with_clock),
    api("TimerFd::arm", &[TIMERFD_SETTIME], arm),
    api("TimerFd::arm_at", &[TIMERFD_SETTIME], arm_at),
    api("TimerFd::disarm", &[TIMERFD_SETTIME], disarm),
    api(
        "TimerFd::arm_at_cancel_on_set",
        &[TIMERFD_SETTIME],
        arm_at_cancel_on_set,
    ),
    api("TimerFd::arm_replacing", &[TIMERFD_SETTIME], arm_replacing),
    api("TimerFd::get_time", &[TIMERFD_GETTIME], get_time),
    api("TimerFd::expirations", &[READ], expirations),
    api("TimerFd::read", &[READ], read),
    Api {
        name: "TimerFd::wait_blocking",
        issues: &[READ, PPOLL],
        skip: &[Skip {
            target: READ,
            errno: libc::EAGAIN,
            why: "wait_blocking answers WouldBlock by polling and reading \
                  again; a read failing with EAGAIN forever on an expired \
                  timer (a state the kernel never produces) makes it retry \
                  forever, as designed",
        }],
        run: wait_blocking,
    },
    Api {
        name: "TimerFd::wait_timeout",
        issues: &[PPOLL, READ],
        skip: &[Skip {
            target: READ,
            errno: libc::EAGAIN,
            why: "as for wait_blocking: a read failing with EAGAIN forever on \
                  an expired timer makes the wait poll and read again until \
                  its timeout, which ppoll never shortens here",
        }],
        run: wait_timeout,
    },
    api("TimerFd::close", &[CLOSE], close),
    // The close wakes the wait in flight by arming the timer; a failure is
    // not reported (the close itself has succeeded, and is deferred).
    api(
        "TimerFd::close with a wait in flight",
        &[TIMERFD_SETTIME],
        close_waking,
    ),
    api("drop(TimerFd)", &[CLOSE], drop_timerfd),
];

const fn api(name: &'static str, issues: &'static [Target], run: fn(&mut Cx)) -> Api {
    Api {
        name,
        issues,
        skip: &[],
        run,
    }
}

fn timer(cx: &Cx) -> TimerFd {
    cx.setup("timerfd", TimerFd::new())
}

fn new(cx: &mut Cx) {
    let r = cx.call(TimerFd::new);
    cx.injected(r);
}

fn new_realtime(cx: &mut Cx) {
    let r = cx.call(TimerFd::new_realtime);
    cx.injected(r);
}

fn new_boottime(cx: &mut Cx) {
    let r = cx.call(TimerFd::new_boottime);
    cx.injected(r);
}

fn with_clock(cx: &mut Cx) {
    let r = cx.call(|| TimerFd::with_clock(Clock::Monotonic, TimerFdFlags::CLOEXEC));
    cx.injected(r);
}

fn arm(cx: &mut Cx) {
    let t = timer(cx);
    let raw = t.raw();
    let r = cx.call(|| t.arm(Duration::from_secs(60), Duration::ZERO));
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn arm_at(cx: &mut Cx) {
    let t = timer(cx);
    let raw = t.raw();
    let r = cx.call(|| t.arm_at(Duration::from_secs(1), Duration::ZERO));
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn arm_at_cancel_on_set(cx: &mut Cx) {
    let t = cx.setup("timerfd", TimerFd::new_realtime());
    let deadline =
        cx.setup("clock_now", iofd::clock_now(Clock::Realtime)) + Duration::from_secs(60);
    let raw = t.raw();
    let r = cx.call(|| t.arm_at_cancel_on_set(deadline, Duration::ZERO));
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn arm_replacing(cx: &mut Cx) {
    let t = timer(cx);
    cx.setup("arm", t.arm(Duration::from_secs(60), Duration::ZERO));
    let raw = t.raw();
    let r = cx.call(|| t.arm_replacing(Duration::from_secs(30), Duration::ZERO));
    cx.injected(r);
    still_open(cx, &t, raw);
    // The old setting stands: a failed swap changed nothing.
    let (remaining, _) = cx.setup("get_time", t.get_time());
    ensure!(
        cx,
        remaining > Duration::from_secs(50),
        "a failed arm_replacing changed the timer: {remaining:?} left"
    );
}

fn disarm(cx: &mut Cx) {
    let t = timer(cx);
    let raw = t.raw();
    let r = cx.call(|| t.disarm());
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn get_time(cx: &mut Cx) {
    let t = timer(cx);
    let raw = t.raw();
    let r = cx.call(|| t.get_time());
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn expirations(cx: &mut Cx) {
    let t = timer(cx);
    let raw = t.raw();
    let r = cx.call(|| t.expirations());
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn read(cx: &mut Cx) {
    let t = timer(cx);
    let raw = t.raw();
    let r = cx.call(|| t.read(&mut [0; 8]));
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn wait_blocking(cx: &mut Cx) {
    // Disarmed, the first read fails with a real EAGAIN and the poll comes
    // next; armed to expire at once, a sweep completes.
    let t = timer(cx);
    if cx.row() != Some(PPOLL) {
        cx.setup("arm", t.arm(Duration::from_nanos(1), Duration::ZERO));
    }
    let raw = t.raw();
    let r = cx.call(|| t.wait_blocking());
    cx.injected(r);
    still_open(cx, &t, raw);
}

fn wait_timeout(cx: &mut Cx) {
    let timer = cx.setup("timerfd", TimerFd::new());
    cx.setup("arm", timer.arm(Duration::from_nanos(1), Duration::ZERO));
    std::thread::sleep(Duration::from_millis(1));
    let raw = timer.raw();
    let r = cx.call(|| timer.wait_timeout(Duration::from_secs(5)));
    cx.injected(r);
    still_open(cx, &timer, raw);
}

fn close_waking(cx: &mut Cx) {
    let timer = cx.setup("timerfd", TimerFd::new());
    let n = timer.raw();
    let waiter = cx.setup("borrow", timer.fd().borrow());
    let r = cx.call(|| timer.close());
    ensure!(cx, r.is_ok(), "a waking close returned {r:?}");
    ensure!(cx, !timer.is_valid(), "closing did not begin");
    drop(waiter);
    closed_for_good(cx, &timer, n, || timer.expirations());
}

fn close(cx: &mut Cx) {
    let t = timer(cx);
    let n = t.raw();
    let r = cx.call(|| t.close());
    cx.injected(r);
    closed_for_good(cx, &t, n, || t.expirations());
}

fn drop_timerfd(cx: &mut Cx) {
    let t = timer(cx);
    cx.call(|| drop(t));
}
