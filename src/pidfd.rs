//! [`PidFd`]: a process as a descriptor.

use core::time::Duration;

use crate::handle::handle_common;
use crate::poll::timeout_timespec;
use crate::signal::check_signal;
use crate::{Error, ErrorKind, ExitStatus, Fd, Result, sys};

/// `PIDFD_NONBLOCK` (= `O_NONBLOCK`).
const PIDFD_NONBLOCK: u32 = sys::O_NONBLOCK;

/// `POLLIN`: how a pidfd reports that its process has exited.
const POLLIN: i16 = 0x001;

/// pidfd_open(2) — a stable reference to a process.
///
/// Unlike a bare pid, a pidfd can never come to mean another process: once
/// the process is gone (exited and reaped), operations fail with `ESRCH`
/// even if the number is reused. The descriptor polls readable when the
/// process exits. For a child of this process, [`wait`](PidFd::wait) and
/// [`try_wait`](PidFd::try_wait) tell how it ended, and reap it.
///
/// Always close-on-exec; non-blocking unless made with
/// [`open_blocking`](PidFd::open_blocking) (then [`wait`](PidFd::wait)
/// blocks in the kernel rather than in ppoll(2); both wait alike). Nothing
/// here allocates.
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
    /// A process that has exited but is not yet reaped (a zombie) still
    /// accepts signals, which it ignores: the kernel finds the task until
    /// its parent reaps it (kernel/signal.c, `kill_pid_info_type`).
    ///
    /// # Errors
    /// - `InvalidInput` if `sig` is not in `0..=64` (no system call);
    /// - `ESRCH` (`Other`) once the process is gone: exited and reaped
    ///   (by [`wait`](PidFd::wait), by `waitpid`, or at once if its parent
    ///   ignores `SIGCHLD`);
    /// - `PermissionDenied`; `Closed`.
    ///
    /// <https://man7.org/linux/man-pages/man2/pidfd_send_signal.2.html>
    #[doc(alias = "pidfd_send_signal")]
    #[inline]
    pub fn send_signal(&self, sig: i32) -> Result<()> {
        check_signal(sig)?;
        let g = self.fd.guard()?;
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
        let g = self.fd.guard()?;
        let fd = sys::pidfd_getfd(g.borrowed(), target_fd)?;
        // SAFETY: the kernel just created `fd` in our table; we own it.
        Ok(unsafe { Fd::from_raw(fd) })
    }

    /// waitid(2) `P_PIDFD` — waits until the child exits, reaps it, and
    /// returns how it ended.
    ///
    /// Works on a non-blocking pidfd too: there waitid(2) answers `EAGAIN`
    /// while the child runs, so this waits for the pidfd to turn readable
    /// with ppoll(2) and asks again, holding the descriptor open (counted
    /// in as an operation) throughout, like any other operation.
    /// Only a child of this process can be waited for, and only once: the
    /// wait reaps it (its pid may then be reused; the pidfd still means
    /// the old process). A [`close`](PidFd::close) from another thread
    /// does not end the wait (nothing can make a pidfd readable before its
    /// process exits): the close completes when the wait returns. Use
    /// [`wait_timeout`](PidFd::wait_timeout) for a wait that gives up.
    ///
    /// # Errors
    /// - `ECHILD` (`Other`): the process is not a child of this one, or it
    ///   has already been reaped (by an earlier wait, `waitpid`, or at once
    ///   if this process ignores `SIGCHLD`); never a hang;
    /// - `Interrupted` if a signal handler runs while waiting (not retried,
    ///   so signals can cancel the wait; the kernel itself restarts a
    ///   blocking pidfd's waitid(2) for handlers with `SA_RESTART`, never
    ///   a ppoll(2)); `Closed`;
    /// - `InvalidInput` before Linux 5.4 (no `P_PIDFD`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Command;
    /// use iofd::{PidFd, SIGKILL};
    ///
    /// let child = Command::new("/bin/sleep").arg("10").spawn().unwrap();
    /// let pidfd = PidFd::open(child.id() as i32)?;
    /// pidfd.send_signal(SIGKILL)?;
    /// let status = pidfd.wait()?;
    /// assert_eq!(status.signal(), Some(SIGKILL));
    /// assert_eq!(status.to_string(), "killed by signal 9 (SIGKILL)");
    /// // Reaped: a second wait has nothing to wait for.
    /// assert_eq!(pidfd.wait().unwrap_err().raw_os_error(), 10); // ECHILD
    /// # Ok::<(), iofd::Error>(())
    /// ```
    ///
    /// <https://man7.org/linux/man-pages/man2/waitid.2.html>
    #[doc(alias = "waitid", alias = "waitpid", alias = "P_PIDFD")]
    pub fn wait(&self) -> Result<ExitStatus> {
        let g = self.fd.guard()?;
        loop {
            match sys::waitid_pidfd(g.borrowed(), sys::WEXITED) {
                // Without WNOHANG the kernel reports an exited child or an
                // error; a zeroed record would mean "not yet", as EAGAIN.
                Ok(info) if info.si_pid != 0 => return ExitStatus::from_siginfo(&info),
                Ok(_) => {}
                // A non-blocking pidfd of a running child (kernel/exit.c,
                // `kernel_waitid`).
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            // The pidfd turns readable when the child exits (or, with
            // POLLHUP, once it is reaped, and then waitid says ECHILD).
            sys::ppoll_one(g.borrowed(), POLLIN, None)?;
        }
    }

    /// [`wait`](PidFd::wait) for at most `timeout`: how the child ended
    /// (reaping it), or `Ok(None)` if it was still running when the timeout
    /// passed.
    ///
    /// Never blocks in waitid(2), on any pidfd: it asks with `WNOHANG` and
    /// sleeps in ppoll(2) until the pidfd turns readable, for at most the
    /// time left (ppoll(2) reports it back). The wait is never shorter than
    /// `timeout`.
    ///
    /// A [`close`](PidFd::close) from another thread cannot wake it (a
    /// pidfd cannot be made readable): the wait returns `Closed` at the
    /// child's exit or the timeout, and the close completes then.
    ///
    /// # Errors
    /// As [`wait`](PidFd::wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Command;
    /// use std::time::Duration;
    /// use iofd::{PidFd, SIGKILL};
    ///
    /// let child = Command::new("/bin/sleep").arg("10").spawn().unwrap();
    /// let pidfd = PidFd::open(child.id() as i32)?;
    /// assert_eq!(pidfd.wait_timeout(Duration::from_millis(10))?, None);
    /// pidfd.send_signal(SIGKILL)?;
    /// let status = pidfd.wait_timeout(Duration::from_secs(10))?;
    /// assert_eq!(status.and_then(|s| s.signal()), Some(SIGKILL));
    /// # Ok::<(), iofd::Error>(())
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<Option<ExitStatus>> {
        let mut left = timeout_timespec(timeout);
        let g = self.fd.guard()?;
        loop {
            let info = sys::waitid_pidfd(g.borrowed(), sys::WEXITED | sys::WNOHANG)?;
            if info.si_pid != 0 {
                return ExitStatus::from_siginfo(&info).map(Some);
            }
            let revents = sys::ppoll_one(g.borrowed(), POLLIN, Some(&mut left))?;
            if g.is_closing() {
                return Err(Error::CLOSED);
            }
            if revents == 0 {
                return Ok(None);
            }
        }
    }

    /// waitid(2) `P_PIDFD` with `WNOHANG` — how the child ended, reaping
    /// it, or `None` while it runs. Never blocks, on any pidfd.
    ///
    /// # Errors
    /// As [`wait`](PidFd::wait): `ECHILD` (`Other`) for a process that is
    /// not a child or has already been reaped; `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Command;
    /// use iofd::{PidFd, SIGTERM};
    ///
    /// let child = Command::new("/bin/sleep").arg("10").spawn().unwrap();
    /// let pidfd = PidFd::open(child.id() as i32)?;
    /// assert_eq!(pidfd.try_wait()?, None); // still running
    /// pidfd.send_signal(SIGTERM)?;
    /// assert_eq!(pidfd.wait()?.signal(), Some(SIGTERM));
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    pub fn try_wait(&self) -> Result<Option<ExitStatus>> {
        let g = self.fd.guard()?;
        let info = sys::waitid_pidfd(g.borrowed(), sys::WEXITED | sys::WNOHANG)?;
        if info.si_pid == 0 {
            return Ok(None);
        }
        ExitStatus::from_siginfo(&info).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pollin_is_the_kernels() {
        assert_eq!(super::POLLIN, libc::POLLIN);
    }
}
