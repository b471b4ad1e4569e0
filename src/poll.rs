//! [`poll`]: waiting for readiness on several handles, without libc.

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use bitflags::bitflags;

use crate::fd::{self, State};
use crate::sys::{self, Timespec};
use crate::{Error, Fd, Handle, Result, SigSet};

bitflags! {
    /// Readiness events (`POLL*`), requested in [`PollFd::new`] and
    /// reported by [`PollFd::revents`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Events: i16 {
        /// `POLLIN`: data to read (an eventfd counter above zero, an
        /// expired timer, a pending signal, an exited process).
        const IN = 0x001;
        /// `POLLPRI`: an exceptional condition (out-of-band data).
        const PRI = 0x002;
        /// `POLLOUT`: writing will not block.
        const OUT = 0x004;
        /// `POLLERR`: an error condition (always reported).
        const ERR = 0x008;
        /// `POLLHUP`: hang-up, e.g. the other end of a pipe closed (always
        /// reported).
        const HUP = 0x010;
        /// `POLLNVAL`: the descriptor is not open. [`poll`] reports it for
        /// an entry whose handle was closed before or during the wait
        /// (and then returns `Closed`).
        const NVAL = 0x020;
        /// `POLLRDNORM`: normal data to read.
        const RDNORM = 0x040;
        /// `POLLRDBAND`: priority-band data to read.
        const RDBAND = 0x080;
        /// `POLLWRNORM`: writing normal data will not block.
        const WRNORM = 0x100;
        /// `POLLWRBAND`: priority-band data can be written.
        const WRBAND = 0x200;
        /// `POLLRDHUP`: the peer of a stream socket shut down writing.
        const RDHUP = 0x2000;
    }
}

/// One entry of a [`poll`] set: a handle and the events to wait for.
///
/// The entry borrows its handle, which therefore outlives it. It holds no
/// descriptor number of its own between waits: [`poll`] counts itself in
/// on each handle for the whole wait (as every operation does), so the
/// kernel only ever watches numbers that are open and still belong to
/// their handles, and a handle closed meanwhile is reported as such.
#[repr(C, align(8))]
pub struct PollFd<'fd> {
    /// The kernel's entry; `fd` is filled in by each [`poll`].
    raw: sys::PollFd,
    state: &'fd State,
    _handle: PhantomData<&'fd Fd>,
}

impl<'fd> PollFd<'fd> {
    /// An entry waiting for `events` on `handle`.
    #[inline]
    #[must_use]
    pub fn new<H: Handle + ?Sized>(handle: &'fd H, events: Events) -> PollFd<'fd> {
        PollFd {
            raw: sys::PollFd {
                fd: -1,
                events: events.bits(),
                revents: 0,
            },
            state: handle.fd().state(),
            _handle: PhantomData,
        }
    }

    /// The events this entry waits for.
    #[inline]
    #[must_use]
    pub fn events(&self) -> Events {
        Events::from_bits_retain(self.raw.events)
    }

    /// Changes the events to wait for in the next [`poll`].
    #[inline]
    pub fn set_events(&mut self, events: Events) {
        self.raw.events = events.bits();
    }

    /// The events the last [`poll`] reported for this entry (empty before
    /// the first).
    #[inline]
    #[must_use]
    pub fn revents(&self) -> Events {
        Events::from_bits_retain(self.raw.revents)
    }
}

impl fmt::Debug for PollFd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollFd")
            .field("fd", &self.state.raw())
            .field("events", &self.events())
            .field("revents", &self.revents())
            .finish()
    }
}

