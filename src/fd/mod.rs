//! [`Fd`]: an owned descriptor with an atomic, race-free close.

mod state;

use core::fmt;
use core::mem::ManuallyDrop;

use self::state::{AcquireError, Close, State};
use crate::sys::{self, BorrowedFd};
use crate::{Error, Result};

/// An owned file descriptor that any number of threads may use and close.
///
/// `Fd` is one atomic word: the descriptor number and a count of the
/// operations using it. Every operation counts itself in for the duration
/// of its system call, and [`close`](Fd::close) takes the number away
/// before the kernel ever sees a `close`. So:
///
/// - **no descriptor-reuse race**: the kernel `close` is issued only after
///   every operation that was using the number has returned. An operation
///   can never reach a number the kernel has already recycled for another
///   file, which an unsynchronised close-while-reading allows;
/// - once closing has begun, [`raw`](Fd::raw) returns `-1` and every
///   operation fails with [`ErrorKind::Closed`](crate::ErrorKind::Closed)
///   without a system call;
/// - [`close`](Fd::close) is idempotent and may be called from many threads
///   at once; exactly one kernel `close` is issued.
///
/// `Fd` is `Send + Sync`; share it by reference or in an `Arc`. Dropping it
/// closes the descriptor.
///
/// # Examples
///
/// ```
/// let (rx, tx) = iofd::pipe()?;
/// tx.write(b"ping")?;
/// let mut buf = [0u8; 8];
/// assert_eq!(rx.read(&mut buf)?, 4);
/// assert_eq!(&buf[..4], b"ping");
///
/// rx.close()?;
/// assert_eq!(rx.raw(), -1);
/// assert_eq!(rx.read(&mut buf).unwrap_err().kind(), iofd::ErrorKind::Closed);
/// # Ok::<(), iofd::Error>(())
/// ```
pub struct Fd {
    state: State,
}

/// An operation in flight on an [`Fd`]: while it lives, the descriptor
/// number it holds stays open, even if another thread calls
/// [`Fd::close`] (the close then happens when the last guard drops).
///
/// Obtained from [`Fd::borrow`]. Use it to pass the descriptor to a system
/// call this crate does not wrap (see [`raw`](crate::raw)).
#[must_use = "the descriptor is guaranteed open only while the guard lives"]
pub struct FdGuard<'fd> {
    state: &'fd State,
    raw: i32,
}

impl Fd {
    /// Takes ownership of the descriptor `fd`.
    ///
    /// A negative `fd` yields an `Fd` that is already closed.
    ///
    /// # Safety
    /// - `fd` is an open descriptor that nothing else owns: no other `Fd`,
    ///   `OwnedFd` or `File` closes it, and no other code uses the number
    ///   after this `Fd` closes it; or `fd` is negative.
    ///
    /// # Examples
    ///
    /// ```
    /// let (rx, tx) = iofd::pipe()?;
    /// let raw = tx.into_raw();
    /// // SAFETY: `into_raw` gave up ownership of `raw`.
    /// let tx = unsafe { iofd::Fd::from_raw(raw) };
    /// assert_eq!(tx.raw(), raw);
    /// # drop(rx);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    #[must_use]
    pub unsafe fn from_raw(fd: i32) -> Fd {
        Fd {
            state: State::new(fd),
        }
    }

    /// The descriptor number, or `-1` once closing has begun.
    ///
    /// A snapshot: another thread may close the `Fd` right after. To use
    /// the number in a system call, hold a [`borrow`](Fd::borrow) instead.
    #[inline]
    #[must_use]
    pub fn raw(&self) -> i32 {
        self.state.raw()
    }

