//! `PidFd`, and the process calls `getpid`, `gettid`,
//! `send_signal_to_thread`.

use std::time::Duration;

use iofd::{Events, PidFd, PollFd};

use super::{Api, Skip, closed_for_good, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

pub const APIS: &[Api] = &[
    api("PidFd::open", &[PIDFD_OPEN], open),
    api("PidFd::open_blocking", &[PIDFD_OPEN], open_blocking),
    api("PidFd::send_signal", &[PIDFD_SEND_SIGNAL], send_signal),
    api("PidFd::get_fd", &[PIDFD_GETFD], get_fd),
    Api {
        name: "PidFd::wait",
        // waitid, and while the child runs (EAGAIN on a non-blocking
        // pidfd) ppoll until it is readable, then waitid again.
        issues: &[WAITID, PPOLL],
        skip: &[Skip {
            target: WAITID,
            errno: libc::EAGAIN,
            why: "wait answers EAGAIN by polling for the exit and asking \
                  again; a waitid failing with EAGAIN forever on an exited \
                  child (a state the kernel never produces) makes it retry \
                  forever, as designed",
        }],
        run: wait,
    },
    // waitid with WNOHANG (a running child says "not yet"), then ppoll
    // for the rest of the timeout, then waitid again.
    api("PidFd::wait_timeout", &[WAITID, PPOLL], wait_timeout),
    api("PidFd::try_wait", &[WAITID], try_wait),
    api("PidFd::close", &[CLOSE], close),
    api("drop(PidFd)", &[CLOSE], drop_pidfd),
    api("iofd::getpid", &[GETPID], getpid),
    api("iofd::gettid", &[GETTID], gettid),
    api(
        "iofd::send_signal_to_thread",
        &[GETPID, TGKILL],
        send_signal_to_thread,
    ),
];

const fn api(name: &'static str, issues: &'static [Target], run: fn(&mut Cx)) -> Api {
    Api {
        name,
        issues,
        skip: &[],
        run,
    }
}

/// A pidfd of the child itself (its pid is read before any filter).
fn me(cx: &Cx) -> PidFd {
    cx.setup("pidfd_open", PidFd::open(iofd::getpid()))
}

fn open(cx: &mut Cx) {
    let pid = iofd::getpid();
    let r = cx.call(|| PidFd::open(pid));
    cx.injected(r);
}

fn open_blocking(cx: &mut Cx) {
    let pid = iofd::getpid();
    let r = cx.call(|| PidFd::open_blocking(pid));
    cx.injected(r);
}

fn send_signal(cx: &mut Cx) {
    let p = me(cx);
    let raw = p.raw();
    let r = cx.call(|| p.send_signal(0));
    cx.injected(r);
    still_open(cx, &p, raw);
}

fn get_fd(cx: &mut Cx) {
    let p = me(cx);
    let raw = p.raw();
    // `call` checks that no descriptor appeared.
    let r = cx.call(|| p.get_fd(raw));
    cx.injected(r);
    still_open(cx, &p, raw);
}

fn close(cx: &mut Cx) {
    let p = me(cx);
    let n = p.raw();
    let r = cx.call(|| p.close());
    cx.injected(r);
    closed_for_good(cx, &p, n, || p.send_signal(0));
}

fn drop_pidfd(cx: &mut Cx) {
    let p = me(cx);
    cx.call(|| drop(p));
}

/// getpid(2) cannot fail in the kernel, and `iofd::getpid` has no error
/// path: the raw return value comes back, so an injected error shows as
/// `-errno`, never as a plausible pid.
fn getpid(cx: &mut Cx) {
    let pid = cx.call(iofd::getpid);
    let errno = cx.errno();
    ensure!(
        cx,
        pid == -errno,
        "getpid() returned {pid} under an injected errno {errno}; expected -{errno}"
    );
}

/// As [`getpid`], for gettid(2).
fn gettid(cx: &mut Cx) {
    let tid = cx.call(iofd::gettid);
    let errno = cx.errno();
    ensure!(
        cx,
        tid == -errno,
        "gettid() returned {tid} under an injected errno {errno}; expected -{errno}"
    );
}

fn send_signal_to_thread(cx: &mut Cx) {
    let tid = iofd::gettid();
    // Both getpid(2) (for the thread-group id) and tgkill(2) report the
    // injected errno: a failed getpid is not passed on as a tgid.
    let r = cx.call(|| iofd::send_signal_to_thread(tid, 0));
    cx.injected(r);
}

/// A pidfd of a new child that exits with status 3: at once (and is
/// waited for until it has), or after 200 ms when `running`.
fn child(cx: &Cx, running: bool) -> PidFd {
    // SAFETY: the cell's process is single-threaded; the child only
    // sleeps and exits, both async-signal-safe.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        if running {
            // SAFETY: a plain sleep.
            unsafe { libc::usleep(200_000) };
        }
        // SAFETY: ends the child without running the parent's atexit.
        unsafe { libc::_exit(3) };
    }
    ensure!(cx, pid > 0, "setup: fork failed");
    let p = cx.setup("pidfd_open", PidFd::open(pid));
    if !running {
        let mut fds = [PollFd::new(&p, Events::IN)];
        cx.setup("poll", iofd::poll(&mut fds, Some(Duration::from_secs(10))));
    }
    p
}

fn wait(cx: &mut Cx) {
    // The waitid cells find the child exited: waitid is the one call. The
    // others (ppoll, and the sweep) find it running: waitid says EAGAIN,
    // then ppoll waits.
    let p = child(cx, cx.row() != Some(WAITID));
    let raw = p.raw();
    let r = cx.call(|| p.wait());
    cx.injected(r);
    still_open(cx, &p, raw);
}

fn wait_timeout(cx: &mut Cx) {
    let p = child(cx, cx.row() != Some(WAITID));
    let raw = p.raw();
    let r = cx.call(|| p.wait_timeout(Duration::from_secs(10)));
    cx.injected(r);
    still_open(cx, &p, raw);
}

fn try_wait(cx: &mut Cx) {
    let p = child(cx, false);
    let raw = p.raw();
    let r = cx.call(|| p.try_wait());
    cx.injected(r);
    still_open(cx, &p, raw);
}
