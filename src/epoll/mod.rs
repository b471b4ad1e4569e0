//! [`Epoll`]: readiness of many handles through one descriptor, and the
//! close that wakes its waiters.

mod event;
mod wait;

use core::time::Duration;

pub use self::event::{EpollEvent, EpollFlags};
use crate::handle::handle_common;
use crate::{Error, EventFd, Fd, Handle, Result, sys};

/// epoll_create1(2) — readiness of many handles through one descriptor.
///
/// [`add`](Epoll::add) registers a handle with the events it is waited
/// for and a `u64` token of the caller's choosing;
/// [`wait`](Epoll::wait) blocks until some are ready and reports each as
/// an [`EpollEvent`]: its token and what happened. Unlike
/// [`poll`](crate::poll), the interest list lives in the kernel, so a wait
/// costs nothing per idle handle, and it works with every handle of this
/// crate, an `Epoll` included (nesting).
///
/// Created close-on-exec. `Send + Sync`: any number of threads may wait,
/// register and close at once. Nothing here allocates.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use iofd::{Epoll, EpollEvent, EpollFlags, EventFd, TimerFd};
///
/// let epoll = Epoll::new()?;
/// let (wake, tick) = (EventFd::new(0)?, TimerFd::new()?);
/// epoll.add(&wake, EpollFlags::IN, 1)?;
/// epoll.add(&tick, EpollFlags::IN, 2)?;
/// wake.signal(1)?;
///
/// let mut events = [EpollEvent::default(); 8];
/// let n = epoll.wait(&mut events, Some(Duration::from_secs(1)))?;
/// assert_eq!(n, 1);
/// assert_eq!(events[0].token(), 1);
/// assert!(events[0].flags().contains(EpollFlags::IN));
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// # Closing while threads wait
///
/// [`close`](Epoll::close) (and [`Handle::close`], which calls it) never
/// blocks, and wakes every [`wait`](Epoll::wait) in progress, which then
/// returns [`ErrorKind::Closed`](crate::ErrorKind::Closed). As for any
/// [`Fd`], the kernel `close` of the epoll descriptor is deferred to the
/// last operation still using it: here, the last waiter to return.
///
/// The wake-up is a private [`EventFd`], registered at creation
/// (level-triggered, for `IN`, under [`RESERVED_TOKEN`](Epoll::RESERVED_TOKEN))
/// and signalled by `close` once closing has begun; a wait that finds its
/// token returns `Closed` and never hands the token out.
///
/// Closing through the descriptor, `epoll.fd().close()`, closes without
/// waking: waits already in the kernel go on until an event or their
/// timeout, keeping the descriptor open until they return.
///
/// # Closing a registered handle
///
/// The kernel ties a registration to the open file, not to the number: it
/// removes the registration when the last descriptor of that file closes
/// (see epoll(7), "Questions and answers"). Closing a registered handle
/// therefore removes it, unless another descriptor of the same file is
/// open (a [`dup`](Fd::dup), one passed to another process, …): then the
/// registration lives on and keeps reporting under its token, and can no
/// longer be deleted, since [`delete`](Epoll::delete) needs an open
/// handle. Delete a handle before closing it when duplicates may exist.
/// (A close deferred by operations in flight removes the registration
/// when the kernel `close` happens.)
///
/// # No adoption
///
/// Unlike the other handles, `Epoll` has no `from_fd`: an epoll
/// descriptor made elsewhere has no waker registered, and registering one
/// would add an entry to an instance that its other holders wait on too.
///
/// <https://man7.org/linux/man-pages/man7/epoll.7.html>
#[derive(Debug)]
pub struct Epoll {
    fd: Fd,
    /// Woken by [`Epoll::close`]; registered level-triggered under
    /// [`Epoll::RESERVED_TOKEN`] and never read, so once signalled it stays
    /// ready for every wait that follows.
    waker: EventFd,
}

handle_common!(Epoll, own_close);

impl Epoll {
    /// The token of the epoll's own waker (`u64::MAX`): [`add`](Epoll::add)
    /// and [`modify`](Epoll::modify) refuse it, and [`wait`](Epoll::wait)
    /// never reports it.
    pub const RESERVED_TOKEN: u64 = u64::MAX;

    /// epoll_create1(2) with `EPOLL_CLOEXEC`, and the private eventfd that
    /// [`close`](Epoll::close) uses to wake waiters, registered.
    ///
    /// # Errors
    /// `EMFILE`/`ENFILE` when out of descriptors (it takes two);
    /// `OutOfMemory`; `ENOSPC` (`Other`) past
    /// `/proc/sys/fs/epoll/max_user_watches`. Nothing is left open.
    #[doc(alias = "epoll_create1", alias = "epoll_create")]
    pub fn new() -> Result<Epoll> {
        let fd = sys::epoll_create1(sys::EPOLL_CLOEXEC)?;
        // SAFETY: the kernel just created `fd`; we are its only owner.
        let fd = unsafe { Fd::from_raw(fd) };
        let waker = EventFd::new(0)?;
        let epoll = Epoll { fd, waker };
        let event = sys::EpollEvent {
            events: sys::EPOLLIN,
            data: Epoll::RESERVED_TOKEN,
        };
        epoll.ctl(sys::EPOLL_CTL_ADD, epoll.waker.fd(), Some(&event))?;
        Ok(epoll)
    }

