//! [`EventFd`]: a kernel counter for wake-ups between threads and
//! processes.

use core::time::Duration;

use bitflags::bitflags;

use crate::fd::{Wake, wait_u64};
use crate::handle::handle_common;
use crate::poll::timeout_timespec;
use crate::sys::{self, Timespec};
use crate::{Error, Fd, Result};

bitflags! {
    /// Flags for [`EventFd::with_flags`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct EventFdFlags: u32 {
        /// `EFD_CLOEXEC`
        const CLOEXEC = sys::O_CLOEXEC;
        /// `EFD_NONBLOCK`
        const NONBLOCK = sys::O_NONBLOCK;
        /// `EFD_SEMAPHORE`: each read takes 1 from the counter instead of
        /// all of it.
        const SEMAPHORE = 1;
    }
}

/// eventfd(2) — a 64-bit counter in the kernel, readable when non-zero.
///
/// [`signal`](EventFd::signal) adds to the counter; [`wait`](EventFd::wait)
/// takes it (all of it, or 1 in semaphore mode) and resets it. The
/// descriptor polls readable while the counter is non-zero, which makes it
/// the usual way to wake an event loop from another thread.
///
/// Created non-blocking and close-on-exec. Nothing here allocates.
///
/// # Closing while a thread waits
///
/// [`close`](EventFd::close) never blocks. If a thread is in
/// [`wait_blocking`](EventFd::wait_blocking),
/// [`wait_timeout`](EventFd::wait_timeout) or [`poll`](crate::poll) on this
/// eventfd, the close adds 1 to the counter to wake it; the wait returns
/// `Closed` and the descriptor is closed when the last wait has returned.
/// Every holder of the same open file (a duplicate, a process it was passed
/// to) sees that 1. A blocking `wait()` (on an eventfd made without
/// `NONBLOCK`) is woken the same way, and returns the counter it read.
///
/// # Examples
///
/// ```
/// use iofd::{EventFd, ErrorKind};
///
/// let ev = EventFd::new(0)?;
/// ev.signal(2)?;
/// ev.signal(3)?;
/// assert_eq!(ev.wait()?, 5);
/// assert_eq!(ev.wait().unwrap_err().kind(), ErrorKind::WouldBlock);
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/eventfd.2.html>
#[derive(Debug)]
pub struct EventFd {
    fd: Fd,
}

handle_common!(EventFd);

/// The size of every eventfd read and write: one `u64`.
const COUNTER_SIZE: usize = 8;

impl EventFd {
    /// eventfd2(2) — a counter starting at `initval`, non-blocking and
    /// close-on-exec.
    ///
    /// # Errors
    /// `EMFILE`/`ENFILE` when out of descriptors, `OutOfMemory`.
    #[doc(alias = "eventfd", alias = "eventfd2")]
    pub fn new(initval: u32) -> Result<EventFd> {
        EventFd::with_flags(initval, EventFdFlags::CLOEXEC | EventFdFlags::NONBLOCK)
    }

    /// eventfd2(2) with `EFD_SEMAPHORE` — each [`wait`](EventFd::wait)
    /// returns 1 and decrements the counter by 1. Non-blocking and
    /// close-on-exec.
    ///
    /// # Errors
    /// As [`new`](EventFd::new).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = iofd::EventFd::new_semaphore(2)?;
    /// assert_eq!(sem.wait()?, 1);
    /// assert_eq!(sem.wait()?, 1);
    /// assert!(sem.wait().is_err()); // WouldBlock: the count is spent
    /// # Ok::<(), iofd::Error>(())
    /// ```
    pub fn new_semaphore(initval: u32) -> Result<EventFd> {
        let flags = EventFdFlags::CLOEXEC | EventFdFlags::NONBLOCK | EventFdFlags::SEMAPHORE;
        EventFd::with_flags(initval, flags)
    }

    /// eventfd2(2) with exactly `flags`.
    ///
    /// Without [`NONBLOCK`](EventFdFlags::NONBLOCK), [`wait`](EventFd::wait)
    /// blocks while the counter is zero and [`signal`](EventFd::signal)
    /// blocks while it would overflow.
    ///
    /// # Errors
    /// `InvalidInput` for unknown flag bits, and the errors of
    /// [`new`](EventFd::new).
    pub fn with_flags(initval: u32, flags: EventFdFlags) -> Result<EventFd> {
        let fd = sys::eventfd2(initval, flags.bits())?;
        // SAFETY: the kernel just created `fd`, an eventfd; we are its only
        // owner.
        let fd = unsafe { Fd::from_raw_waking(fd, Wake::EventFd) };
        Ok(EventFd { fd })
    }

    /// Adopts `fd`, an eventfd made elsewhere (received with
    /// [`recv_fds`](crate::recv_fds), inherited, or from
    /// [`Fd::from_raw`]), as an `EventFd`. No system call.
    ///
    /// Its flags are the ones it was made with: it may be blocking, or in
    /// semaphore mode.
    ///
    /// # Safety
    /// - `fd` refers to an eventfd (eventfd(2), made in any process), or is
    ///   closed (then every operation fails with `Closed`).
    ///
    /// An `EventFd` promises what its descriptor is: an 8-byte counter,
    /// every read and write of which moves exactly 8 bytes. Code holding
    /// one, including `unsafe` code written against this type, may rely on
    /// that. (This crate's own methods stay memory-safe on any descriptor,
    /// but on another file they would misreport: [`wait`](EventFd::wait)
    /// would return the first bytes of a pipe as a count.)
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{EventFd, Fd};
    ///
    /// let fd: Fd = EventFd::new(3)?.into();
    /// // SAFETY: `fd` is the eventfd made just above.
    /// let ev = unsafe { EventFd::from_fd(fd) };
    /// assert_eq!(ev.wait()?, 3);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    #[must_use]
    pub unsafe fn from_fd(fd: Fd) -> EventFd {
        let mut fd = fd;
        // SAFETY: the caller promises `fd` is an eventfd.
        unsafe { fd.set_wake(Wake::EventFd) };
        EventFd { fd }
    }

