//! The signal mask, `SignalFd`, and `poll`.

use std::time::Duration;

use iofd::{
    EventFd, Events, PollFd, SIGUSR1, SIGUSR2, SigSet, SignalFd, SignalFdFlags, SignalInfo,
};

use super::{Api, closed_for_good, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

pub const APIS: &[Api] = &[
    api("iofd::block_signals", &[RT_SIGPROCMASK], block_signals),
    api("iofd::unblock_signals", &[RT_SIGPROCMASK], unblock_signals),
    api("iofd::set_signal_mask", &[RT_SIGPROCMASK], set_signal_mask),
    api("iofd::signal_mask", &[RT_SIGPROCMASK], signal_mask),
    api("SignalFd::new", &[SIGNALFD4], new),
    api("SignalFd::with_flags", &[SIGNALFD4], with_flags),
    api("SignalFd::set_mask", &[SIGNALFD4], set_mask),
    api("SignalFd::read", &[READ], read),
    api("SignalFd::read_into", &[READ], read_into),
    api("SignalFd::read_many", &[READ], read_many),
    api("SignalFd::close", &[CLOSE], close),
    api("drop(SignalFd)", &[CLOSE], drop_signalfd),
    api("iofd::poll", &[PPOLL], poll),
    api("iofd::poll_with_mask", &[PPOLL], poll_with_mask),
];

const fn api(name: &'static str, issues: &'static [Target], run: fn(&mut Cx)) -> Api {
    Api {
        name,
        issues,
        skip: &[],
        run,
    }
}

fn set_of(cx: &Cx, sig: i32) -> SigSet {
    let mut set = SigSet::empty();
    cx.setup("SigSet::add", set.add(sig));
    set
}

fn signalfd(cx: &Cx) -> SignalFd {
    let set = set_of(cx, SIGUSR2);
    cx.setup("signalfd4", SignalFd::new(&set))
}

fn block_signals(cx: &mut Cx) {
    let set = set_of(cx, SIGUSR2);
    let r = cx.call(|| iofd::block_signals(&set));
    cx.injected(r);
}

fn unblock_signals(cx: &mut Cx) {
    let set = set_of(cx, SIGUSR2);
    let r = cx.call(|| iofd::unblock_signals(&set));
    cx.injected(r);
}

fn set_signal_mask(cx: &mut Cx) {
    let set = set_of(cx, SIGUSR2);
    let r = cx.call(|| iofd::set_signal_mask(&set));
    cx.injected(r);
}

fn signal_mask(cx: &mut Cx) {
    let r = cx.call(iofd::signal_mask);
    cx.injected(r);
}

fn new(cx: &mut Cx) {
    let set = set_of(cx, SIGUSR2);
    let r = cx.call(|| SignalFd::new(&set));
    cx.injected(r);
}

fn with_flags(cx: &mut Cx) {
    let set = set_of(cx, SIGUSR2);
    let r = cx.call(|| SignalFd::with_flags(&set, SignalFdFlags::CLOEXEC));
    cx.injected(r);
}

fn set_mask(cx: &mut Cx) {
    let s = signalfd(cx);
    let before = s.mask();
    let other = set_of(cx, SIGUSR1);
    let raw = s.raw();
    let r = cx.call(|| s.set_mask(&other));
    cx.injected(r);
    still_open(cx, &s, raw);
    ensure!(
        cx,
        s.mask() == before,
        "a failed set_mask changed mask() to {:?} (was {before:?})",
        s.mask()
    );
    if !cx.counting() {
        // The failed call withdrew its mask and left nothing behind: a
        // second attempt fails the same way.
        let again = s.set_mask(&other);
        cx.injected(again);
    }
}

fn read(cx: &mut Cx) {
    let s = signalfd(cx);
    let raw = s.raw();
    let r = cx.call(|| s.read());
    cx.injected(r);
    still_open(cx, &s, raw);
}

fn read_into(cx: &mut Cx) {
    let s = signalfd(cx);
    let raw = s.raw();
    let mut info = SignalInfo::zeroed();
    let r = cx.call(|| s.read_into(&mut info));
    cx.injected(r);
    still_open(cx, &s, raw);
    ensure!(
        cx,
        info == SignalInfo::zeroed(),
        "a failed read_into changed the record"
    );
}

fn read_many(cx: &mut Cx) {
    let s = signalfd(cx);
    let raw = s.raw();
    let mut infos = [SignalInfo::zeroed(); 4];
    let r = cx.call(|| s.read_many(&mut infos));
    cx.injected(r);
    still_open(cx, &s, raw);
    ensure!(
        cx,
        infos.iter().all(|i| *i == SignalInfo::zeroed()),
        "a failed read_many changed the records"
    );
}

fn close(cx: &mut Cx) {
    let s = signalfd(cx);
    let n = s.raw();
    let r = cx.call(|| s.close());
    cx.injected(r);
    closed_for_good(cx, &s, n, || s.read());
}

fn drop_signalfd(cx: &mut Cx) {
    let s = signalfd(cx);
    cx.call(|| drop(s));
}

fn poll_with_mask(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(1));
    let mask = cx.setup("signal_mask", iofd::signal_mask());
    let mut fds = [PollFd::new(&ev, Events::IN)];
    let r = cx.call(|| iofd::poll_with_mask(&mut fds, Some(Duration::ZERO), &mask));
    cx.injected(r);
}

fn poll(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(1));
    let mut fds = [PollFd::new(&ev, Events::IN)];
    let r = cx.call(|| iofd::poll(&mut fds, Some(Duration::ZERO)));
    cx.injected(r);
}
