//! The `std` feature: the standard library's descriptor and I/O traits.
//!
//! - [`AsRawFd`] for [`Fd`], every handle and [`FdGuard`]. The number is a
//!   snapshot: it stays open only while nothing closes the handle, which
//!   `close(&self)` can do at any time. To hand a descriptor to code that
//!   needs it open, borrow it: [`FdGuard`] implements [`AsFd`].
//! - No `AsFd` for `Fd` or the handles: a `BorrowedFd<'a>` promises the
//!   descriptor stays open for `'a`, which a concurrent `close(&self)`
//!   would break. The guard makes that promise true by counting itself
//!   in.
//! - `From<OwnedFd>` for [`Fd`]; `TryFrom<Fd>` (and from every handle) for
//!   `OwnedFd`, failing with `Closed` for a closed handle, which `OwnedFd`
//!   cannot represent.
//! - [`io::Read`], [`io::Write`] and [`io::Seek`] for [`Fd`] and
//!   [`MemFd`] (and their shared references).
//! - `From<Error> for io::Error`, keeping the errno (so `io::ErrorKind`
//!   follows the errno: `AlreadyExists` for `EEXIST`, `NotFound` for
//!   `ENOENT`, …).
//! - `From<ExitStatus>` for `std::process::ExitStatus`.

use std::io::{self, SeekFrom};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};

use crate::{Epoll, Error, EventFd, ExitStatus, Fd, FdGuard, MemFd, PidFd, SignalFd, TimerFd, sys};

impl From<Error> for io::Error {
    /// An `io::Error` with the same errno, so `io::Error::kind` and
    /// `raw_os_error` agree with the kernel.
    fn from(err: Error) -> io::Error {
        io::Error::from_raw_os_error(err.raw_os_error())
    }
}

impl AsRawFd for Fd {
    /// The descriptor number, or `-1` once closing has begun.
    #[inline]
    fn as_raw_fd(&self) -> RawFd {
        self.raw()
    }
}

impl AsRawFd for FdGuard<'_> {
    #[inline]
    fn as_raw_fd(&self) -> RawFd {
        self.raw()
    }
}

impl AsFd for FdGuard<'_> {
    #[inline]
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the guard counts an operation in on its `Fd`, so the
        // descriptor is not closed before the guard, and with it this
        // borrow, ends.
        unsafe { BorrowedFd::borrow_raw(self.raw()) }
    }
}

impl From<OwnedFd> for Fd {
    /// Takes over the descriptor.
    #[inline]
    fn from(owned: OwnedFd) -> Fd {
        // SAFETY: `into_raw_fd` gives up ownership of an open descriptor.
        unsafe { Fd::from_raw(owned.into_raw_fd()) }
    }
}

impl TryFrom<Fd> for OwnedFd {
    type Error = Error;

    /// Hands the descriptor over.
    ///
    /// # Errors
    /// `Closed` if the `Fd` was closed (an `OwnedFd` is always open).
    #[inline]
    fn try_from(fd: Fd) -> Result<OwnedFd, Error> {
        match fd.into_raw() {
            -1 => Err(Error::CLOSED),
            // SAFETY: `into_raw` gave up ownership of an open descriptor.
            raw => Ok(unsafe { OwnedFd::from_raw_fd(raw) }),
        }
    }
}

/// The standard traits for each handle type.
macro_rules! std_for_handle {
    ($($T:ident),*) => {$(
        impl AsRawFd for $T {
            /// The descriptor number, or `-1` once closing has begun.
            #[inline]
            fn as_raw_fd(&self) -> RawFd {
                self.raw()
            }
        }

        impl TryFrom<$T> for OwnedFd {
            type Error = Error;

            /// Hands the descriptor over.
            ///
            /// # Errors
            /// `Closed` if the handle was closed.
            #[inline]
            fn try_from(handle: $T) -> Result<OwnedFd, Error> {
                OwnedFd::try_from(Fd::from(handle))
            }
        }
    )*};
}

std_for_handle!(EventFd, TimerFd, PidFd, MemFd, SignalFd, Epoll);

impl From<ExitStatus> for std::process::ExitStatus {
    /// The same status, as `waitpid` would have encoded it.
    #[inline]
    fn from(status: ExitStatus) -> std::process::ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        std::process::ExitStatus::from_raw(status.wait_status())
    }
}

/// `lseek` whence values.
const SEEK_SET: u32 = 0;
const SEEK_CUR: u32 = 1;
const SEEK_END: u32 = 2;

fn seek(fd: &Fd, pos: SeekFrom) -> io::Result<u64> {
    let (offset, whence) = match pos {
        SeekFrom::Start(n) => (i64::try_from(n).map_err(|_| Error::INVALID)?, SEEK_SET),
        SeekFrom::Current(n) => (n, SEEK_CUR),
        SeekFrom::End(n) => (n, SEEK_END),
    };
    let g = fd.guard()?;
    Ok(sys::lseek(g.borrowed(), offset, whence)?)
}

/// `Read`, `Write` and `Seek` for a type and its shared reference, given a
/// way to reach the `Fd`.
macro_rules! std_io {
    ($T:ty, $fd:path) => {
        impl io::Read for &$T {
            #[inline]
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                Ok($fd(*self).read(buf)?)
            }
        }

        impl io::Read for $T {
            #[inline]
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                Ok($fd(&*self).read(buf)?)
            }
        }

        impl io::Write for &$T {
            #[inline]
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                Ok($fd(*self).write(buf)?)
            }

            /// Nothing to flush: writes go straight to the kernel.
            #[inline]
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }

        impl io::Write for $T {
            #[inline]
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                Ok($fd(&*self).write(buf)?)
            }

            /// Nothing to flush: writes go straight to the kernel.
            #[inline]
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }

        impl io::Seek for &$T {
            /// lseek(2).
            fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
                seek($fd(*self), pos)
            }
        }

        impl io::Seek for $T {
            /// lseek(2).
            fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
                seek($fd(&*self), pos)
            }
        }
    };
}

/// The `Fd` of an `Fd`: itself.
#[inline]
fn itself(fd: &Fd) -> &Fd {
    fd
}

std_io!(Fd, itself);
std_io!(MemFd, MemFd::fd);
