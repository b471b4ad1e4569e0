//! The public APIs of iofd, each with the system calls it issues and a
//! scenario that calls it once under a filter.
//!
//! Each scenario sets up its objects first (unfiltered), then hands the one
//! API call to [`Cx::call`], which installs the cell's filter around it,
//! then checks what the caller relies on after a failure. A scenario whose
//! API can take a path without the target call picks the path that issues
//! it when [`Cx::row`] names that target (and the path that completes
//! quickly in sweeps).

mod auxv;
mod epoll;
mod eventfd;
mod fd;
mod memfd;
mod nosys;
mod pidfd;
mod signal;
mod socket;
mod timerfd;

use std::fmt::Debug;

use iofd::Handle;
use iofd::raw::Sysno;

use crate::child::Cx;
use crate::syscalls::Target;

pub use nosys::NOSYS;

/// Fails the cell unless the condition holds.
macro_rules! ensure {
    ($cx:expr, $cond:expr, $($what:tt)+) => {
        $cx.ensure($cond, format_args!($($what)+))
    };
}
pub(crate) use ensure;

/// One public API.
pub struct Api {
    /// How a user writes it.
    pub name: &'static str,
    /// Every system call it issues on the scenario's paths: each is a row
    /// of the matrix, and the sweep forbids every other.
    pub issues: &'static [Target],
    /// Cells left out, with the reason.
    pub skip: &'static [Skip],
    /// The scenario.
    pub run: fn(&mut Cx),
}

/// A cell left out of the matrix.
pub struct Skip {
    pub target: Target,
    pub errno: i32,
    pub why: &'static str,
}

/// A path documented to make no system call, run with every call iofd
/// issues forbidden.
pub struct NoSys {
    pub name: &'static str,
    pub run: fn(&mut Cx),
}

/// Every public API that issues a system call.
pub fn apis() -> Vec<&'static Api> {
    [
        fd::APIS,
        eventfd::APIS,
        timerfd::APIS,
        pidfd::APIS,
        memfd::APIS,
        signal::APIS,
        epoll::APIS,
        socket::APIS,
        auxv::APIS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A failed operation leaves the handle open, with the same number.
pub fn still_open<H: Handle + ?Sized>(cx: &Cx, h: &H, raw: i32) {
    ensure!(
        cx,
        h.raw() == raw && h.is_valid(),
        "a failed operation changed the handle: raw() {} (was {raw})",
        h.raw()
    );
}

/// After a close that failed (or a deferred close whose result was
/// dropped), the handle is closed for good: `raw()` is -1, operations fail
/// with `Closed` without a system call, `close` again is `Ok`, and the
/// number `n` is never closed a second time (a close of `n` from here on,
/// including in the destructor, fails the cell).
pub fn closed_for_good<H, T, F>(cx: &Cx, h: &H, n: i32, op: F)
where
    H: Handle + ?Sized,
    T: Debug,
    F: FnOnce() -> iofd::Result<T>,
{
    ensure!(
        cx,
        h.raw() == -1 && !h.is_valid(),
        "after a failed close, raw() is {} (expected -1)",
        h.raw()
    );
    cx.forbid(Sysno::close, n as u64);
    cx.error_is(op(), libc::EBADF);
    let again = h.close();
    ensure!(
        cx,
        again.is_ok(),
        "close after a failed close returned {again:?}, expected Ok"
    );
}

/// An `io::Result` from a std trait implementation as the `iofd::Result`
/// it was converted from (the errno survives the conversion).
pub fn from_io<T>(r: std::io::Result<T>) -> iofd::Result<T> {
    r.map_err(|e| iofd::Error::from_raw_os_error(e.raw_os_error().expect("an errno")))
}
