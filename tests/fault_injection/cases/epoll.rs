//! `Epoll`.

use std::time::Duration;

use iofd::raw::Sysno;
use iofd::{Epoll, EpollEvent, EpollFlags, EventFd, Handle};

use super::{Api, closed_for_good, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

pub const APIS: &[Api] = &[
    // epoll_create1, the waker's eventfd2, its registration; a failure
    // after the first closes what was made (close is not filtered then).
    api("Epoll::new", &[EPOLL_CREATE1, EVENTFD2, EPOLL_CTL], new),
    api("Epoll::add", &[EPOLL_CTL], add),
    api("Epoll::modify", &[EPOLL_CTL], modify),
    api("Epoll::delete", &[EPOLL_CTL], delete),
    api("Epoll::wait (no timeout)", &[EPOLL_PWAIT], wait_forever),
    api(
        "Epoll::wait (whole milliseconds)",
        &[EPOLL_PWAIT],
        wait_millis,
    ),
    // The ENOSYS cell is the fallback: epoll_pwait2 missing, the wait
    // goes on through epoll_pwait and succeeds.
    api(
        "Epoll::wait (sub-millisecond)",
        &[EPOLL_PWAIT2],
        wait_sub_millis,
    ),
    // closing begins (close now: nothing in flight), then the waker's
    // eventfd write.
    api("Epoll::close", &[CLOSE, WRITE], close),
    api("Handle::close for Epoll", &[CLOSE, WRITE], handle_close),
    // After `close`, dropping closes what is left: the waker.
    api("drop(Epoll) after close", &[CLOSE], drop_after_close),
];

const fn api(name: &'static str, issues: &'static [Target], run: fn(&mut Cx)) -> Api {
    Api {
        name,
        issues,
        skip: &[],
        run,
    }
}

fn epoll(cx: &Cx) -> Epoll {
    cx.setup("Epoll::new", Epoll::new())
}

/// An epoll with a ready eventfd registered under token 7, so that a wait
/// returns at once.
fn ready(cx: &Cx) -> (Epoll, EventFd) {
    let ep = epoll(cx);
    let ev = cx.setup("eventfd", EventFd::new(1));
    cx.setup("add", ep.add(&ev, EpollFlags::IN, 7));
    (ep, ev)
}

fn new(cx: &mut Cx) {
    let r = cx.call(Epoll::new);
    cx.injected(r);
}

fn add(cx: &mut Cx) {
    let ep = epoll(cx);
    let ev = cx.setup("eventfd", EventFd::new(0));
    let (raw, ev_raw) = (ep.raw(), ev.raw());
    let r = cx.call(|| ep.add(&ev, EpollFlags::IN, 7));
    cx.injected(r);
    still_open(cx, &ep, raw);
    still_open(cx, &ev, ev_raw);
}

fn modify(cx: &mut Cx) {
    let (ep, ev) = ready(cx);
    let raw = ep.raw();
    let r = cx.call(|| ep.modify(&ev, EpollFlags::OUT, 8));
    cx.injected(r);
    still_open(cx, &ep, raw);
}

fn delete(cx: &mut Cx) {
    let (ep, ev) = ready(cx);
    let raw = ep.raw();
    let r = cx.call(|| ep.delete(&ev));
    cx.injected(r);
    still_open(cx, &ep, raw);
}

fn wait_with(cx: &mut Cx, timeout: Option<Duration>) {
    let (ep, _ev) = ready(cx);
    let raw = ep.raw();
    let mut events = [EpollEvent::default(); 4];
    let r = cx.call(|| ep.wait(&mut events, timeout));
    cx.injected(r);
    still_open(cx, &ep, raw);
}

fn wait_forever(cx: &mut Cx) {
    wait_with(cx, None);
}

fn wait_millis(cx: &mut Cx) {
    wait_with(cx, Some(Duration::from_millis(1000)));
}

fn wait_sub_millis(cx: &mut Cx) {
    let timeout = Some(Duration::from_micros(1500));
    let fallback = cx.row() == Some(EPOLL_PWAIT2) && !cx.counting() && cx.errno() == libc::ENOSYS;
    if !fallback {
        return wait_with(cx, timeout);
    }
    let (ep, _ev) = ready(cx);
    let raw = ep.raw();
    let mut events = [EpollEvent::default(); 4];
    let r = cx.call(|| ep.wait(&mut events, timeout));
    ensure!(
        cx,
        r == Ok(1) && events[0].token() == 7,
        "with epoll_pwait2 missing, the wait returned {r:?} ({:?}), expected the \
         ready eventfd through epoll_pwait",
        events[0]
    );
    // The answer is remembered: from now on an epoll_pwait2 on this epoll
    // ends the child, and the next sub-millisecond wait still succeeds.
    cx.forbid(Sysno::epoll_pwait2, raw as u64);
    let again = ep.wait(&mut events, timeout);
    ensure!(cx, again == Ok(1), "the second wait returned {again:?}");
    still_open(cx, &ep, raw);
}

fn close(cx: &mut Cx) {
    let ep = epoll(cx);
    close_with(cx, &ep, |ep| ep.close());
    // The waker closes when the `Epoll` drops: a call of its own (the
    // drop row), not this API's, so it is not counted here.
    std::mem::forget(ep);
}

fn handle_close(cx: &mut Cx) {
    let ep = epoll(cx);
    close_with(cx, &ep, |ep| {
        let h: &dyn Handle = ep;
        h.close()
    });
    std::mem::forget(ep); // as in `close`
}

/// Closes `ep` with `close` under the cell's filter. The close(2) cells
/// close with nothing in flight, so that close(2) is the call under test;
/// the others close with an operation in flight (as a waiting thread
/// would be), so the kernel close is deferred and the waker's write is
/// the call under test, with no descriptor vanishing meanwhile.
fn close_with(cx: &mut Cx, ep: &Epoll, close: fn(&Epoll) -> iofd::Result<()>) {
    let n = ep.raw();
    let in_flight = (cx.row() != Some(CLOSE)).then(|| cx.setup("borrow", ep.fd().borrow()));
    let r = cx.call(|| close(ep));
    cx.injected(r);
    // The last operation issues the deferred close.
    drop(in_flight);
    closed_for_good(cx, ep, n, || {
        ep.wait(&mut [EpollEvent::default(); 1], Some(Duration::ZERO))
    });
}

fn drop_after_close(cx: &mut Cx) {
    let ep = epoll(cx);
    cx.setup("close", ep.close());
    cx.call(|| drop(ep));
}
