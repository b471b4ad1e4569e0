//! Adopting a descriptor made elsewhere as a [`MemFd`]: `TryFrom<Fd>`.

use core::fmt;

use super::{MEMFD_NAME_MAX, MemFd};
use crate::{Error, Fd, Result, sys};

/// The refusal of `MemFd::try_from(fd)`: the descriptor, handed back
/// unchanged, and why it was refused.
///
/// Nothing is closed by the refusal: [`into_fd`](TryFromFdError::into_fd)
/// returns the same open [`Fd`]. Converting into [`Error`] (as `?` does)
/// keeps the errno and drops, so closes, the descriptor.
///
/// # Examples
///
/// ```
/// use iofd::{ErrorKind, EventFd, Fd, MemFd};
///
/// let ev = Fd::from(EventFd::new(0)?);
/// let raw = ev.raw();
/// let refused = MemFd::try_from(ev).unwrap_err();
/// assert_eq!(refused.error().kind(), ErrorKind::InvalidInput); // not a memfd
/// let ev = refused.into_fd();
/// assert_eq!(ev.raw(), raw); // still open, same number
/// # Ok::<(), iofd::Error>(())
/// ```
pub struct TryFromFdError {
    fd: Fd,
    error: Error,
}

impl TryFromFdError {
    /// The descriptor that was refused, still open (unless it came closed).
    #[inline]
    #[must_use]
    pub fn into_fd(self) -> Fd {
        self.fd
    }

    /// The refused descriptor.
    #[inline]
    #[must_use]
    pub fn fd(&self) -> &Fd {
        &self.fd
    }

    /// Why it was refused: `InvalidInput` (`EINVAL`) when the file is not
    /// a memfd, `Closed` when the `Fd` was closed.
    #[inline]
    #[must_use]
    pub fn error(&self) -> Error {
        self.error
    }
}

impl fmt::Debug for TryFromFdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryFromFdError")
            .field("fd", &self.fd)
            .field("error", &self.error)
            .finish()
    }
}

impl fmt::Display for TryFromFdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "descriptor {} refused as a memfd: {}",
            self.fd.raw(),
            self.error
        )
    }
}

impl core::error::Error for TryFromFdError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<TryFromFdError> for Error {
    /// The errno; the descriptor is dropped, which closes it.
    #[inline]
    fn from(refused: TryFromFdError) -> Error {
        refused.error
    }
}

impl TryFrom<Fd> for MemFd {
    type Error = TryFromFdError;

    /// fcntl(2) `F_GET_SEALS` — adopts a descriptor made elsewhere (received
    /// with [`recv_fds`](crate::recv_fds), inherited, or from
    /// [`Fd::from_raw`]) as a `MemFd`, if the kernel keeps seals for its
    /// file.
    ///
    /// The kernel answers `F_GET_SEALS` for the files of tmpfs and
    /// hugetlbfs, which are what memfd_create(2) makes (a `shm_open(3)`
    /// object or a file under `/dev/shm` is accepted too, and behaves the
    /// same), and fails it with `EINVAL` for every other file. Seals are
    /// read afresh by every operation, so a sealed file keeps its safe
    /// [`MappedRegion::as_slice`](crate::MappedRegion::as_slice).
    ///
    /// The adopted handle's [`name`](MemFd::name) is empty: the creation
    /// name does not travel with the descriptor. The open file's access
    /// mode does: a descriptor opened read-only fails writes with `EBADF`.
    ///
    /// # Errors
    /// The descriptor comes back unchanged in [`TryFromFdError`], with
    /// `InvalidInput` (`EINVAL`) for a file that is not a memfd, or
    /// `Closed` for a closed `Fd` (no system call).
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{Fd, MemFd, Seals};
    ///
    /// let mem = MemFd::new_sealable("config")?;
    /// mem.seal(Seals::GROW)?;
    /// let fd: Fd = mem.into();
    /// let mem = MemFd::try_from(fd)?;
    /// assert!(mem.seals()?.contains(Seals::GROW));
    /// assert_eq!(mem.name(), "");
    /// # Ok::<(), iofd::Error>(())
    /// ```
    ///
    /// <https://man7.org/linux/man-pages/man2/fcntl.2.html>
    fn try_from(fd: Fd) -> core::result::Result<MemFd, TryFromFdError> {
        match keeps_seals(&fd) {
            Ok(()) => Ok(MemFd {
                fd,
                name: [0; MEMFD_NAME_MAX],
                name_len: 0,
            }),
            Err(error) => Err(TryFromFdError { fd, error }),
        }
    }
}

/// `Ok` when `F_GET_SEALS` answers for `fd`'s file.
#[inline]
fn keeps_seals(fd: &Fd) -> Result<()> {
    let g = fd.borrow()?;
    sys::fcntl_get_seals(g.borrowed()).map(drop)
}
