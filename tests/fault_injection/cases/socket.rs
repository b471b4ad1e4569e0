//! `socketpair`, `send_fds`, `recv_fds`.

use iofd::{EventFd, Fd, recv_fds, send_fds, socketpair};

use super::{Api, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

pub const APIS: &[Api] = &[
    api("iofd::socketpair", &[SOCKETPAIR], pair),
    api("iofd::send_fds", &[SENDMSG], send),
    api("iofd::recv_fds", &[RECVMSG], recv),
];

const fn api(name: &'static str, issues: &'static [Target], run: fn(&mut Cx)) -> Api {
    Api {
        name,
        issues,
        skip: &[],
        run,
    }
}

fn pair(cx: &mut Cx) {
    // `call` checks that no descriptor appeared: no half-made pair.
    let r = cx.call(socketpair);
    cx.injected(r);
}

fn send(cx: &mut Cx) {
    let (a, _b) = cx.setup("socketpair", socketpair());
    let ev = cx.setup("eventfd", EventFd::new(0));
    let (raw, ev_raw) = (a.raw(), ev.raw());
    let r = cx.call(|| send_fds(&a, b"x", &[ev.fd()]));
    cx.injected(r);
    still_open(cx, &a, raw);
    still_open(cx, &ev, ev_raw);
}

fn recv(cx: &mut Cx) {
    // A record with a descriptor is waiting, so a sweep receives it; a
    // failed recvmsg installs nothing (`call` compares the descriptors).
    let (a, b) = cx.setup("socketpair", socketpair());
    let ev = cx.setup("eventfd", EventFd::new(0));
    cx.setup("send_fds", send_fds(&a, b"x", &[ev.fd()]));
    let raw = b.raw();
    let mut buf = [0u8; 4];
    let mut fds: [Option<Fd>; 1] = [None];
    let r = cx.call(|| recv_fds(&b, &mut buf, &mut fds));
    cx.injected(r);
    still_open(cx, &b, raw);
    ensure!(cx, fds[0].is_none(), "a failed recv_fds filled a slot");
}