    /// `true` until closing begins.
    #[inline]
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.raw() >= 0
    }

    /// Gives up ownership and returns the descriptor number (`-1` if the
    /// `Fd` was closed); the caller must close it.
    #[inline]
    #[must_use = "the returned descriptor leaks unless closed"]
    pub fn into_raw(self) -> i32 {
        let mut this = ManuallyDrop::new(self);
        this.state.take()
    }

    /// Counts an operation in and returns a guard that keeps the descriptor
    /// open until it drops.
    ///
    /// # Errors
    /// - [`Closed`](crate::ErrorKind::Closed) (`EBADF`): closing has begun.
    /// - `EOVERFLOW`: `2^31` guards are alive (only reachable by leaking
    ///   guards with `mem::forget`).
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::raw::{self, Sysno};
    ///
    /// let (rx, _tx) = iofd::pipe()?;
    /// let guard = rx.borrow()?;
    /// const F_GETFL: usize = 3;
    /// // SAFETY: the guard keeps the descriptor open; F_GETFL reads no memory.
    /// let flags = raw::result(unsafe {
    ///     raw::syscall2_readonly(Sysno::fcntl, guard.raw() as usize, F_GETFL)
    /// })?;
    /// assert_ne!(flags & 0o4000, 0); // O_NONBLOCK
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    pub fn borrow(&self) -> Result<FdGuard<'_>> {
        match self.state.acquire() {
            Ok(raw) => Ok(FdGuard {
                state: &self.state,
                raw,
            }),
            Err(AcquireError::Closed) => Err(Error::CLOSED),
            Err(AcquireError::TooManyOps) => Err(Error::TOO_MANY_OPS),
        }
    }

    /// close(2) — closes the descriptor; idempotent and thread-safe.
    ///
    /// The first call begins closing: [`raw`](Fd::raw) turns `-1` and new
    /// operations fail with `Closed`. Then:
    ///
    /// - if no operation is in flight, the kernel `close` happens now and
    ///   its result is returned;
    /// - otherwise the kernel `close` is **deferred** to the last in-flight
    ///   operation, which issues it as it returns; this call returns
    ///   `Ok(())` at once and the deferred close's result is ignored, as in
    ///   `Drop`. An operation blocked in the kernel (a blocking `read` on an
    ///   idle pipe) keeps the descriptor open until it returns.
    ///
    /// Later calls return `Ok(())`. `EINTR` is never retried: on Linux the
    /// number is released even when `close` reports it.
    ///
    /// # Errors
    /// The errno of the kernel `close` (`EIO`, `EINTR`, …), which is
    /// informational: the descriptor is closed either way.
    ///
    /// # Examples
    ///
    /// ```
    /// let (rx, _tx) = iofd::pipe()?;
    /// rx.close()?;
    /// rx.close()?; // idempotent
    /// assert!(!rx.is_valid());
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    pub fn close(&self) -> Result<()> {
        match self.state.close() {
            // SAFETY: the state machine handed us sole ownership of `fd`:
            // closing began and nothing is in flight, so nobody uses it.
            Close::Now(fd) => unsafe { sys::close(fd) },
            Close::Deferred | Close::Already => Ok(()),
        }
    }

    /// read(2) — reads up to `buf.len()` bytes.
    ///
    /// An empty `buf` returns `Ok(0)` without a system call.
    ///
    /// # Errors
    /// `WouldBlock` on a non-blocking descriptor with nothing to read;
    /// `Closed`; `Interrupted`; any errno of read(2).
    ///
    /// <https://man7.org/linux/man-pages/man2/read.2.html>
    #[inline]
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return self.empty_io();
        }
        let g = self.borrow()?;
        sys::read(g.borrowed(), buf)
    }

    /// write(2) — writes up to `buf.len()` bytes.
    ///
    /// An empty `buf` returns `Ok(0)` without a system call.
    ///
    /// # Errors
    /// `WouldBlock` when a non-blocking descriptor is full; `Closed`;
    /// `Interrupted`; any errno of write(2) (`EPIPE` …).
    ///
    /// <https://man7.org/linux/man-pages/man2/write.2.html>
    #[inline]
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        if buf.is_empty() {
            return self.empty_io();
        }
        let g = self.borrow()?;
        sys::write(g.borrowed(), buf)
    }

    /// pread64(2) — reads at `offset` without moving the file offset.
    ///
    /// An empty `buf` returns `Ok(0)` without a system call.
    ///
    /// # Errors
    /// `InvalidInput` if `offset > i64::MAX` (no system call), `ESPIPE` on
    /// pipes and sockets, and the errors of [`read`](Fd::read).
    ///
    /// <https://man7.org/linux/man-pages/man2/pread.2.html>
    #[inline]
    #[doc(alias = "pread", alias = "pread64")]
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let offset = file_offset(offset)?;
        if buf.is_empty() {
            return self.empty_io();
        }
        let g = self.borrow()?;
        sys::pread64(g.borrowed(), buf, offset)
    }

    /// pwrite64(2) — writes at `offset` without moving the file offset.
    ///
    /// An empty `buf` returns `Ok(0)` without a system call.
    ///
    /// # Errors
    /// `InvalidInput` if `offset > i64::MAX` (no system call), `ESPIPE` on
    /// pipes and sockets, and the errors of [`write`](Fd::write).
    ///
    /// <https://man7.org/linux/man-pages/man2/pwrite.2.html>
    #[inline]
    #[doc(alias = "pwrite", alias = "pwrite64")]
    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize> {
        let offset = file_offset(offset)?;
        if buf.is_empty() {
            return self.empty_io();
        }
        let g = self.borrow()?;
        sys::pwrite64(g.borrowed(), buf, offset)
    }

    /// fcntl(2) `F_SETFL` — sets or clears `O_NONBLOCK`.
    ///
    /// The flag belongs to the open file, so it is shared with every
    /// duplicate of the descriptor. Skips the second call when the flag is
    /// already as asked.
    ///
    /// # Errors
    /// `Closed`, or an errno of fcntl(2).
    ///
    /// <https://man7.org/linux/man-pages/man2/fcntl.2.html>
    #[doc(alias = "O_NONBLOCK")]
    #[inline]
    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        let g = self.borrow()?;
        let flags = sys::fcntl_getfl(g.borrowed())?;
        let wanted = if nonblocking {
            flags | sys::O_NONBLOCK
        } else {
            flags & !sys::O_NONBLOCK
        };
        if wanted == flags {
            return Ok(());
        }
        sys::fcntl_setfl(g.borrowed(), wanted)
    }

    /// fcntl(2) `F_GETFL` — whether `O_NONBLOCK` is set.
    ///
    /// # Errors
    /// `Closed`, or an errno of fcntl(2).
    #[inline]
    pub fn is_nonblocking(&self) -> Result<bool> {
        let g = self.borrow()?;
        Ok(sys::fcntl_getfl(g.borrowed())? & sys::O_NONBLOCK != 0)
    }

    /// fcntl(2) `F_SETFD` — sets or clears close-on-exec (`FD_CLOEXEC`).
    ///
    /// # Errors
    /// `Closed`, or an errno of fcntl(2).
    #[doc(alias = "FD_CLOEXEC")]
    #[inline]
    pub fn set_cloexec(&self, cloexec: bool) -> Result<()> {
        let g = self.borrow()?;
        let flags = if cloexec { sys::FD_CLOEXEC } else { 0 };
        sys::fcntl_setfd(g.borrowed(), flags)
    }

    /// fcntl(2) `F_GETFD` — whether close-on-exec is set.
    ///
    /// # Errors
    /// `Closed`, or an errno of fcntl(2).
    #[inline]
    pub fn is_cloexec(&self) -> Result<bool> {
        let g = self.borrow()?;
        Ok(sys::fcntl_getfd(g.borrowed())? & sys::FD_CLOEXEC != 0)
    }

    /// fcntl(2) `F_DUPFD_CLOEXEC` — a new close-on-exec descriptor for the
    /// same open file (shared offset and status flags).
    ///
    /// # Errors
    /// `Closed`; `EMFILE` when the process is out of descriptors; an errno
    /// of fcntl(2).
    ///
    /// # Examples
    ///
    /// ```
    /// let (rx, tx) = iofd::pipe()?;
    /// let tx2 = tx.dup()?;
    /// assert_ne!(tx2.raw(), tx.raw());
    /// tx.close()?;
    /// tx2.write(b"x")?; // the duplicate still writes into the pipe
    /// assert_eq!(rx.read(&mut [0; 1])?, 1);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[doc(alias = "F_DUPFD_CLOEXEC")]
    #[inline]
    pub fn dup(&self) -> Result<Fd> {
        let g = self.borrow()?;
        let fd = sys::fcntl_dupfd_cloexec(g.borrowed())?;
        // SAFETY: the kernel just created `fd`; we are its only owner.
        Ok(unsafe { Fd::from_raw(fd) })
    }

    /// `Ok(0)` for an empty buffer on an open `Fd`, `Closed` otherwise.
    #[inline]
    fn empty_io(&self) -> Result<usize> {
        self.check_open().map(|()| 0)
    }

    /// `Ok` while open, `Closed` once closing has begun; no system call.
    #[inline]
    pub(crate) fn check_open(&self) -> Result<()> {
        if self.is_valid() {
            Ok(())
        } else {
            Err(Error::CLOSED)
        }
    }
}

