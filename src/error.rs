//! One error type for the whole crate: a kernel errno, classified.

use core::fmt;

use syscalls::Errno;

/// The result type of every fallible operation in this crate.
pub type Result<T> = core::result::Result<T, Error>;

/// An error from the kernel (or from an argument check that stands in for
/// one), carrying the raw `errno`.
///
/// The errno is never lost: [`raw_os_error`](Error::raw_os_error) returns it
/// and, with the `std` feature, `std::io::Error::from(err)` keeps it, so the
/// standard library's `io::ErrorKind` comes out right. [`kind`](Error::kind)
/// sorts it into the few classes a caller usually branches on.
///
/// Checks this crate makes before issuing a system call report the errno the
/// kernel would have given: `EINVAL` for bad arguments, `EBADF` for a use of
/// a closed [`Fd`](crate::Fd).
///
/// # Examples
///
/// ```
/// use iofd::{Error, ErrorKind};
///
/// let err = Error::from_raw_os_error(11);
/// assert_eq!(err.kind(), ErrorKind::WouldBlock);
/// assert_eq!(err.raw_os_error(), 11);
/// assert_eq!(err.to_string(), "EAGAIN: Try again");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Error(Errno);

/// What an [`Error`] means to a caller, independent of the exact errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The operation would block (`EAGAIN`); retry once the descriptor is
    /// ready.
    WouldBlock,
    /// The handle is closed (`EBADF`): [`Fd::close`](crate::Fd::close) has
    /// begun, or the descriptor number is not open.
    Closed,
    /// An argument was rejected (`EINVAL`), by the kernel or by this crate
    /// before any system call.
    InvalidInput,
    /// A signal interrupted the call before it did anything (`EINTR`).
    Interrupted,
    /// The kernel could not allocate memory (`ENOMEM`).
    OutOfMemory,
    /// The caller lacks a privilege or permission (`EPERM`, `EACCES`).
    PermissionDenied,
    /// The kernel does not implement the call or the request (`ENOSYS`,
    /// `EOPNOTSUPP`), as on old kernels, in sandboxes and under emulators.
    Unsupported,
    /// The object is already there (`EEXIST`), e.g. a handle added to an
    /// [`Epoll`](crate::Epoll) twice.
    AlreadyExists,
    /// The object is not there (`ENOENT`), e.g. a handle modified in or
    /// deleted from an [`Epoll`](crate::Epoll) it was never added to.
    NotFound,
    /// The operation was canceled (`ECANCELED`): a cancel-on-set timer
    /// whose clock was set ([`TimerFd::arm_at_cancel_on_set`](crate::TimerFd::arm_at_cancel_on_set)).
    Canceled,
    /// Any other errno; [`Error::raw_os_error`] tells which.
    Other,
}

impl Error {
    /// `EBADF`: an operation on a closed handle.
    pub(crate) const CLOSED: Error = Error(Errno::EBADF);
    /// `EINVAL`: an argument rejected before the system call.
    pub(crate) const INVALID: Error = Error(Errno::EINVAL);
    /// `EACCES`: an access the mapping's protection does not allow.
    pub(crate) const ACCESS: Error = Error(Errno::EACCES);
    /// `ERANGE`: a kernel value outside what the Rust type can hold.
    pub(crate) const RANGE: Error = Error(Errno::ERANGE);
    /// `EOVERFLOW`: an in-flight count at its ceiling (leaked guards).
    pub(crate) const TOO_MANY_OPS: Error = Error(Errno::EOVERFLOW);
    /// `EMSGSIZE`: a received message did not fit.
    pub(crate) const MSG_SIZE: Error = Error(Errno::EMSGSIZE);
    /// `ENOMEM`: a mapping too long to be made, as the kernel says of one.
    pub(crate) const NO_MEMORY: Error = Error(Errno::ENOMEM);

    /// Wraps a raw (positive) errno value.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = iofd::Error::from_raw_os_error(9);
    /// assert_eq!(err.kind(), iofd::ErrorKind::Closed);
    /// ```
    #[inline]
    #[must_use]
    pub fn from_raw_os_error(errno: i32) -> Error {
        Error(Errno::new(errno))
    }

    /// Decodes the error half of a raw system-call return value
    /// (`-4095..=-1`). The caller has checked the range.
    ///
    /// Inline: it is one negation, and keeping it in line lets the compiler
    /// test the return value once even when a guard is released between
    /// the system call and the caller's match.
    #[inline(always)]
    pub(crate) fn from_syscall_ret(ret: usize) -> Error {
        // The kernel returns `-errno` with `errno` in `1..=4095`, so the
        // negation fits an `i32` without loss.
        Error(Errno::new(ret.wrapping_neg() as i32))
    }

    /// The raw errno value, e.g. `11` for `EAGAIN`.
    #[inline]
    #[must_use]
    pub fn raw_os_error(&self) -> i32 {
        self.0.into_raw()
    }

    /// The errno as the `syscalls` crate's [`Errno`](crate::raw::Errno), for
    /// matching on named constants.
    #[inline]
    #[must_use]
    pub fn errno(&self) -> Errno {
        self.0
    }

