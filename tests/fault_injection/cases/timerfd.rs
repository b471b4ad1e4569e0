//! `TimerFd` (`clock_now` is in `auxv.rs`).

use std::time::Duration;

use iofd::{Clock, TimerFd, TimerFdFlags};

use super::{Api, Skip, closed_for_good, still_open};
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
    api("TimerFd::close", &[CLOSE], close),
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
