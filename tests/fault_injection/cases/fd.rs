//! `Fd`, `pipe`, `Handle::close`, and the close paths: `close`, `Drop`,
//! and the close deferred to the last in-flight operation.

use iofd::{EventFd, Fd, Handle, MemFd};

use super::{Api, closed_for_good, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

pub const APIS: &[Api] = &[
    api("Fd::read", &[READ], read),
    api("Fd::write", &[WRITE], write),
    api("Fd::read_at", &[PREAD64], read_at),
    api("Fd::write_at", &[PWRITE64], write_at),
    api("io::Seek for Fd", &[LSEEK], seek),
    // F_GETFL, then F_SETFL when the flag changes (the scenario changes it).
    api(
        "Fd::set_nonblocking",
        &[FCNTL, FCNTL_SETFL],
        set_nonblocking,
    ),
    api("Fd::is_nonblocking", &[FCNTL], is_nonblocking),
    api("Fd::set_cloexec", &[FCNTL], set_cloexec),
    api("Fd::is_cloexec", &[FCNTL], is_cloexec),
    api("Fd::dup", &[FCNTL], dup),
    api("iofd::pipe", &[PIPE2], pipe),
    api("FdGuard::read", &[READ], guard_read),
    api("FdGuard::write", &[WRITE], guard_write),
    api("FdGuard::read_at", &[PREAD64], guard_read_at),
    api("FdGuard::write_at", &[PWRITE64], guard_write_at),
    api("Fd::close", &[CLOSE], close),
    api("Fd::close_owned", &[CLOSE], close_owned),
    api("Handle::close", &[CLOSE], handle_close),
    api("drop(Fd)", &[CLOSE], drop_fd),
    api(
        "drop(FdGuard) after Fd::close (deferred close)",
        &[CLOSE],
        deferred_close,
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

/// A pipe with bytes in it (so a read in a sweep succeeds).
fn pipe_with_data(cx: &Cx) -> (Fd, Fd) {
    let (rx, tx) = cx.setup("pipe", iofd::pipe());
    cx.setup("write", tx.write(b"ping"));
    (rx, tx)
}

/// A seekable descriptor: a memfd, as a plain `Fd`.
fn file(cx: &Cx) -> Fd {
    Fd::from(cx.setup("memfd", MemFd::new("fault")))
}

/// A descriptor on its own (an eventfd, as a plain `Fd`), so that the one
/// under test is the only `close` of a close scenario.
fn lone_fd(cx: &Cx) -> Fd {
    Fd::from(cx.setup("eventfd", EventFd::new(0)))
}

fn read(cx: &mut Cx) {
    let (rx, _tx) = pipe_with_data(cx);
    let raw = rx.raw();
    let r = cx.call(|| rx.read(&mut [0; 8]));
    cx.injected(r);
    still_open(cx, &rx, raw);
}

fn write(cx: &mut Cx) {
    let (_rx, tx) = cx.setup("pipe", iofd::pipe());
    let raw = tx.raw();
    let r = cx.call(|| tx.write(b"x"));
    cx.injected(r);
    still_open(cx, &tx, raw);
}

fn read_at(cx: &mut Cx) {
    let f = file(cx);
    let raw = f.raw();
    let r = cx.call(|| f.read_at(&mut [0; 8], 0));
    cx.injected(r);
    still_open(cx, &f, raw);
}

fn write_at(cx: &mut Cx) {
    let f = file(cx);
    let raw = f.raw();
    let r = cx.call(|| f.write_at(b"x", 0));
    cx.injected(r);
    still_open(cx, &f, raw);
}

fn seek(cx: &mut Cx) {
    use std::io::Seek;
    let mut f = file(cx);
    let raw = f.raw();
    let r = cx.call(|| f.seek(std::io::SeekFrom::End(0)));
    cx.injected(super::from_io(r));
    still_open(cx, &f, raw);
}

fn set_nonblocking(cx: &mut Cx) {
    // `pipe` makes O_NONBLOCK descriptors: clearing it needs both calls.
    let (rx, _tx) = cx.setup("pipe", iofd::pipe());
    let raw = rx.raw();
    let r = cx.call(|| rx.set_nonblocking(false));
    cx.injected(r);
    still_open(cx, &rx, raw);
}

fn is_nonblocking(cx: &mut Cx) {
    let (rx, _tx) = cx.setup("pipe", iofd::pipe());
    let raw = rx.raw();
    let r = cx.call(|| rx.is_nonblocking());
    cx.injected(r);
    still_open(cx, &rx, raw);
}

fn set_cloexec(cx: &mut Cx) {
    let (rx, _tx) = cx.setup("pipe", iofd::pipe());
    let raw = rx.raw();
    let r = cx.call(|| rx.set_cloexec(true));
    cx.injected(r);
    still_open(cx, &rx, raw);
}

fn is_cloexec(cx: &mut Cx) {
    let (rx, _tx) = cx.setup("pipe", iofd::pipe());
    let raw = rx.raw();
    let r = cx.call(|| rx.is_cloexec());
    cx.injected(r);
    still_open(cx, &rx, raw);
}

fn dup(cx: &mut Cx) {
    let (rx, _tx) = cx.setup("pipe", iofd::pipe());
    let raw = rx.raw();
    // `call` checks that no descriptor appeared: no half-made duplicate.
    let r = cx.call(|| rx.dup());
    cx.injected(r);
    still_open(cx, &rx, raw);
}

fn pipe(cx: &mut Cx) {
    let r = cx.call(iofd::pipe);
    cx.injected(r);
}

fn guard_read(cx: &mut Cx) {
    let (rx, _tx) = pipe_with_data(cx);
    let raw = rx.raw();
    let g = cx.setup("borrow", rx.borrow());
    let r = cx.call(|| g.read(&mut [0; 8]));
    cx.injected(r);
    drop(g);
    still_open(cx, &rx, raw);
}

fn guard_write(cx: &mut Cx) {
    let (_rx, tx) = cx.setup("pipe", iofd::pipe());
    let raw = tx.raw();
    let g = cx.setup("borrow", tx.borrow());
    let r = cx.call(|| g.write(b"x"));
    cx.injected(r);
    drop(g);
    still_open(cx, &tx, raw);
}

fn guard_read_at(cx: &mut Cx) {
    let f = file(cx);
    let raw = f.raw();
    let g = cx.setup("borrow", f.borrow());
    let r = cx.call(|| g.read_at(&mut [0; 8], 0));
    cx.injected(r);
    drop(g);
    still_open(cx, &f, raw);
}

fn guard_write_at(cx: &mut Cx) {
    let f = file(cx);
    let raw = f.raw();
    let g = cx.setup("borrow", f.borrow());
    let r = cx.call(|| g.write_at(b"x", 0));
    cx.injected(r);
    drop(g);
    still_open(cx, &f, raw);
}

fn close_owned(cx: &mut Cx) {
    // The by-value close reports the kernel's errno, and the descriptor is
    // gone either way (`call` checks the table).
    let fd = lone_fd(cx);
    let n = fd.raw();
    let r = cx.call(|| fd.close_owned());
    cx.injected(r);
    cx.forbid(iofd::raw::Sysno::close, n as u64);
}

fn close(cx: &mut Cx) {
    let fd = lone_fd(cx);
    let n = fd.raw();
    let r = cx.call(|| fd.close());
    cx.injected(r);
    closed_for_good(cx, &fd, n, || fd.read(&mut [0; 8]));
}

fn handle_close(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let n = ev.raw();
    let h: &dyn Handle = &ev;
    let r = cx.call(|| h.close());
    cx.injected(r);
    closed_for_good(cx, &ev, n, || ev.wait());
}

fn drop_fd(cx: &mut Cx) {
    // The error is dropped by design; what is checked is that `drop`
    // issues the close once (counting cells), does not panic, and leaves
    // the descriptor table as the filter left it.
    let fd = lone_fd(cx);
    cx.call(|| drop(fd));
}

fn deferred_close(cx: &mut Cx) {
    let fd = lone_fd(cx);
    let n = fd.raw();
    let guard = cx.setup("borrow", fd.borrow());
    let r = fd.close();
    ensure!(
        cx,
        r.is_ok() && fd.raw() == -1,
        "close with an operation in flight returned {r:?}, raw() {}; expected a deferred Ok and -1",
        fd.raw()
    );
    // The last guard issues the kernel close, and drops its result.
    cx.call(|| drop(guard));
    closed_for_good(cx, &fd, n, || fd.read(&mut [0; 8]));
}