    /// epoll_ctl(2) `EPOLL_CTL_ADD` — waits for `flags` on `handle` from now
    /// on, reported under `token`.
    ///
    /// Both descriptors are held open (counted in as operations) for the
    /// call, so a racing close of either cannot make it reach another file.
    /// `ERR` and `HUP` are waited for whatever `flags` says. The handle is
    /// registered by its open file (see the [type docs](Epoll#closing-a-registered-handle)).
    ///
    /// # Errors
    /// - `InvalidInput` for [`RESERVED_TOKEN`](Epoll::RESERVED_TOKEN) (no
    ///   system call), for the epoll itself, and for `EXCLUSIVE` with
    ///   flags it does not allow or on a nested epoll;
    /// - `AlreadyExists` (`EEXIST`): the handle is already registered;
    /// - `PermissionDenied` (`EPERM`): the file cannot be polled (a
    ///   regular file, such as a [`MemFd`](crate::MemFd));
    /// - `ELOOP` (`Other`): an epoll would end up inside itself, or nested
    ///   more than 4 deep;
    /// - `Closed`: either is closed; `ENOSPC` (`Other`), `OutOfMemory`.
    ///
    /// <https://man7.org/linux/man-pages/man2/epoll_ctl.2.html>
    #[doc(alias = "epoll_ctl", alias = "EPOLL_CTL_ADD")]
    #[inline]
    pub fn add<H: Handle + ?Sized>(&self, handle: &H, flags: EpollFlags, token: u64) -> Result<()> {
        let event = user_event(flags, token)?;
        self.ctl(sys::EPOLL_CTL_ADD, handle.fd(), Some(&event))
    }

    /// epoll_ctl(2) `EPOLL_CTL_MOD` — replaces the flags and token of a
    /// registered handle; re-arms a [`ONESHOT`](EpollFlags::ONESHOT) one.
    ///
    /// # Errors
    /// - `InvalidInput` for [`RESERVED_TOKEN`](Epoll::RESERVED_TOKEN) (no
    ///   system call), for `EXCLUSIVE`, and for a handle added with it;
    /// - `NotFound` (`ENOENT`): the handle is not registered;
    /// - `Closed`.
    #[doc(alias = "EPOLL_CTL_MOD")]
    #[inline]
    pub fn modify<H: Handle + ?Sized>(
        &self,
        handle: &H,
        flags: EpollFlags,
        token: u64,
    ) -> Result<()> {
        let event = user_event(flags, token)?;
        self.ctl(sys::EPOLL_CTL_MOD, handle.fd(), Some(&event))
    }

    /// epoll_ctl(2) `EPOLL_CTL_DEL` — stops waiting for `handle`.
    ///
    /// Events of the handle that a wait has already collected are still
    /// reported by it.
    ///
    /// # Errors
    /// `NotFound` (`ENOENT`): the handle is not registered; `Closed`.
    #[doc(alias = "EPOLL_CTL_DEL")]
    #[inline]
    pub fn delete<H: Handle + ?Sized>(&self, handle: &H) -> Result<()> {
        self.ctl(sys::EPOLL_CTL_DEL, handle.fd(), None)
    }

    /// epoll_ctl(2) with both descriptors held open across the call.
    #[inline]
    fn ctl(&self, op: i32, target: &Fd, event: Option<&sys::EpollEvent>) -> Result<()> {
        let ep = self.fd.guard()?;
        let t = target.guard()?;
        sys::epoll_ctl(ep.borrowed(), op, t.borrowed(), event)
    }

