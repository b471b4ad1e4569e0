//! [`PidFd`]: a process as a descriptor.

use crate::handle::handle_common;
use crate::signal::check_signal;
use crate::{Error, Fd, Result, sys};

/// `PIDFD_NONBLOCK` (= `O_NONBLOCK`).
const PIDFD_NONBLOCK: u32 = sys::O_NONBLOCK;

/// pidfd_open(2) — a stable reference to a process.
///
/// Unlike a bare pid, a pidfd can never come to mean another process: once
/// the process has exited, operations fail with `ESRCH` even if the number
/// is reused. The descriptor polls readable when the process exits.
///
/// Always close-on-exec; non-blocking unless made with
/// [`open_blocking`](PidFd::open_blocking) (which matters for `waitid` with
/// `P_PIDFD`). Nothing here allocates.
///
/// # Examples
///
/// ```
/// use iofd::PidFd;
///
/// let me = PidFd::open(iofd::getpid())?;
/// me.send_signal(0)?; // probe: we exist
/// assert_eq!(me.pid(), iofd::getpid());
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/pidfd_open.2.html>
#[derive(Debug)]
pub struct PidFd {
    fd: Fd,
    pid: i32,
}

handle_common!(PidFd);

impl PidFd {
    /// pidfd_open(2) with `PIDFD_NONBLOCK`.
    ///
    /// # Errors
    /// - `InvalidInput` if `pid <= 0` (no system call);
    /// - `ESRCH` (`Other`) if no such process exists;
    /// - `InvalidInput` from Linux 5.3 to 5.9, which lack `PIDFD_NONBLOCK`
    ///   (use [`open_blocking`](PidFd::open_blocking) there), and
    ///   `Unsupported` (`ENOSYS`) before 5.3; `EMFILE`/`ENFILE`.
    #[doc(alias = "pidfd_open")]
    pub fn open(pid: i32) -> Result<PidFd> {
        PidFd::open_with(pid, PIDFD_NONBLOCK)
    }

    /// pidfd_open(2) without `PIDFD_NONBLOCK`.
    ///
    /// # Errors
    /// As [`open`](PidFd::open).
    pub fn open_blocking(pid: i32) -> Result<PidFd> {
        PidFd::open_with(pid, 0)
    }

    fn open_with(pid: i32, flags: u32) -> Result<PidFd> {
        if pid <= 0 {
            return Err(Error::INVALID);
        }
        let fd = sys::pidfd_open(pid, flags)?;
        // SAFETY: the kernel just created `fd`; we are its only owner.
        let fd = unsafe { Fd::from_raw(fd) };
        Ok(PidFd { fd, pid })
    }

    /// Adopts `fd`, a pidfd made elsewhere (received with
    /// [`recv_fds`](crate::recv_fds), from [`Fd::from_raw`], or returned by
    /// `clone3` with `CLONE_PIDFD`), as a `PidFd` for process `pid`. No
    /// system call.
    ///
    /// The descriptor does not tell its pid without reading
    /// `/proc/self/fdinfo` (or, from Linux 6.13, an ioctl), so the caller
    /// names it: it is what [`pid`](PidFd::pid) reports. Signals and
    /// [`get_fd`](PidFd::get_fd) go through the descriptor, never the pid.
    ///
    /// # Safety
    /// - `fd` refers to a pidfd (pidfd_open(2), `CLONE_PIDFD` or
    ///   `SCM_PIDFD`) of the process whose id in the caller's pid
    ///   namespace is `pid`, or is closed (then every operation fails with
    ///   `Closed`).
    ///
    /// A `PidFd` promises what its descriptor is and which process it
    /// names; code holding one, including `unsafe` code written against
    /// this type, may rely on both. (This crate's own methods stay
    /// memory-safe on any descriptor, but a wrong `pid` would misreport
    /// the process to whoever acts on [`pid`](PidFd::pid).)
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{Fd, PidFd};
    ///
    /// let fd: Fd = PidFd::open(iofd::getpid())?.into();
    /// // SAFETY: `fd` is a pidfd of this process, made just above.
    /// let me = unsafe { PidFd::from_fd(fd, iofd::getpid()) };
    /// me.send_signal(0)?;
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    #[must_use]
    pub unsafe fn from_fd(fd: Fd, pid: i32) -> PidFd {
        PidFd { fd, pid }
    }

    /// The pid the descriptor was opened for.
    #[inline]
    #[must_use]
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// pidfd_send_signal(2) — sends `sig` to the process; `0` only checks
    /// that it is still alive.
    ///
    /// # Errors
    /// - `InvalidInput` if `sig` is not in `0..=64` (no system call);
    /// - `ESRCH` (`Other`) once the process has exited;
    /// - `PermissionDenied`; `Closed`.
    ///
    /// <https://man7.org/linux/man-pages/man2/pidfd_send_signal.2.html>
    #[doc(alias = "pidfd_send_signal")]
    #[inline]
    pub fn send_signal(&self, sig: i32) -> Result<()> {
        check_signal(sig)?;
        let g = self.fd.borrow()?;
        sys::pidfd_send_signal(g.borrowed(), sig)
    }

    /// pidfd_getfd(2) — duplicates descriptor `target_fd` of the process
    /// into this one, close-on-exec.
    ///
    /// Needs ptrace access to the target (`PTRACE_MODE_ATTACH_REALCREDS`:
    /// your own process, or a child under the default Yama policy).
    ///
    /// # Errors
    /// - `InvalidInput` if `target_fd < 0` (no system call);
    /// - `Closed` (`EBADF`) if the target has no such descriptor;
    /// - `PermissionDenied` without ptrace access; `ESRCH` (`Other`) once
    ///   the process has exited.
    ///
    /// <https://man7.org/linux/man-pages/man2/pidfd_getfd.2.html>
    #[doc(alias = "pidfd_getfd")]
    #[inline]
    pub fn get_fd(&self, target_fd: i32) -> Result<Fd> {
        if target_fd < 0 {
            return Err(Error::INVALID);
        }
        let g = self.fd.borrow()?;
        let fd = sys::pidfd_getfd(g.borrowed(), target_fd)?;
        // SAFETY: the kernel just created `fd` in our table; we own it.
        Ok(unsafe { Fd::from_raw(fd) })
    }
}