/// A file offset as the kernel's signed `loff_t`.
#[inline]
fn file_offset(offset: u64) -> Result<i64> {
    i64::try_from(offset).map_err(|_| Error::INVALID)
}

impl Drop for Fd {
    /// Closes like [`close`](Fd::close), ignoring the result; never retried.
    ///
    /// Dropping needs no atomic read-modify-write: owning the `Fd`
    /// mutably proves that no operation is in flight.
    #[inline]
    fn drop(&mut self) {
        let fd = self.state.take();
        if fd >= 0 {
            // SAFETY: `take` handed us the descriptor of a word nobody else
            // can see, so nothing uses `fd` after this call.
            let _ = unsafe { sys::close(fd) };
        }
    }
}

impl fmt::Debug for Fd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Fd").field(&self.raw()).finish()
    }
}

impl FdGuard<'_> {
    /// The descriptor number, open for as long as the guard lives.
    #[inline]
    #[must_use]
    pub fn raw(&self) -> i32 {
        self.raw
    }

    /// The descriptor as the system-call layer's borrowed type.
    #[inline(always)]
    pub(crate) fn borrowed(&self) -> BorrowedFd<'_> {
        // SAFETY: the guard counts an operation in, so the state machine
        // does not close `raw` before the guard (and this borrow) ends.
        unsafe { BorrowedFd::borrow_raw(self.raw) }
    }
}