    /// Adds `value` to the counter (an 8-byte write(2)).
    ///
    /// `signal(0)` changes nothing and makes no system call.
    ///
    /// # Errors
    /// - `InvalidInput` for `u64::MAX`, which the kernel never accepts (no
    ///   system call);
    /// - `WouldBlock` if the counter would exceed `u64::MAX - 1` (it is left
    ///   unchanged; a blocking eventfd waits instead);
    /// - `Closed`.
    #[doc(alias = "eventfd_write")]
    #[inline]
    pub fn signal(&self, value: u64) -> Result<()> {
        if value == u64::MAX {
            return Err(Error::INVALID);
        }
        if value == 0 {
            return self.fd.check_open();
        }
        self.fd.write(&value.to_ne_bytes()).map(drop)
    }

    /// Takes the counter (an 8-byte read(2)): returns its value and resets
    /// it to zero, or returns 1 and decrements it in semaphore mode.
    ///
    /// # Errors
    /// - `WouldBlock` when the counter is zero (a blocking eventfd waits
    ///   instead);
    /// - `Closed`, `Interrupted`.
    #[doc(alias = "eventfd_read")]
    #[inline]
    pub fn wait(&self) -> Result<u64> {
        let mut buf = [0u8; COUNTER_SIZE];
        self.read_counter(&mut buf)?;
        Ok(u64::from_ne_bytes(buf))
    }

    /// One 8-byte read(2), passing on a close's wake-up it may have taken.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    fn read_counter(&self, buf: &mut [u8; COUNTER_SIZE]) -> Result<usize> {
        let g = self.fd.guard()?;
        let r = sys::read(g.borrowed(), buf);
        g.release_consumed(r, Wake::EventFd).usize()
    }

    /// Waits until the counter is non-zero, then takes it as
    /// [`wait`](EventFd::wait) does: reads, and while there is nothing to
    /// read waits for readability with ppoll(2) (another reader may take
    /// the count first), holding the descriptor open throughout.
    ///
    /// Works on non-blocking descriptors, which is the point: a thread can
    /// block here while others use the same eventfd without blocking.
    ///
    /// # Errors
    /// - `Closed`, also when another thread closes the eventfd during the
    ///   wait (see [Closing while a thread waits](EventFd#closing-while-a-thread-waits));
    /// - `Interrupted` if a signal handler runs while waiting (not retried,
    ///   so signals can cancel the wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let ev = Arc::new(iofd::EventFd::new(0)?);
    /// let remote = Arc::clone(&ev);
    /// std::thread::spawn(move || remote.signal(7));
    /// assert_eq!(ev.wait_blocking()?, 7);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    pub fn wait_blocking(&self) -> Result<u64> {
        self.wait_for(None).map(|v| v.unwrap_or_default())
    }

    /// [`wait_blocking`](EventFd::wait_blocking) for at most `timeout`:
    /// `Ok(None)` if the counter stayed zero that long.
    ///
    /// The wait is never shorter than `timeout`; a wake-up that finds the
    /// counter taken by another reader waits again for the rest (the
    /// kernel reports the time left, see ppoll(2)).
    ///
    /// # Errors
    /// As [`wait_blocking`](EventFd::wait_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let ev = iofd::EventFd::new(0)?;
    /// assert_eq!(ev.wait_timeout(Duration::from_millis(1))?, None);
    /// ev.signal(2)?;
    /// assert_eq!(ev.wait_timeout(Duration::from_millis(1))?, Some(2));
    /// # Ok::<(), iofd::Error>(())
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<Option<u64>> {
        self.wait_for(Some(timeout_timespec(timeout)))
    }

    /// The wait of [`wait_blocking`](EventFd::wait_blocking) and
    /// [`wait_timeout`](EventFd::wait_timeout): `None` on timeout.
    fn wait_for(&self, timeout: Option<Timespec>) -> Result<Option<u64>> {
        wait_u64(&self.fd, timeout)
    }

    /// read(2) of the counter into `buf` as a native-endian `u64`; returns
    /// 8. Prefer [`wait`](EventFd::wait).
    ///
    /// # Errors
    /// `InvalidInput` if `buf` is shorter than 8 bytes (no system call), and
    /// the errors of [`wait`](EventFd::wait).
    #[inline]
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        let buf = buf
            .first_chunk_mut::<COUNTER_SIZE>()
            .ok_or(Error::INVALID)?;
        self.read_counter(buf)
    }

    /// write(2) of the first 8 bytes of `buf`, a native-endian `u64`, to the
    /// counter; returns 8. Prefer [`signal`](EventFd::signal).
    ///
    /// # Errors
    /// `InvalidInput` if `buf` is shorter than 8 bytes (no system call) or
    /// holds `u64::MAX`, and the errors of [`signal`](EventFd::signal).
    #[inline]
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        let buf = buf.get(..COUNTER_SIZE).ok_or(Error::INVALID)?;
        self.fd.write(buf)
    }
}