    /// epoll_pwait(2) — waits until a registered handle is ready or
    /// `timeout` passes, fills the front of `events` and returns how many
    /// it filled; 0 means the timeout passed.
    ///
    /// `None` waits without limit; `Some(Duration::ZERO)` only checks. A
    /// wait never ends before its timeout (the kernel may add a little
    /// slack, never subtract):
    ///
    /// - `None` and whole milliseconds go to epoll_pwait(2);
    /// - other timeouts go to epoll_pwait2(2) (Linux 5.11), which takes
    ///   nanoseconds. Where the kernel lacks it (`ENOSYS`: older kernels,
    ///   some sandboxes, qemu-user), the wait falls back to epoll_pwait(2)
    ///   with the timeout rounded **up** to the next millisecond, and
    ///   remembers to go there directly from then on;
    /// - a timeout beyond what epoll_pwait(2) takes (`i32::MAX` ms, about
    ///   24.8 days) is waited out in several calls there, never cut short;
    ///   epoll_pwait2(2) takes it whole (clamped to `i64::MAX` seconds).
    ///
    /// No signal mask is passed: the call is the plain wait on every arch
    /// (aarch64 and riscv64 have no `epoll_wait`). At most `INT_MAX / size
    /// of an event` entries are filled (the kernel's limit).
    ///
    /// # Errors
    /// - `InvalidInput` for an empty `events` (no system call);
    /// - `Closed`: the epoll was closed, before the wait or by
    ///   [`close`](Epoll::close) during it (see the
    ///   [type docs](Epoll#closing-while-threads-wait)); events the same
    ///   wait collected go with it, since the epoll is closing;
    /// - `Interrupted`: a signal handler ran (not retried).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use iofd::{Epoll, EpollEvent};
    ///
    /// let epoll = Epoll::new()?;
    /// let mut events = [EpollEvent::default(); 4];
    /// let start = Instant::now();
    /// let timeout = Duration::from_micros(1500);
    /// assert_eq!(epoll.wait(&mut events, Some(timeout))?, 0);
    /// assert!(start.elapsed() >= timeout);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    ///
    /// <https://man7.org/linux/man-pages/man2/epoll_wait.2.html>
    #[doc(alias = "epoll_wait", alias = "epoll_pwait", alias = "epoll_pwait2")]
    pub fn wait(&self, events: &mut [EpollEvent], timeout: Option<Duration>) -> Result<usize> {
        if events.is_empty() {
            return Err(Error::INVALID);
        }
        let len = events.len();
        // SAFETY: `EpollEvent` is `repr(transparent)` over `sys::EpollEvent`,
        // so the slices have the same layout; the exclusive borrow carries
        // over.
        let events = unsafe {
            core::slice::from_raw_parts_mut(events.as_mut_ptr().cast::<sys::EpollEvent>(), len)
        };
        let n = {
            let g = self.fd.guard()?;
            wait::wait_for(g.borrowed(), events, timeout, &wait::NO_PWAIT2)?
        };
        // The waker is signalled only once closing has begun, and it stays
        // ready: this wait saw the close.
        if events
            .iter()
            .take(n)
            .any(|e| e.data() == Epoll::RESERVED_TOKEN)
        {
            return Err(Error::CLOSED);
        }
        Ok(n)
    }

    /// close(2) — closes the epoll, waking every thread waiting on it;
    /// idempotent, thread-safe and race-free, as
    /// [`Fd::close`](crate::Fd::close). Never blocks.
    ///
    /// Closing begins first (new operations fail with `Closed`, and the
    /// kernel `close` is deferred to the last wait still running), then
    /// the private waker is signalled, which every wait in progress or
    /// about to enter the kernel sees: they return `Closed` within a
    /// scheduling delay. See the [type docs](Epoll#closing-while-threads-wait).
    ///
    /// The waker itself stays open until the `Epoll` drops. Closing it here
    /// could lose the wake-up: closing an eventfd removes its registration,
    /// and a waiter that the signal woke re-polls every item of the ready
    /// list before returning (fs/eventpoll.c: `ep_poll` → `ep_send_events`)
    /// and goes back to sleep when nothing is left. The registration is
    /// level-triggered for the same reason: after each wait that collects
    /// it, the kernel puts it back on the ready list and wakes the next
    /// waiter (`ep_done_scan`), so every waiter sees it, not just the one
    /// the signal woke.
    ///
    /// # Errors
    /// The errno of the kernel `close` (the epoll is closed anyway), or
    /// else that of the eventfd write that wakes the waiters (which may
    /// then sleep until an event or their timeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use iofd::{Epoll, EpollEvent, ErrorKind};
    ///
    /// let epoll = Arc::new(Epoll::new()?);
    /// let waiter = Arc::clone(&epoll);
    /// let t = std::thread::spawn(move || waiter.wait(&mut [EpollEvent::default(); 4], None));
    /// std::thread::sleep(std::time::Duration::from_millis(10));
    /// epoll.close()?;
    /// assert_eq!(t.join().unwrap().unwrap_err().kind(), ErrorKind::Closed);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    pub fn close(&self) -> Result<()> {
        // Every call that found the epoll open signals, so the one that
        // begins closing does; later calls (closing has begun) do not.
        let was_open = self.fd.is_valid();
        let closed = self.fd.close();
        if !was_open {
            return closed;
        }
        let woken = self.waker.signal(1);
        closed.and(woken)
    }
}

/// The event of a user registration, refusing the waker's token.
#[inline]
fn user_event(flags: EpollFlags, token: u64) -> Result<sys::EpollEvent> {
    if token == Epoll::RESERVED_TOKEN {
        return Err(Error::INVALID);
    }
    Ok(sys::EpollEvent {
        events: flags.bits(),
        data: token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserved_token_is_refused() {
        let e = user_event(EpollFlags::IN, u64::MAX).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        let ok = user_event(EpollFlags::IN | EpollFlags::ET, u64::MAX - 1).unwrap();
        assert_eq!(
            (ok.events(), ok.data()),
            (sys::EPOLLIN | sys::EPOLLET, u64::MAX - 1)
        );
    }
}
