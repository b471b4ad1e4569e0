//! [`EpollFlags`] and [`EpollEvent`]: what is waited for, and what is
//! reported.

use core::fmt;

use bitflags::bitflags;

use crate::sys;

bitflags! {
    /// Readiness events and registration modes (`EPOLL*`): given to
    /// [`Epoll::add`](crate::Epoll::add) and
    /// [`Epoll::modify`](crate::Epoll::modify), reported by
    /// [`EpollEvent::flags`].
    ///
    /// `ERR` and `HUP` are always reported, asked for or not. The modes
    /// (`ET`, `ONESHOT`, `EXCLUSIVE`, `WAKEUP`) are never reported.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct EpollFlags: u32 {
        /// `EPOLLIN`: data to read (an eventfd counter above zero, an
        /// expired timer, a pending signal, an exited process, a nested
        /// epoll with events).
        const IN = sys::EPOLLIN;
        /// `EPOLLPRI`: an exceptional condition (out-of-band data).
        const PRI = sys::EPOLLPRI;
        /// `EPOLLOUT`: writing will not block.
        const OUT = sys::EPOLLOUT;
        /// `EPOLLERR`: an error condition, e.g. on the write end of a pipe
        /// whose read end is closed (always reported).
        const ERR = sys::EPOLLERR;
        /// `EPOLLHUP`: hang-up, e.g. on the read end of a pipe whose write
        /// end is closed (always reported).
        const HUP = sys::EPOLLHUP;
        /// `EPOLLRDHUP`: the peer of a stream socket shut down writing.
        const RDHUP = sys::EPOLLRDHUP;
        /// `EPOLLET`: edge-triggered: report a readiness once, when it
        /// arises, instead of at every wait while it lasts.
        const ET = sys::EPOLLET;
        /// `EPOLLONESHOT`: report once, then disable the registration
        /// until [`Epoll::modify`](crate::Epoll::modify) re-arms it.
        const ONESHOT = sys::EPOLLONESHOT;
        /// `EPOLLEXCLUSIVE` (Linux 4.5): when several epolls watch the same
        /// file, wake only some of their waiters. Only with
        /// [`Epoll::add`](crate::Epoll::add), only with `IN`, `OUT`, `ERR`,
        /// `HUP`, `ET` and `WAKEUP`, and not for a nested epoll
        /// (`InvalidInput` otherwise).
        const EXCLUSIVE = sys::EPOLLEXCLUSIVE;
        /// `EPOLLWAKEUP`: keep the system from suspending while the event
        /// is being handled. Needs `CAP_BLOCK_SUSPEND`; without it the
        /// kernel silently drops the flag.
        const WAKEUP = sys::EPOLLWAKEUP;
    }
}

/// One ready handle, as [`Epoll::wait`](crate::Epoll::wait) reports it:
/// the token given to [`Epoll::add`](crate::Epoll::add) and the events
/// that occurred.
///
/// Exactly the kernel's `struct epoll_event`, so a slice of them is handed
/// to the kernel as it is: 12 bytes on x86_64, where the kernel packs it,
/// 16 elsewhere.
///
/// # Examples
///
/// ```
/// use iofd::{EpollEvent, EpollFlags};
///
/// let mut events = [EpollEvent::default(); 16];
/// events[0] = EpollEvent::new(EpollFlags::IN, 7);
/// assert_eq!((events[0].token(), events[0].flags()), (7, EpollFlags::IN));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(transparent)]
pub struct EpollEvent(sys::EpollEvent);

impl EpollEvent {
    /// An event with these flags and token (what the kernel writes; useful
    /// to pre-fill a buffer).
    #[inline]
    #[must_use]
    pub const fn new(flags: EpollFlags, token: u64) -> EpollEvent {
        EpollEvent(sys::EpollEvent {
            events: flags.bits(),
            data: token,
        })
    }

    /// The token the handle was registered with.
    #[inline]
    #[must_use]
    pub const fn token(&self) -> u64 {
        self.0.data()
    }

    /// The events that occurred (all bits the kernel reported, known or
    /// not).
    #[inline]
    #[must_use]
    pub const fn flags(&self) -> EpollFlags {
        EpollFlags::from_bits_retain(self.0.events())
    }
}

impl fmt::Debug for EpollEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EpollEvent")
            .field("flags", &self.flags())
            .field("token", &self.token())
            .finish()
    }
}