impl Drop for FdGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.state.release() {
            close_deferred(self.raw);
        }
    }
}

impl fmt::Debug for FdGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FdGuard").field(&self.raw).finish()
    }
}

/// The close a racing [`Fd::close`] handed to the last operation.
#[cold]
#[inline(never)]
fn close_deferred(fd: i32) {
    // SAFETY: `release` reported this guard as the last user of a closing
    // descriptor: ownership passed to us and nothing uses `fd` after this.
    // The result is ignored, as in `Drop`; no retry on EINTR.
    let _ = unsafe { sys::close(fd) };
}

/// pipe2(2) — a non-blocking, close-on-exec pipe: `(read end, write end)`.
///
/// # Errors
/// `EMFILE`/`ENFILE` when out of descriptors; an errno of pipe2(2).
///
/// # Examples
///
/// ```
/// let (rx, tx) = iofd::pipe()?;
/// assert_eq!(rx.read(&mut [0; 1]).unwrap_err().kind(), iofd::ErrorKind::WouldBlock);
/// tx.write(b"a")?;
/// assert_eq!(rx.read(&mut [0; 1])?, 1);
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/pipe.2.html>
#[doc(alias = "pipe2")]
pub fn pipe() -> Result<(Fd, Fd)> {
    let [rx, tx] = sys::pipe2(sys::O_CLOEXEC | sys::O_NONBLOCK)?;
    // SAFETY: the kernel just created both descriptors; we own them.
    Ok(unsafe { (Fd::from_raw(rx), Fd::from_raw(tx)) })
}