    /// The errno's symbolic name (`"EAGAIN"`), if it is a known one.
    #[inline]
    #[must_use]
    pub fn name(&self) -> Option<&'static str> {
        self.0.name()
    }

    /// Classifies the errno.
    ///
    /// `EAGAIN` → [`WouldBlock`](ErrorKind::WouldBlock), `EBADF` →
    /// [`Closed`](ErrorKind::Closed), `EINVAL` →
    /// [`InvalidInput`](ErrorKind::InvalidInput), `EINTR` →
    /// [`Interrupted`](ErrorKind::Interrupted), `ENOMEM` →
    /// [`OutOfMemory`](ErrorKind::OutOfMemory), `EPERM` and `EACCES` →
    /// [`PermissionDenied`](ErrorKind::PermissionDenied), `ENOSYS` and
    /// `EOPNOTSUPP` → [`Unsupported`](ErrorKind::Unsupported), `EEXIST` →
    /// [`AlreadyExists`](ErrorKind::AlreadyExists), `ENOENT` →
    /// [`NotFound`](ErrorKind::NotFound), anything else →
    /// `EOPNOTSUPP` → [`Unsupported`](ErrorKind::Unsupported), `ECANCELED`
    /// → [`Canceled`](ErrorKind::Canceled), anything else →
    /// [`Other`](ErrorKind::Other).
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self.0 {
            Errno::EAGAIN => ErrorKind::WouldBlock,
            Errno::EBADF => ErrorKind::Closed,
            Errno::EINVAL => ErrorKind::InvalidInput,
            Errno::EINTR => ErrorKind::Interrupted,
            Errno::ENOMEM => ErrorKind::OutOfMemory,
            Errno::EPERM | Errno::EACCES => ErrorKind::PermissionDenied,
            Errno::ENOSYS | Errno::EOPNOTSUPP => ErrorKind::Unsupported,
            Errno::EEXIST => ErrorKind::AlreadyExists,
            Errno::ENOENT => ErrorKind::NotFound,
            Errno::ECANCELED => ErrorKind::Canceled,
            _ => ErrorKind::Other,
        }
    }
}

impl fmt::Display for Error {
    /// `NAME: description`, e.g. `EAGAIN: Try again`; an errno without a
    /// name prints as `errno 4000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.name_and_description() {
            Some((name, description)) => write!(f, "{name}: {description}"),
            None => write!(f, "errno {}", self.raw_os_error()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("errno", &self.raw_os_error());
        if let Some(name) = self.name() {
            d.field("name", &name);
        }
        d.field("kind", &self.kind()).finish()
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;
    use std::string::ToString;

    use super::*;

    #[test]
    fn kinds_follow_the_errno() {
        let cases = [
            (libc::EAGAIN, ErrorKind::WouldBlock),
            (libc::EWOULDBLOCK, ErrorKind::WouldBlock),
            (libc::EBADF, ErrorKind::Closed),
            (libc::EINVAL, ErrorKind::InvalidInput),
            (libc::EINTR, ErrorKind::Interrupted),
            (libc::ENOMEM, ErrorKind::OutOfMemory),
            (libc::EPERM, ErrorKind::PermissionDenied),
            (libc::EACCES, ErrorKind::PermissionDenied),
            (libc::ENOSYS, ErrorKind::Unsupported),
            (libc::EOPNOTSUPP, ErrorKind::Unsupported),
            (libc::EEXIST, ErrorKind::AlreadyExists),
            (libc::ENOENT, ErrorKind::NotFound),
            (libc::ELOOP, ErrorKind::Other),
            (libc::ECHILD, ErrorKind::Other),
            (libc::ECANCELED, ErrorKind::Canceled),
            (libc::ESRCH, ErrorKind::Other),
            (libc::EMFILE, ErrorKind::Other),
            (4000, ErrorKind::Other),
        ];
        for (errno, kind) in cases {
            let err = Error::from_raw_os_error(errno);
            assert_eq!(err.kind(), kind, "errno {errno}");
            assert_eq!(err.raw_os_error(), errno);
        }
    }

    #[test]
    fn internal_errors_use_the_kernel_errnos() {
        assert_eq!(Error::CLOSED.raw_os_error(), libc::EBADF);
        assert_eq!(Error::CLOSED.kind(), ErrorKind::Closed);
        assert_eq!(Error::INVALID.raw_os_error(), libc::EINVAL);
        assert_eq!(Error::INVALID.kind(), ErrorKind::InvalidInput);
        assert_eq!(Error::MSG_SIZE.raw_os_error(), libc::EMSGSIZE);
        assert_eq!(Error::NO_MEMORY.raw_os_error(), libc::ENOMEM);
        assert_eq!(Error::NO_MEMORY.kind(), ErrorKind::OutOfMemory);
    }

    #[test]
    fn decodes_every_errno_in_the_kernel_range() {
        for errno in 1..=4095_i32 {
            let ret = (-(errno as isize)) as usize;
            assert_eq!(Error::from_syscall_ret(ret).raw_os_error(), errno);
        }
    }

    #[test]
    fn display_shows_name_and_description() {
        let err = Error::from_raw_os_error(libc::EAGAIN);
        assert_eq!(err.to_string(), "EAGAIN: Try again");
        assert_eq!(err.name(), Some("EAGAIN"));
        let err = Error::from_raw_os_error(libc::EBADF);
        assert_eq!(err.to_string(), "EBADF: Bad file number");
        let err = Error::from_raw_os_error(4000);
        assert_eq!(err.to_string(), "errno 4000");
        assert_eq!(err.name(), None);
    }

    #[test]
    fn debug_names_errno_and_kind() {
        let err = Error::from_raw_os_error(libc::ENOMEM);
        assert_eq!(
            format!("{err:?}"),
            "Error { errno: 12, name: \"ENOMEM\", kind: OutOfMemory }"
        );
    }
}
