//! `clock_now` and `page_size`.
//!
//! Their first call reads the auxiliary vector: openat, fstatfs (is it
//! procfs's?), read and close of `/proc/self/auxv`, then prctl
//! `PR_GET_AUXV` to check the vDSO address it names. No failure of those
//! calls reaches the caller: the page size falls back, and clocks are read
//! with clock_gettime instead of the vDSO. After it, natively, neither makes a system call (see
//! [`NOSYS`](super::NOSYS)); without a vDSO, `clock_now` is clock_gettime.
//!
//! Every child starts with the vector unread: the harness itself calls
//! neither function before it forks.

use std::time::Duration;

use iofd::Clock;
use iofd::raw::Sysno;

use super::{Api, ensure};
use crate::child::Cx;
use crate::syscalls::*;

/// What the first call issues natively, where the vDSO is found.
const FIRST_CALL: &[Target] = &[OPENAT, FSTATFS, READ, CLOSE, PRCTL];

pub const APIS: &[Api] = &[
    api("iofd::clock_now (first call)", FIRST_CALL, clock_now_first),
    api("iofd::page_size (first call)", FIRST_CALL, page_size_first),
    api(
        "iofd::clock_now (no vDSO)",
        &[CLOCK_GETTIME],
        clock_now_syscall,
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

/// Every clock there is.
const CLOCKS: [Clock; 5] = [
    Clock::Realtime,
    Clock::Monotonic,
    Clock::Boottime,
    Clock::RealtimeAlarm,
    Clock::BoottimeAlarm,
];

/// libc's `CLOCK_MONOTONIC` (the vDSO, natively: no system call).
fn libc_monotonic() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    assert_eq!(r, 0, "libc clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// `t` is a monotonic time read just now.
fn is_now(cx: &Cx, t: Duration) {
    let now = libc_monotonic();
    ensure!(
        cx,
        t <= now && now - t < Duration::from_secs(1),
        "clock_now said {t:?}, libc {now:?}"
    );
}

/// Runs `f`, a first call, as the API call.
///
/// On the close row, seccomp skips the failed close, which leaves its
/// descriptor open: a real close(2) never does that (Linux releases the
/// number even when close reports an error). So there the descriptor of
/// `/proc/self/auxv`, the lowest free number at the start, is closed right
/// after `f`, still inside the call, as the kernel would have.
fn first_call<T>(cx: &mut Cx, f: impl FnOnce() -> T) -> T {
    // SAFETY: dup(2) of standard input has no memory argument; the copy
    // is closed at once, leaving its number (the lowest free one) free.
    let next = unsafe { libc::dup(0) };
    assert!(next >= 0, "dup");
    // SAFETY: `next` is the copy just made, owned here.
    unsafe { libc::close(next) };
    let skipped_close = cx.row() == Some(CLOSE);
    cx.call(|| {
        let value = f();
        if skipped_close {
            let link = std::fs::read_link(format!("/proc/self/fd/{next}"));
            let ours = format!("/proc/{}/auxv", std::process::id());
            assert_eq!(link.ok(), Some(ours.into()), "the descriptor left open");
            // SAFETY: `next` is the descriptor of /proc/self/auxv that the
            // skipped close left; nothing uses it any more.
            let r = unsafe { libc::syscall(libc::SYS_close_range, next, next, 0) };
            assert_eq!(r, 0, "close_range");
        }
        value
    })
}

fn clock_now_first(cx: &mut Cx) {
    let r = first_call(cx, || iofd::clock_now(Clock::Monotonic));
    match r {
        Ok(t) => is_now(cx, t),
        Err(e) => cx.fail(format_args!("returned {e:?}, expected the time")),
    }
}

fn page_size_first(cx: &mut Cx) {
    let page = first_call(cx, iofd::page_size);
    // SAFETY: sysconf has no memory argument.
    let theirs = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    ensure!(
        cx,
        page as libc::c_long == theirs,
        "page_size {page}, sysconf {theirs}"
    );
}

/// With `/proc/self/auxv` gone during the first call, there is no vDSO
/// (prctl alone is not trusted with it): every later read is the system
/// call, whose errors come back.
fn clock_now_syscall(cx: &mut Cx) {
    cx.deny(Sysno::openat, libc::ENOENT);
    cx.setup("the first clock_now", iofd::clock_now(Clock::Monotonic));
    let r = cx.call(|| iofd::clock_now(Clock::Monotonic));
    cx.injected(r);
}

/// No-syscall path: after the first call, every clock reads through the
/// vDSO.
pub(super) fn clocks_through_the_vdso(cx: &mut Cx) {
    cx.setup("the first clock_now", iofd::clock_now(Clock::Monotonic));
    let got = cx.call(|| CLOCKS.map(iofd::clock_now));
    for (clock, r) in CLOCKS.iter().zip(got) {
        ensure!(cx, r.is_ok(), "clock_now({clock:?}) returned {r:?}");
    }
    cx.pass();
}

/// No-syscall path: after the first call, the page size is a load.
pub(super) fn page_size_again(cx: &mut Cx) {
    let first = iofd::page_size();
    let again = cx.call(iofd::page_size);
    ensure!(cx, again == first, "page_size {again}, then {first}");
    cx.pass();
}
