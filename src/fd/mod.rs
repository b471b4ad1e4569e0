//! [`Fd`]: an owned descriptor with an atomic, race-free close.

mod state;
mod wait;

use core::fmt;
use core::mem::ManuallyDrop;

pub(crate) use self::state::{AcquireError, State, Wake};
use self::state::{Close, Taken};
pub(crate) use self::wait::wait_u64;
use crate::sys::{self, BorrowedFd, Ret};
use crate::{Error, Result};

/// An owned file descriptor that any number of threads may use and close.
///
/// `Fd` is the descriptor number and, beside it, one atomic word counting
/// the operations using it. Every operation counts itself in for the duration
/// of its system call, and [`close`](Fd::close) marks the word closing
/// before the kernel ever sees a `close`. So:
///
/// - **no descriptor-reuse race**: the kernel `close` is issued only after
///   every operation that was using the number has returned. An operation
///   can never reach a number the kernel has already recycled for another
///   file, which an unsynchronised close-while-reading allows;
/// - once closing has begun, [`raw`](Fd::raw) returns `-1` and every
///   operation fails with [`ErrorKind::Closed`](crate::ErrorKind::Closed)
///   without a system call;
/// - [`close`](Fd::close) is idempotent, never blocks, and may be called
///   from many threads at once; exactly one kernel `close` is issued.
///
/// `Fd` is `Send + Sync`; share it by reference or in an `Arc`. Dropping it
/// closes the descriptor, always: even when a guard was leaked with
/// `mem::forget`, and in a child forked while another thread held a guard.
///
/// # What a close does to an operation blocked in the kernel
///
/// An operation holds the descriptor open until it returns, so a close
/// racing a *blocked* operation (a `read` on an idle blocking pipe, say)
/// returns at once and the kernel close happens when that operation
/// returns: the descriptor stays open until then. [`EventFd`] and
/// [`TimerFd`] go further: closing one wakes this crate's own waits on it
/// ([`EventFd::wait_blocking`], [`TimerFd::wait_blocking`],
/// [`poll`](crate::poll)), which then return `Closed`. For a plain `Fd`
/// that may block, prefer non-blocking descriptors with
/// [`poll`](crate::poll) and a timeout, or shut the other side down.
///
/// [`EventFd`]: crate::EventFd
/// [`TimerFd`]: crate::TimerFd
/// [`EventFd::wait_blocking`]: crate::EventFd::wait_blocking
/// [`TimerFd::wait_blocking`]: crate::TimerFd::wait_blocking
///
/// # After `fork`
///
/// A child process gets a copy of the word, including the count of any
/// operation another thread of the parent had in flight; those threads do
/// not exist in the child, so in the child such an `Fd`'s [`close`] is
/// deferred forever, while dropping it closes the descriptor. In a child,
/// drop (or [`close_owned`](Fd::close_owned)) descriptors instead of
/// calling `close`.
///
/// [`close`]: Fd::close
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
/// call this crate does not wrap (see [`raw`](crate::raw)), or to make a
/// batch of calls on one descriptor paying the in-flight count once: its
/// [`read`](FdGuard::read), [`write`](FdGuard::write),
/// [`read_at`](FdGuard::read_at) and [`write_at`](FdGuard::write_at) are
/// the bare system calls. Keep a guard for a batch, not for a wait: a close
/// cannot complete while it lives.
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
            state: State::new(fd, Wake::None),
        }
    }

    /// [`from_raw`](Fd::from_raw) for a descriptor whose waits a close must
    /// wake in the way `wake` says.
    ///
    /// # Safety
    /// As [`from_raw`](Fd::from_raw), and `fd` is the kind of file `wake`
    /// names (an eventfd for [`Wake::EventFd`], a timerfd for
    /// [`Wake::TimerFd`]).
    #[inline]
    pub(crate) unsafe fn from_raw_waking(fd: i32, wake: Wake) -> Fd {
        Fd {
            state: State::new(fd, wake),
        }
    }

    /// Marks the descriptor as a file whose waits a close wakes in the way
    /// `wake` says (when adopting one).
    ///
    /// # Safety
    /// - The descriptor is the kind of file `wake` names.
    #[inline]
    pub(crate) unsafe fn set_wake(&mut self, wake: Wake) {
        self.state.set_wake(wake);
    }

    /// The state word, for [`poll`](crate::poll).
    #[inline(always)]
    pub(crate) fn state(&self) -> &State {
        &self.state
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
        self.state.is_open()
    }

    /// Gives up ownership and returns the descriptor number (`-1` if the
    /// `Fd` was closed); the caller must close it.
    ///
    /// If [`close`](Fd::close) was called but the kernel close was still
    /// owed (a guard leaked with `mem::forget`), it is issued now and `-1`
    /// is returned.
    #[inline]
    #[must_use = "the returned descriptor leaks unless closed"]
    pub fn into_raw(self) -> i32 {
        let mut this = ManuallyDrop::new(self);
        match this.state.take() {
            Taken::Open(fd) => fd,
            Taken::Closing(fd) => {
                // SAFETY: `take` handed us a closing word's descriptor,
                // which nothing can use any more.
                let _ = unsafe { sys::close(fd) };
                -1
            }
            Taken::Closed => -1,
        }
    }

    /// Counts an operation in and returns a guard that keeps the descriptor
    /// open until it drops.
    ///
    /// This is the crate's own method, not `std::borrow::Borrow::borrow`
    /// (which an `Arc<Fd>` or a `&Fd` would find first if that trait is in
    /// scope: call it as `Fd::borrow(&fd)` there).
    ///
    /// # Errors
    /// - [`Closed`](crate::ErrorKind::Closed) (`EBADF`): closing has begun.
    /// - `EOVERFLOW`: `2^27` guards are alive (only reachable by leaking
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
        match self.state.acquire_checked() {
            Ok(raw) => Ok(FdGuard {
                state: &self.state,
                raw,
            }),
            Err(e) => Err(refusal(e)),
        }
    }

    /// [`borrow`](Fd::borrow) for an operation of this crate, which
    /// releases the guard before it returns (so the count needs no
    /// ceiling check, see [`State::acquire`]).
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    pub(crate) fn guard(&self) -> Result<FdGuard<'_>> {
        match self.state.acquire() {
            Ok(raw) => Ok(FdGuard {
                state: &self.state,
                raw,
            }),
            Err(e) => Err(refusal(e)),
        }
    }

    /// close(2) — closes the descriptor; idempotent, thread-safe, never
    /// blocks.
    ///
    /// The first call begins closing: [`raw`](Fd::raw) turns `-1` and new
    /// operations fail with `Closed`. Then:
    ///
    /// - if no operation is in flight, the kernel `close` happens now and
    ///   its result is returned;
    /// - otherwise the kernel `close` is **deferred** to the last in-flight
    ///   operation, which issues it as it returns; this call returns
    ///   `Ok(())` at once and the deferred close's result is ignored, as in
    ///   `Drop`. For an eventfd or a timerfd, this call first wakes this
    ///   crate's waits on it (see [`Fd`]).
    ///
    /// Later calls return `Ok(())`. `EINTR` is never retried: on Linux the
    /// number is released even when `close` reports it. A caller that owns
    /// the `Fd` outright can use [`close_owned`](Fd::close_owned), which
    /// always reports the kernel's result and needs no atomic
    /// read-modify-write.
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
    ///
    /// <https://man7.org/linux/man-pages/man2/close.2.html>
    #[inline]
    pub fn close(&self) -> Result<()> {
        match self.state.close() {
            // SAFETY: the state machine handed us sole ownership of `fd`:
            // the word is closed and nothing is in flight.
            Close::Now(fd) => unsafe { sys::close(fd) },
            Close::Wake(fd, wake) => close_waking(&self.state, fd, wake),
            Close::Deferred | Close::Already => Ok(()),
        }
    }

    /// close(2) of an `Fd` owned by value, reporting the kernel's result.
    ///
    /// Ownership proves no operation is in flight, so unlike
    /// [`close`](Fd::close) this needs no atomic read-modify-write and is
    /// never deferred: it is the bare system call. Closing an already closed
    /// `Fd` returns `Ok(())`. Dropping does the same but ignores the result.
    ///
    /// # Errors
    /// As [`close`](Fd::close).
    ///
    /// # Examples
    ///
    /// ```
    /// let (rx, tx) = iofd::pipe()?;
    /// let copy = tx.dup()?;
    /// copy.close_owned()?;
    /// # drop((rx, tx));
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    #[doc(alias = "close")]
    pub fn close_owned(self) -> Result<()> {
        let mut this = ManuallyDrop::new(self);
        match this.state.take() {
            // SAFETY: `take` handed us the descriptor of a word nobody else
            // can see, so nothing uses `fd` after this call.
            Taken::Open(fd) | Taken::Closing(fd) => unsafe { sys::close(fd) },
            Taken::Closed => Ok(()),
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
        let g = self.guard()?;
        let r = sys::read(g.borrowed(), buf);
        g.release(r).usize()
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
        let g = self.guard()?;
        let r = sys::write(g.borrowed(), buf);
        g.release(r).usize()
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
        let g = self.guard()?;
        let r = sys::pread64(g.borrowed(), buf, offset);
        g.release(r).usize()
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
        let g = self.guard()?;
        let r = sys::pwrite64(g.borrowed(), buf, offset);
        g.release(r).usize()
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
        let g = self.guard()?;
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
        let g = self.guard()?;
        Ok(sys::fcntl_getfl(g.borrowed())? & sys::O_NONBLOCK != 0)
    }

    /// fcntl(2) `F_SETFD` — sets or clears close-on-exec (`FD_CLOEXEC`).
    ///
    /// # Errors
    /// `Closed`, or an errno of fcntl(2).
    #[doc(alias = "FD_CLOEXEC")]
    #[inline]
    pub fn set_cloexec(&self, cloexec: bool) -> Result<()> {
        let g = self.guard()?;
        let flags = if cloexec { sys::FD_CLOEXEC } else { 0 };
        sys::fcntl_setfd(g.borrowed(), flags)
    }

    /// fcntl(2) `F_GETFD` — whether close-on-exec is set.
    ///
    /// # Errors
    /// `Closed`, or an errno of fcntl(2).
    #[inline]
    pub fn is_cloexec(&self) -> Result<bool> {
        let g = self.guard()?;
        Ok(sys::fcntl_getfd(g.borrowed())? & sys::FD_CLOEXEC != 0)
    }

    /// fcntl(2) `F_DUPFD_CLOEXEC` — a new close-on-exec descriptor for the
    /// same open file (shared offset and status flags).
    ///
    /// The copy is a plain `Fd`: closing it wakes nothing, even when this
    /// is an eventfd or a timerfd.
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
        let g = self.guard()?;
        let r = sys::fcntl_dupfd_cloexec(g.borrowed());
        let fd = g.release(r).int()?;
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

/// The error for a refused [`State::acquire`], issuing the close the
/// refusal may have inherited. Inlined (see [`State::acquire`]) except
/// where size is asked for.
#[cfg_attr(not(iofd_small), inline(always))]
#[cfg_attr(iofd_small, cold, inline(never))]
pub(crate) fn refusal(e: AcquireError) -> Error {
    match e {
        AcquireError::Closed { owed } => {
            if let Some(fd) = owed {
                close_inherited(fd);
            }
            Error::CLOSED
        }
        AcquireError::TooManyOps => Error::TOO_MANY_OPS,
    }
}

/// The close of [`Close::Wake`]: wakes the waits on `fd` while still
/// counted in, then releases like any operation.
#[cold]
#[inline(never)]
fn close_waking(state: &State, fd: i32, wake: Wake) -> Result<()> {
    // SAFETY: `Close::Wake` counted the closer in, so `fd` stays open
    // until the release below.
    wait::wake(unsafe { BorrowedFd::borrow_raw(fd) }, wake);
    match state.release() {
        // SAFETY: the release made us the last user of the closing word:
        // ownership of `fd` passed to us.
        Some(fd) => unsafe { sys::close(fd) },
        None => Ok(()),
    }
}

/// A close a release or refusal inherited; the result is ignored, as in
/// `Drop`, and it is never retried.
#[inline(always)]
pub(crate) fn close_inherited(fd: i32) {
    // SAFETY: the state machine made the caller the last user of a closing
    // word: ownership of `fd` passed to it and nothing uses it after this.
    let _ = unsafe { sys::close(fd) };
}

impl Drop for Fd {
    /// Closes like [`close_owned`](Fd::close_owned), ignoring the result;
    /// never retried. No atomic read-modify-write: owning the `Fd` mutably
    /// proves that no operation is in flight.
    #[inline]
    fn drop(&mut self) {
        if let Taken::Open(fd) | Taken::Closing(fd) = self.state.take() {
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

impl<'fd> FdGuard<'fd> {
    /// The descriptor number, open for as long as the guard lives.
    #[inline]
    #[must_use]
    pub fn raw(&self) -> i32 {
        self.raw
    }

    /// read(2) on the guarded descriptor: the bare system call, with no
    /// in-flight counting (the guard already counts). An empty `buf`
    /// returns `Ok(0)` without a system call.
    ///
    /// # Errors
    /// As [`Fd::read`], except `Closed`: a guard's descriptor is open.
    ///
    /// # Examples
    ///
    /// ```
    /// let (rx, tx) = iofd::pipe()?;
    /// let w = tx.borrow()?; // one in-flight count for the whole batch
    /// for chunk in [&b"ab"[..], b"cd", b"ef"] {
    ///     w.write(chunk)?;
    /// }
    /// let mut buf = [0u8; 6];
    /// assert_eq!(rx.borrow()?.read(&mut buf)?, 6);
    /// assert_eq!(&buf, b"abcdef");
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        sys::read(self.borrowed(), buf).usize()
    }

    /// write(2) on the guarded descriptor; see [`read`](FdGuard::read).
    ///
    /// # Errors
    /// As [`Fd::write`], except `Closed`.
    #[inline]
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        sys::write(self.borrowed(), buf).usize()
    }

    /// pread64(2) on the guarded descriptor; see [`read`](FdGuard::read).
    ///
    /// # Errors
    /// As [`Fd::read_at`], except `Closed`.
    #[inline]
    #[doc(alias = "pread", alias = "pread64")]
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        let offset = file_offset(offset)?;
        if buf.is_empty() {
            return Ok(0);
        }
        sys::pread64(self.borrowed(), buf, offset).usize()
    }

    /// pwrite64(2) on the guarded descriptor; see [`read`](FdGuard::read).
    ///
    /// # Errors
    /// As [`Fd::write_at`], except `Closed`.
    #[inline]
    #[doc(alias = "pwrite", alias = "pwrite64")]
    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize> {
        let offset = file_offset(offset)?;
        if buf.is_empty() {
            return Ok(0);
        }
        sys::pwrite64(self.borrowed(), buf, offset).usize()
    }

    /// The descriptor as the system-call layer's borrowed type.
    #[inline(always)]
    pub(crate) fn borrowed(&self) -> BorrowedFd<'_> {
        // SAFETY: the guard counts an operation in, so the state machine
        // does not close `raw` before the guard (and this borrow) ends.
        unsafe { BorrowedFd::borrow_raw(self.raw) }
    }

    /// Whether closing has begun while this guard was held.
    #[inline(always)]
    pub(crate) fn is_closing(&self) -> bool {
        self.state.is_closing()
    }

    /// Ends the operation, passing `r` (the system call's raw result)
    /// through, so that the caller decodes it once, after the release.
    ///
    /// Any close the release inherits is issued inline: an out-of-line
    /// call returning into the caller's path would make every caller keep
    /// its values in callee-saved registers.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    pub(crate) fn release<T>(self, r: T) -> T {
        let this = ManuallyDrop::new(self);
        if let Some(fd) = this.state.release() {
            close_inherited(fd);
        }
        r
    }

    /// [`release`](FdGuard::release) after an operation that may have
    /// consumed a close's wake-up (reading an eventfd or a timerfd,
    /// re-arming a timer): if closing has begun, passes the wake-up on to
    /// the other waits (of kind `wake`, which the caller knows) and reports
    /// `Closed`, whatever the operation did: the handle is going away.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    pub(crate) fn release_consumed(self, r: Ret, wake: Wake) -> Ret {
        if self.state.is_closing() {
            state::cold_path();
            wait::rewake(self.borrowed(), wake);
            return self.release(Ret::CLOSED);
        }
        self.release(r)
    }

    /// Wakes this crate's other waits on the descriptor if closing has
    /// begun (after a wait saw it), keeping the guard.
    #[inline]
    pub(crate) fn rewake(&self) {
        if self.state.is_closing() {
            wait::rewake(self.borrowed(), self.state.wake());
        }
    }
}

impl Drop for FdGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(fd) = self.state.release() {
            close_inherited(fd);
        }
    }
}

impl fmt::Debug for FdGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FdGuard").field(&self.raw).finish()
    }
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

/// `Ret` must stay one register, so that releasing a guard between the
/// system call and its decoding keeps a single value live.
const _: () = assert!(core::mem::size_of::<Ret>() == core::mem::size_of::<usize>());
