//! clock_gettime(2), timerfd_create(2), timerfd_settime(2),
//! timerfd_gettime(2), and the kernel's time structures.

#[cfg(target_pointer_width = "64")]
use super::{BorrowedFd, Ret, ret_unit};
use super::{arg, ret_int};
use crate::Result;
use crate::raw::{self, Sysno};

/// `struct __kernel_timespec` (include/uapi/linux/time_types.h): the
/// `struct timespec` of the 64-bit targets, and of the `*_time64` calls of
/// the 32-bit ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Timespec {
    pub(crate) tv_sec: i64,
    pub(crate) tv_nsec: i64,
}

/// `struct __kernel_itimerspec`: interval first, then the initial value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Itimerspec {
    pub(crate) it_interval: Timespec,
    pub(crate) it_value: Timespec,
}

/// clock_gettime(2). A plain system call: no vDSO without libc's loader.
#[cfg(target_pointer_width = "64")]
#[inline]
pub(crate) fn clock_gettime(clock: i32) -> Result<Timespec> {
    let mut ts = Timespec::default();
    // SAFETY: `ts` is valid for the one `timespec` the kernel writes.
    let r = unsafe { raw::syscall2(Sysno::clock_gettime, arg::int(clock), arg::ptr_mut(&mut ts)) };
    ret_unit(r).map(|()| ts)
}

/// timerfd_create(2): a new timerfd the caller owns.
#[inline]
pub(crate) fn timerfd_create(clock: i32, flags: u32) -> Result<i32> {
    let (c, f) = (arg::int(clock), arg::uint(flags));
    // SAFETY: no memory argument.
    ret_int(unsafe { raw::syscall2_readonly(Sysno::timerfd_create, c, f) })
}

/// timerfd_settime(2), discarding the old value.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
pub(crate) fn timerfd_settime(fd: BorrowedFd<'_>, flags: u32, new: &Itimerspec) -> Ret {
    let (f, fl, p) = (arg::fd(fd), arg::uint(flags), arg::ptr(new));
    // SAFETY: `new` is a valid `itimerspec` the kernel reads; the old value
    // pointer is NULL, so the kernel writes no memory.
    Ret(unsafe { raw::syscall4_readonly(Sysno::timerfd_settime, f, fl, p, arg::null()) })
}

/// timerfd_settime(2), writing the previous setting into `old`.
#[cfg(target_pointer_width = "64")]
#[inline]
pub(crate) fn timerfd_settime_old(
    fd: BorrowedFd<'_>,
    flags: u32,
    new: &Itimerspec,
    old: &mut Itimerspec,
) -> Ret {
    let (f, fl, p, o) = (
        arg::fd(fd),
        arg::uint(flags),
        arg::ptr(new),
        arg::ptr_mut(old),
    );
    // SAFETY: `new` is a valid `itimerspec` the kernel reads; `old` is
    // valid for the one `itimerspec` it writes.
    Ret(unsafe { raw::syscall4(Sysno::timerfd_settime, f, fl, p, o) })
}

/// timerfd_gettime(2) into `cur`.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
pub(crate) fn timerfd_gettime(fd: BorrowedFd<'_>, cur: &mut Itimerspec) -> Ret {
    // SAFETY: `cur` is valid for the one `itimerspec` the kernel writes.
    Ret(unsafe { raw::syscall2(Sysno::timerfd_gettime, arg::fd(fd), arg::ptr_mut(cur)) })
}
