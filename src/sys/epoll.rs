//! epoll_create1(2), epoll_ctl(2), epoll_pwait(2), epoll_pwait2(2), and the
//! kernel's `struct epoll_event`.
//!
//! aarch64, riscv64 and loongarch64 have no `epoll_wait` (nor
//! `epoll_create`); the
//! calls here are the ones every arch has. Values and layout from
//! include/uapi/linux/eventpoll.h, limits from fs/eventpoll.c.

use super::{BorrowedFd, Timespec, arg, ret, ret_int, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

/// `EPOLL_CLOEXEC`, defined as `O_CLOEXEC`.
pub(crate) const EPOLL_CLOEXEC: u32 = super::O_CLOEXEC;

pub(crate) const EPOLL_CTL_ADD: i32 = 1;
pub(crate) const EPOLL_CTL_DEL: i32 = 2;
pub(crate) const EPOLL_CTL_MOD: i32 = 3;

pub(crate) const EPOLLIN: u32 = 0x0000_0001;
pub(crate) const EPOLLPRI: u32 = 0x0000_0002;
pub(crate) const EPOLLOUT: u32 = 0x0000_0004;
pub(crate) const EPOLLERR: u32 = 0x0000_0008;
pub(crate) const EPOLLHUP: u32 = 0x0000_0010;
pub(crate) const EPOLLRDHUP: u32 = 0x0000_2000;
pub(crate) const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub(crate) const EPOLLWAKEUP: u32 = 1 << 29;
pub(crate) const EPOLLONESHOT: u32 = 1 << 30;
pub(crate) const EPOLLET: u32 = 1 << 31;

/// `struct epoll_event { __poll_t events; __u64 data; }`.
///
/// The uapi header declares it `EPOLL_PACKED`, which is
/// `__attribute__((packed))` on x86_64 only, so that x86_64 shares the
/// layout of i386, where a `__u64` in a struct is 4-aligned anyway: 12
/// bytes with `data` at offset 4 on both x86 arches (packed here on both,
/// as glibc's `struct epoll_event` is), 16 bytes with `data` at offset 8
/// everywhere else (arm EABI aligns a `__u64` to 8). This is the one
/// layout fact of the crate that depends on the arch, so the `cfg` stays
/// here, next to the struct.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(any(target_arch = "x86_64", target_arch = "x86"), repr(C, packed))]
#[cfg_attr(not(any(target_arch = "x86_64", target_arch = "x86")), repr(C))]
pub(crate) struct EpollEvent {
    pub(crate) events: u32,
    pub(crate) data: u64,
}

impl EpollEvent {
    /// `data`, read by value (a packed field cannot be borrowed).
    #[inline(always)]
    pub(crate) const fn data(self) -> u64 {
        self.data
    }

    /// `events`, read by value.
    #[inline(always)]
    pub(crate) const fn events(self) -> u32 {
        self.events
    }
}

/// `EP_MAX_EVENTS` (fs/eventpoll.c): `INT_MAX / sizeof(struct epoll_event)`,
/// the largest `maxevents` the kernel accepts (above it: `EINVAL`).
pub(crate) const MAX_EVENTS: usize = i32::MAX as usize / core::mem::size_of::<EpollEvent>();

/// The kernel's `sigset_t` size; ignored with a NULL mask, passed anyway.
const SIGSET_SIZE: usize = 8;

/// epoll_create1(2): a new epoll instance the caller owns.
#[inline]
pub(crate) fn epoll_create1(flags: u32) -> Result<i32> {
    // SAFETY: no memory argument.
    ret_int(unsafe { raw::syscall1_readonly(Sysno::epoll_create1, arg::uint(flags)) })
}

/// epoll_ctl(2). `event` is `None` only for `EPOLL_CTL_DEL`, which ignores
/// it (a NULL pointer is accepted since Linux 2.6.9).
#[inline]
pub(crate) fn epoll_ctl(
    ep: BorrowedFd<'_>,
    op: i32,
    fd: BorrowedFd<'_>,
    event: Option<&EpollEvent>,
) -> Result<()> {
    let (e, o, f) = (arg::fd(ep), arg::int(op), arg::fd(fd));
    let ev = event.map_or(arg::null(), arg::ptr);
    // SAFETY: `ev` is NULL or a valid `epoll_event` that the kernel only
    // reads: epoll_ctl copies it in with copy_from_user and changes only
    // its own copy (fs/eventpoll.c).
    ret_unit(unsafe { raw::syscall4_readonly(Sysno::epoll_ctl, e, o, f, ev) })
}

/// At most [`MAX_EVENTS`] entries of `events`, so that the count is an
/// `int` the kernel accepts; the kernel never writes past it.
#[inline]
fn capped(events: &mut [EpollEvent]) -> (usize, usize) {
    let n = events.len().min(MAX_EVENTS);
    // `n <= MAX_EVENTS < i32::MAX`: the `int maxevents` is `n` itself,
    // zero- and sign-extension alike.
    arg::slice_mut(&mut events[..n])
}

/// epoll_pwait(2) with no signal mask: `timeout_ms` milliseconds, `-1`
/// waits indefinitely, `0` does not block. Returns how many entries of
/// `events` the kernel filled.
#[inline]
pub(crate) fn epoll_pwait(
    ep: BorrowedFd<'_>,
    events: &mut [EpollEvent],
    timeout_ms: i32,
) -> Result<usize> {
    let (p, n) = capped(events);
    let (e, t) = (arg::fd(ep), arg::int(timeout_ms));
    // SAFETY: `p` is valid for `n` `epoll_event`s, exclusively borrowed,
    // which is all the kernel writes; the signal mask pointer is NULL.
    ret(unsafe { raw::syscall6(Sysno::epoll_pwait, e, p, n, t, arg::null(), SIGSET_SIZE) })
}

/// epoll_pwait2(2) (Linux 5.11) with no signal mask: `timeout: None` waits
/// indefinitely. Returns how many entries of `events` the kernel filled.
#[inline]
pub(crate) fn epoll_pwait2(
    ep: BorrowedFd<'_>,
    events: &mut [EpollEvent],
    timeout: Option<&Timespec>,
) -> Result<usize> {
    let (p, n) = capped(events);
    let t = timeout.map_or(arg::null(), arg::ptr);
    // SAFETY: `p` is valid for `n` `epoll_event`s, exclusively borrowed,
    // which is all the kernel writes; `t` is NULL or a valid `timespec` it
    // reads; the signal mask pointer is NULL.
    let r = unsafe {
        raw::syscall6(
            Sysno::epoll_pwait2,
            arg::fd(ep),
            p,
            n,
            t,
            arg::null(),
            SIGSET_SIZE,
        )
    };
    ret(r)
}

#[cfg(test)]
pub(super) fn check_constants() {
    use core::mem::{align_of, offset_of, size_of};

    assert_eq!(EPOLL_CLOEXEC, libc::EPOLL_CLOEXEC as u32);
    assert_eq!(EPOLL_CTL_ADD, libc::EPOLL_CTL_ADD);
    assert_eq!(EPOLL_CTL_DEL, libc::EPOLL_CTL_DEL);
    assert_eq!(EPOLL_CTL_MOD, libc::EPOLL_CTL_MOD);
    let flags = [
        (EPOLLIN, libc::EPOLLIN),
        (EPOLLPRI, libc::EPOLLPRI),
        (EPOLLOUT, libc::EPOLLOUT),
        (EPOLLERR, libc::EPOLLERR),
        (EPOLLHUP, libc::EPOLLHUP),
        (EPOLLRDHUP, libc::EPOLLRDHUP),
        (EPOLLEXCLUSIVE, libc::EPOLLEXCLUSIVE),
        (EPOLLWAKEUP, libc::EPOLLWAKEUP),
        (EPOLLONESHOT, libc::EPOLLONESHOT),
        (EPOLLET, libc::EPOLLET),
    ];
    for (ours, theirs) in flags {
        assert_eq!(ours, theirs as u32);
    }
    assert_eq!(size_of::<EpollEvent>(), size_of::<libc::epoll_event>());
    assert_eq!(align_of::<EpollEvent>(), align_of::<libc::epoll_event>());
    assert_eq!(
        offset_of!(EpollEvent, events),
        offset_of!(libc::epoll_event, events)
    );
    assert_eq!(
        offset_of!(EpollEvent, data),
        offset_of!(libc::epoll_event, u64)
    );
    // The header's rule, independently of libc: 12 bytes on x86_64 (packed)
    // and i386 (4-aligned `__u64`), 16 elsewhere.
    let packed = cfg!(any(target_arch = "x86_64", target_arch = "x86"));
    assert_eq!(size_of::<EpollEvent>(), if packed { 12 } else { 16 });
    assert_eq!(offset_of!(EpollEvent, data), if packed { 4 } else { 8 });
}
