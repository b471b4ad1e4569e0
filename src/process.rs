//! The calling process and thread: [`getpid`], [`gettid`],
//! [`send_signal_to_thread`], [`exit`].

use crate::signal::check_signal;
use crate::{Error, Result, sys};

/// getpid(2) — the calling process's id (its thread-group id).
///
/// The kernel cannot fail this call; only a sandbox (a seccomp filter
/// returning an errno) can, and then the result is that `-errno`.
///
/// # Examples
///
/// ```
/// assert_eq!(iofd::getpid() as u32, std::process::id());
/// ```
///
/// <https://man7.org/linux/man-pages/man2/getpid.2.html>
#[inline]
#[must_use]
pub fn getpid() -> i32 {
    sys::getpid()
}

/// gettid(2) — the calling thread's id (equal to [`getpid`] on the main
/// thread).
///
/// As with [`getpid`], only a seccomp filter can make it fail, and then the
/// result is `-errno`.
///
/// <https://man7.org/linux/man-pages/man2/gettid.2.html>
#[inline]
#[must_use]
pub fn gettid() -> i32 {
    sys::gettid()
}

/// tgkill(2) — sends `sig` to thread `tid` of this process.
///
/// `sig` 0 sends nothing and only checks that the thread exists.
///
/// # Errors
/// - `InvalidInput` if `sig` is not in `0..=64` or `tid <= 0` (no system
///   call);
/// - `ESRCH` (`Other`) if this process has no thread `tid`;
/// - `PermissionDenied`.
///
/// # Examples
///
/// ```
/// // Signal 0 probes the thread without sending anything.
/// iofd::send_signal_to_thread(iofd::gettid(), 0)?;
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/tgkill.2.html>
#[doc(alias = "tgkill")]
pub fn send_signal_to_thread(tid: i32, sig: i32) -> Result<()> {
    check_signal(sig)?;
    if tid <= 0 {
        return Err(Error::INVALID);
    }
    // getpid(2) cannot fail in the kernel, but a seccomp filter can make
    // it return `-errno`; pass that on rather than use it as an id.
    let tgid = sys::getpid();
    if tgid < 0 {
        return Err(Error::from_raw_os_error(-tgid));
    }
    sys::tgkill(tgid, tid, sig)
}

/// exit_group(2) — ends the process with `status` at once.
///
/// No destructor runs, no buffer is flushed: this is the exit of a program
/// with no libc (and the end of `_start`). Programs with `std` should
/// prefer `std::process::exit`.
///
/// exit_group(2) can come back: a seccomp filter may refuse it
/// (`SECCOMP_RET_ERRNO`), or a tracer skip it. Then this function issues
/// the thread-level exit system call, which ends only the calling thread
/// (_exit(2): "the raw _exit() system call terminates only the calling
/// thread"): a single-threaded process still ends with `status`. In a
/// process with other threads, those keep running and the process lives on
/// until they end. If that call is refused too, the process gets `SIGILL`
/// (`SIGTRAP` on loongarch64) from a trap instruction. Either way this
/// function never returns.
///
/// <https://man7.org/linux/man-pages/man2/exit_group.2.html>,
/// <https://man7.org/linux/man-pages/man2/_exit.2.html>
#[doc(alias = "exit_group", alias = "_exit")]
pub fn exit(status: i32) -> ! {
    // Returns only if refused (or skipped); the error changes nothing.
    let _ = sys::exit_group(status);
    sys::exit(status)
}