/// ppoll(2) — waits until at least one entry is ready or `timeout` passes
/// (`None`: no limit); returns how many entries have events.
///
/// Each entry's [`revents`](PollFd::revents) is overwritten. While it
/// waits, `poll` holds every handle's descriptor open (as an operation in
/// flight), so no entry can come to watch a number the kernel has given to
/// another file. Closing an [`EventFd`](crate::EventFd) or a
/// [`TimerFd`](crate::TimerFd) that is being polled wakes the wait; closing
/// any other handle completes when the wait returns.
///
/// A timeout longer than the kernel can represent (more than `i64::MAX`
/// seconds) is clamped to that, which is forever in practice; the wait is
/// never shorter than `timeout` (the kernel rounds up to its timer
/// granularity). aarch64 and riscv64 have no `poll` system call; `ppoll` is
/// the one on every arch.
///
/// The slice is passed to the kernel in place, without copying or
/// allocating: around the system call, `poll` moves the kernel's part of
/// each entry to the front of the slice and back.
///
/// # Errors
/// - `Closed` if a handle was closed before or during the wait: its entry
///   reports [`Events::NVAL`], the others what the kernel saw (nothing, if
///   the handle was closed before);
/// - `Interrupted` if a signal handler ran before any entry was ready;
/// - `InvalidInput` for more entries than `RLIMIT_NOFILE`;
/// - `OutOfMemory`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use iofd::{poll, EventFd, Events, PollFd};
///
/// let (a, b) = (EventFd::new(0)?, EventFd::new(0)?);
/// b.signal(1)?;
/// let mut fds = [PollFd::new(&a, Events::IN), PollFd::new(&b, Events::IN)];
/// assert_eq!(poll(&mut fds, Some(Duration::from_secs(1)))?, 1);
/// assert!(fds[0].revents().is_empty());
/// assert!(fds[1].revents().contains(Events::IN));
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/poll.2.html>
#[doc(alias = "ppoll")]
pub fn poll(fds: &mut [PollFd<'_>], timeout: Option<Duration>) -> Result<usize> {
    poll_inner(fds, timeout, None)
}

/// ppoll(2) with a signal mask — [`poll`], with the calling thread's
/// signal mask replaced by `mask` for the duration of the wait, atomically.
///
/// This is the race-free way to wait for descriptors and signals together:
/// keep the signals blocked, and unblock them only inside the wait, so one
/// that arrives just before it cannot be missed (its handler runs and the
/// wait returns `Interrupted`). The previous mask is back when this
/// returns.
///
/// # Errors
/// As [`poll`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use iofd::{poll_with_mask, EventFd, Events, PollFd, SigSet};
///
/// let ev = EventFd::new(1)?;
/// let mut fds = [PollFd::new(&ev, Events::IN)];
/// let keep = iofd::signal_mask()?; // the wait changes nothing here
/// assert_eq!(poll_with_mask(&mut fds, Some(Duration::ZERO), &keep)?, 1);
/// # Ok::<(), iofd::Error>(())
/// ```
#[doc(alias = "ppoll")]
pub fn poll_with_mask(
    fds: &mut [PollFd<'_>],
    timeout: Option<Duration>,
    mask: &SigSet,
) -> Result<usize> {
    // A libc's own signals stay unblocked, as in `block_signals`.
    let bits = mask.bits() & !crate::signal::reserved_mask();
    poll_inner(fds, timeout, Some(&bits))
}

fn poll_inner(
    fds: &mut [PollFd<'_>],
    timeout: Option<Duration>,
    mask: Option<&u64>,
) -> Result<usize> {
    // Count in on every handle; an entry whose handle is closed keeps
    // `fd == -1`, which also tells the release below to skip it.
    let mut refused = None;
    for e in fds.iter_mut() {
        e.raw.revents = 0;
        e.raw.fd = match e.state.acquire_checked() {
            Ok(fd) => fd,
            Err(err) => {
                let err = fd::refusal(err);
                e.raw.revents = Events::NVAL.bits();
                refused.get_or_insert(err);
                -1
            }
        };
    }
    let mut closed = false;
    let r = if let Some(err) = refused {
        Err(err)
    } else {
        let mut ts = timeout.map(timeout_timespec);
        let words = words(fds);
        let n = words.len() / 2;
        unzip(words);
        // SAFETY: after `unzip`, the first `n` words all hold `poll`
        // entries; a `Word` has the size of a `sys::PollFd` and a larger
        // alignment; the exclusive borrow carries over.
        let kernel =
            unsafe { core::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<sys::PollFd>(), n) };
        let r = sys::ppoll(kernel, ts.as_mut(), mask);
        zip(words);
        r
    };
    // Count out, noting handles whose closing began during the wait.
    for e in fds.iter_mut() {
        if e.raw.fd < 0 {
            continue;
        }
        let (closing, owed) = e.state.release_closing();
        if closing {
            e.raw.revents = Events::NVAL.bits();
            closed = true;
        }
        if let Some(fd) = owed {
            fd::close_inherited(fd);
        }
    }
    if closed { Err(Error::CLOSED) } else { r }
}

/// Half an entry: the kernel's `pollfd`, or the handle's state pointer.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
union Word {
    poll: sys::PollFd,
    state: *const State,
}

const _: () = {
    assert!(core::mem::size_of::<Word>() == core::mem::size_of::<sys::PollFd>());
    assert!(core::mem::size_of::<PollFd<'_>>() == 2 * core::mem::size_of::<Word>());
    assert!(core::mem::align_of::<PollFd<'_>>() == core::mem::align_of::<Word>());
    assert!(core::mem::offset_of!(PollFd<'_>, raw) == 0);
};

/// The entries as `[pollfd, state]` pairs of words.
fn words<'a>(fds: &'a mut [PollFd<'_>]) -> &'a mut [Word] {
    let len = 2 * fds.len();
    // SAFETY: a `PollFd` is `repr(C, align(8))`: its `raw` in the first
    // word and its state pointer (and, on 32-bit targets, padding) in the
    // second (checked above). `Word` is a union of exactly those, and a
    // union may hold any bytes; the exclusive borrow carries over.
    unsafe { core::slice::from_raw_parts_mut(fds.as_mut_ptr().cast::<Word>(), len) }
}

/// `[p0 s0 p1 s1 .. pn sn]` → `[p0 p1 .. pn s0 s1 .. sn]`, in place, in
/// `O(n log n)` moves: each half is unzipped, then the middle two runs swap.
fn unzip(w: &mut [Word]) {
    let m = w.len() / 2;
    if m < 2 {
        return;
    }
    let h = m / 2;
    let (front, back) = w.split_at_mut(2 * h);
    unzip(front);
    unzip(back);
    // [P(..h) S(..h) P(h..) S(h..)]: rotate `S(..h) P(h..)` by `h`.
    rotate_left(&mut w[h..h + m], h);
}

/// The inverse of [`unzip`].
fn zip(w: &mut [Word]) {
    let m = w.len() / 2;
    if m < 2 {
        return;
    }
    let h = m / 2;
    rotate_left(&mut w[h..h + m], m - h);
    let (front, back) = w.split_at_mut(2 * h);
    zip(front);
    zip(back);
}

/// `w.rotate_left(k)` as three reversals: a few instructions of code,
/// where the standard library's rotation (tuned for large slices) is
/// hundreds of bytes, which a poll of a few entries does not need.
fn rotate_left(w: &mut [Word], k: usize) {
    w[..k].reverse();
    w[k..].reverse();
    w.reverse();
}

/// `d` as a `timespec`, clamped to the largest the kernel accepts.
#[inline]
pub(crate) fn timeout_timespec(d: Duration) -> Timespec {
    match i64::try_from(d.as_secs()) {
        Ok(tv_sec) => Timespec {
            tv_sec,
            tv_nsec: i64::from(d.subsec_nanos()),
        },
        Err(_) => Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 999_999_999,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pollfd_is_two_words() {
        assert_eq!(
            core::mem::size_of::<sys::PollFd>(),
            core::mem::size_of::<libc::pollfd>()
        );
        assert_eq!(
            core::mem::size_of::<PollFd<'_>>(),
            2 * core::mem::size_of::<libc::pollfd>()
        );
    }

    #[test]
    fn event_bits_are_the_kernels() {
        let pairs = [
            (Events::IN, libc::POLLIN),
            (Events::PRI, libc::POLLPRI),
            (Events::OUT, libc::POLLOUT),
            (Events::ERR, libc::POLLERR),
            (Events::HUP, libc::POLLHUP),
            (Events::NVAL, libc::POLLNVAL),
            (Events::RDNORM, libc::POLLRDNORM),
            (Events::RDBAND, libc::POLLRDBAND),
            (Events::WRNORM, libc::POLLWRNORM),
            (Events::WRBAND, libc::POLLWRBAND),
            (Events::RDHUP, libc::POLLRDHUP),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours.bits(), theirs, "{ours:?}");
        }
    }

    #[test]
    fn timeouts_convert_and_clamp() {
        let ts = timeout_timespec(Duration::new(5, 7));
        assert_eq!((ts.tv_sec, ts.tv_nsec), (5, 7));
        let ts = timeout_timespec(Duration::MAX);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (i64::MAX, 999_999_999));
        let ts = timeout_timespec(Duration::new(i64::MAX as u64 + 1, 0));
        assert_eq!(ts.tv_sec, i64::MAX);
    }

    /// `unzip` then `zip` against a plain model, for every length up to 40
    /// (pure logic: runs under Miri, where the state pointers' provenance
    /// is checked across the moves).
    #[test]
    fn unzip_and_zip_are_inverse_permutations() {
        let states: std::vec::Vec<State> = (0..40)
            .map(|i| State::new(i, crate::fd::Wake::None))
            .collect();
        for n in 0..=40 {
            let mut fds: std::vec::Vec<PollFd<'_>> = (0..n)
                .map(|i| PollFd {
                    raw: sys::PollFd {
                        fd: i as i32,
                        events: 1,
                        revents: 0,
                    },
                    state: &states[i],
                    _handle: PhantomData,
                })
                .collect();
            let w = words(&mut fds);
            unzip(w);
            for (i, word) in w[..n].iter().enumerate() {
                // SAFETY: `unzip` put the `poll` halves first.
                assert_eq!(unsafe { word.poll }.fd, i as i32, "n = {n}");
            }
            for (i, word) in w[n..].iter().enumerate() {
                // SAFETY: `unzip` put the state halves last.
                let p = unsafe { word.state };
                assert!(core::ptr::eq(p, &states[i]), "n = {n}");
                // SAFETY: the pointer came from `&states[i]`, alive here.
                assert_eq!(unsafe { &*p }.raw(), i as i32);
            }
            zip(w);
            for (i, e) in fds.iter().enumerate() {
                assert_eq!(e.raw.fd, i as i32);
                assert!(core::ptr::eq(e.state, &states[i]));
            }
        }
    }
}
