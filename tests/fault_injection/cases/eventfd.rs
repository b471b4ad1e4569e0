//! `EventFd`.

use iofd::{EventFd, EventFdFlags};

use super::{Api, Skip, closed_for_good, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

pub const APIS: &[Api] = &[
    api("EventFd::new", &[EVENTFD2], new),
    api("EventFd::new_semaphore", &[EVENTFD2], new_semaphore),
    api("EventFd::with_flags", &[EVENTFD2], with_flags),
    api("EventFd::signal", &[WRITE], signal),
    api("EventFd::write", &[WRITE], write),
    api("EventFd::wait", &[READ], wait),
    api("EventFd::read", &[READ], read),
    Api {
        name: "EventFd::wait_blocking",
        issues: &[READ, PPOLL],
        skip: &[Skip {
            target: READ,
            errno: libc::EAGAIN,
            why: "wait_blocking answers WouldBlock by polling and reading \
                  again; a read failing with EAGAIN forever on a ready \
                  eventfd (a state the kernel never produces) makes it \
                  retry forever, as designed",
        }],
        run: wait_blocking,
    },
    Api {
        name: "EventFd::wait_timeout",
        issues: &[PPOLL, READ],
        skip: &[Skip {
            target: READ,
            errno: libc::EAGAIN,
            why: "as for wait_blocking: a read failing with EAGAIN forever on \
                  an eventfd that polls ready makes the wait poll and read \
                  again until its timeout, which ppoll never shortens here",
        }],
        run: wait_timeout,
    },
    api("EventFd::close", &[CLOSE], close),
    // The close wakes the wait in flight (a held guard stands in for it):
    // ppoll to see the counter is zero, then a write of 1. Neither failure
    // is reported: the close itself has succeeded, and is deferred.
    api(
        "EventFd::close with a wait in flight",
        &[PPOLL, WRITE],
        close_waking,
    ),
    api("drop(EventFd)", &[CLOSE], drop_eventfd),
];

const fn api(name: &'static str, issues: &'static [Target], run: fn(&mut Cx)) -> Api {
    Api {
        name,
        issues,
        skip: &[],
        run,
    }
}

fn new(cx: &mut Cx) {
    let r = cx.call(|| EventFd::new(0));
    cx.injected(r);
}

fn new_semaphore(cx: &mut Cx) {
    let r = cx.call(|| EventFd::new_semaphore(0));
    cx.injected(r);
}

fn with_flags(cx: &mut Cx) {
    let r = cx.call(|| EventFd::with_flags(0, EventFdFlags::CLOEXEC));
    cx.injected(r);
}

fn signal(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let raw = ev.raw();
    let r = cx.call(|| ev.signal(1));
    cx.injected(r);
    still_open(cx, &ev, raw);
}

fn write(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let raw = ev.raw();
    let r = cx.call(|| ev.write(&1_u64.to_ne_bytes()));
    cx.injected(r);
    still_open(cx, &ev, raw);
}

fn wait(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(1));
    let raw = ev.raw();
    let r = cx.call(|| ev.wait());
    cx.injected(r);
    still_open(cx, &ev, raw);
}

fn read(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(1));
    let raw = ev.raw();
    let r = cx.call(|| ev.read(&mut [0; 8]));
    cx.injected(r);
    still_open(cx, &ev, raw);
}

fn wait_blocking(cx: &mut Cx) {
    // A zero counter makes the first read fail with a real EAGAIN, so the
    // poll comes next; a ready counter makes the first read the last call.
    let initial = if cx.row() == Some(PPOLL) { 0 } else { 1 };
    let ev = cx.setup("eventfd", EventFd::new(initial));
    let raw = ev.raw();
    let r = cx.call(|| ev.wait_blocking());
    cx.injected(r);
    still_open(cx, &ev, raw);
}

fn wait_timeout(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(1));
    let raw = ev.raw();
    let r = cx.call(|| ev.wait_timeout(std::time::Duration::from_secs(5)));
    cx.injected(r);
    still_open(cx, &ev, raw);
}

fn close_waking(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let n = ev.raw();
    let waiter = cx.setup("borrow", ev.fd().borrow());
    let r = cx.call(|| ev.close());
    ensure!(cx, r.is_ok(), "a waking close returned {r:?}");
    ensure!(cx, !ev.is_valid(), "closing did not begin");
    drop(waiter);
    closed_for_good(cx, &ev, n, || ev.wait());
}

fn close(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let n = ev.raw();
    let r = cx.call(|| ev.close());
    cx.injected(r);
    closed_for_good(cx, &ev, n, || ev.wait());
}

fn drop_eventfd(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    cx.call(|| drop(ev));
}
