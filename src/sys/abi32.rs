//! The calls whose 32-bit ABI (arm EABI, i386) differs from the 64-bit
//! one, with the same signatures as their 64-bit versions elsewhere in
//! this layer, so that nothing above `sys` knows the difference.
//!
//! - 64-bit offsets and lengths take two words ([`arg::pair`]):
//!   pread64(2), pwrite64(2), ftruncate64(2); and _llseek(2) takes the
//!   offset as two words, high word first, and writes the result through
//!   a pointer.
//! - mmap2(2) takes the file offset in 4096-byte units (on both arches,
//!   whatever the page size: mmap2(2), DESCRIPTION), so it fits 44 bits.
//! - The `*_time64` calls of Linux 5.1 take the 64-bit
//!   `struct __kernel_timespec` ([`Timespec`]): clock_gettime64,
//!   timerfd_settime64, timerfd_gettime64, ppoll_time64. Where one answers
//!   `ENOSYS` (a kernel before 5.1, or a filter), it is not asked again and
//!   the call of the 32-bit `struct old_timespec32` ([`Timespec32`]) runs
//!   instead: see [`Time64`]. A time that does not fit 32 bits is then an
//!   error, `EOVERFLOW`, except a timeout, which is clamped to the longest
//!   32-bit one (68 years), as timeouts already are to the longest 64-bit
//!   one.
//!
//! The other calls iofd makes take the same arguments on both ABIs:
//! fcntl(2) among them, whose 32-bit `fcntl64` differs only for the record
//! locks with 64-bit offsets (`F_GETLK64` and friends, fs/fcntl.c), which
//! iofd never issues; and epoll_pwait2(2), which takes a
//! `struct __kernel_timespec` everywhere.

use core::ffi::c_long;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

use super::{BorrowedFd, Itimerspec, PollFd, Ret, Timespec, arg, ret, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

/// `-ENOSYS`, as a raw return value.
const ENOSYS: usize = -38_isize as usize;
/// `-EOVERFLOW`, as a raw return value: a time or offset the 32-bit call
/// cannot express.
const EOVERFLOW: usize = -75_isize as usize;
/// `-EINVAL`, as a raw return value.
const EINVAL: usize = -22_isize as usize;

/// The kernel's `sigset_t` size (64 signals).
const SIGSET_SIZE: usize = 8;

/// The unit of mmap2(2)'s offset.
const MMAP2_UNIT: i64 = 4096;

/// pread64(2); `offset` is a non-negative `loff_t`.
#[inline(always)]
pub(crate) fn pread64(fd: BorrowedFd<'_>, buf: &mut [u8], offset: i64) -> Ret {
    let (f, (p, n)) = (arg::fd(fd), arg::buf_mut(buf));
    // SAFETY: `p` is valid for `n` bytes of writes, exclusively borrowed.
    Ret(unsafe {
        match arg::pair(offset) {
            arg::Pair::Padded([pad, lo, hi]) => raw::syscall6(Sysno::pread64, f, p, n, pad, lo, hi),
            arg::Pair::Packed([lo, hi]) => raw::syscall5(Sysno::pread64, f, p, n, lo, hi),
        }
    })
}

/// pwrite64(2); `offset` is a non-negative `loff_t`.
#[inline(always)]
pub(crate) fn pwrite64(fd: BorrowedFd<'_>, buf: &[u8], offset: i64) -> Ret {
    let (f, (p, n)) = (arg::fd(fd), arg::buf(buf));
    // SAFETY: `p` is valid for `n` bytes of reads. Not a read-only call:
    // the file may be mapped into this process.
    Ret(unsafe {
        match arg::pair(offset) {
            arg::Pair::Padded([pad, lo, hi]) => {
                raw::syscall6(Sysno::pwrite64, f, p, n, pad, lo, hi)
            }
            arg::Pair::Packed([lo, hi]) => raw::syscall5(Sysno::pwrite64, f, p, n, lo, hi),
        }
    })
}

/// ftruncate64(2); `len` is a non-negative `loff_t`.
#[inline]
pub(crate) fn ftruncate(fd: BorrowedFd<'_>, len: i64) -> Result<()> {
    let f = arg::fd(fd);
    // SAFETY: no memory argument. Not a read-only call: shrinking a file
    // this process maps zeroes mapped bytes.
    ret_unit(unsafe {
        match arg::pair(len) {
            arg::Pair::Padded([pad, lo, hi]) => raw::syscall4(Sysno::ftruncate64, f, pad, lo, hi),
            arg::Pair::Packed([lo, hi]) => raw::syscall3(Sysno::ftruncate64, f, lo, hi),
        }
    })
}

/// _llseek(2); returns the new offset.
#[cfg(feature = "std")]
#[inline]
pub(crate) fn lseek(fd: BorrowedFd<'_>, offset: i64, whence: u32) -> Result<u64> {
    let mut pos = 0_u64;
    let (f, w, r) = (arg::fd(fd), arg::uint(whence), arg::ptr_mut(&mut pos));
    // High word first: `_llseek(fd, offset_high, offset_low, result, whence)`.
    let (hi, lo) = ((offset as u64 >> 32) as u32, offset as u32);
    // SAFETY: `pos` is valid for the one `loff_t` the kernel writes.
    let res = unsafe { raw::syscall5(Sysno::_llseek, f, arg::uint(hi), arg::uint(lo), r, w) };
    ret_unit(res).map(|()| pos)
}

/// mmap2(2) at an address of the kernel's choosing; returns the address.
/// `off` must be a multiple of 4096 (as of the page size, which the
/// kernel checks) below 2^44: otherwise `EINVAL`, or `EOVERFLOW`.
#[inline]
pub(crate) fn mmap(
    len: usize,
    prot: u32,
    flags: u32,
    fd: BorrowedFd<'_>,
    off: i64,
) -> Result<usize> {
    if off < 0 || off % MMAP2_UNIT != 0 {
        return ret(EINVAL);
    }
    let Ok(units) = u32::try_from(off / MMAP2_UNIT) else {
        return ret(EOVERFLOW);
    };
    let (p, f, o) = (arg::uint(prot), arg::uint(flags), arg::uint(units));
    // SAFETY: the address hint is NULL and `MAP_FIXED` is never passed, so
    // the kernel creates a new mapping and replaces no existing memory.
    ret(unsafe { raw::syscall6(Sysno::mmap2, arg::null(), len, p, f, arg::fd(fd), o) })
}

/// `struct old_timespec32` (include/vdso/time32.h): the `timespec` of the
/// 32-bit calls, a `long` of seconds and one of nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Timespec32 {
    pub(crate) tv_sec: c_long,
    pub(crate) tv_nsec: c_long,
}

/// `struct old_itimerspec32`: interval first, then the initial value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub(crate) struct Itimerspec32 {
    pub(crate) it_interval: Timespec32,
    pub(crate) it_value: Timespec32,
}

impl Timespec32 {
    /// `t` in 32 bits, or `-EOVERFLOW` (as a raw return value) if its
    /// seconds do not fit, `-EINVAL` if its nanoseconds do not (the kernel
    /// would refuse them anyway).
    fn new(t: &Timespec) -> core::result::Result<Timespec32, usize> {
        Ok(Timespec32 {
            tv_sec: c_long::try_from(t.tv_sec).map_err(|_| EOVERFLOW)?,
            tv_nsec: c_long::try_from(t.tv_nsec).map_err(|_| EINVAL)?,
        })
    }

    /// `t` in 32 bits, seconds clamped to the 32-bit range: for timeouts.
    fn saturating(t: &Timespec) -> Timespec32 {
        Timespec32::new(t).unwrap_or(Timespec32 {
            tv_sec: if t.tv_sec < 0 { 0 } else { c_long::MAX },
            tv_nsec: 999_999_999,
        })
    }

    fn widen(self) -> Timespec {
        Timespec {
            tv_sec: i64::from(self.tv_sec),
            tv_nsec: i64::from(self.tv_nsec),
        }
    }
}

impl Itimerspec32 {
    fn new(t: &Itimerspec) -> core::result::Result<Itimerspec32, usize> {
        Ok(Itimerspec32 {
            it_interval: Timespec32::new(&t.it_interval)?,
            it_value: Timespec32::new(&t.it_value)?,
        })
    }

    fn widen(self) -> Itimerspec {
        Itimerspec {
            it_interval: self.it_interval.widen(),
            it_value: self.it_value.widen(),
        }
    }
}

/// Whether a `*_time64` call is known to be missing: set once it answers
/// `ENOSYS`, after which its 32-bit counterpart runs directly.
///
/// Race-free without ordering: the flag only goes from `false` to `true`,
/// and publishes nothing else. Threads that see `false` each ask the
/// kernel, which gives them all the same answer.
pub(crate) struct Time64(AtomicBool);

impl Time64 {
    const fn new() -> Time64 {
        Time64(AtomicBool::new(false))
    }

    /// The raw result of `call` (the time64 call), or `None` if the call
    /// is missing: known to be, or found to be now (`ENOSYS`). The caller
    /// then makes the 32-bit call.
    #[inline(always)]
    fn call(&self, call: impl FnOnce() -> usize) -> Option<usize> {
        if self.0.load(Relaxed) {
            return None;
        }
        let r = call();
        if r == ENOSYS {
            self.0.store(true, Relaxed);
            return None;
        }
        Some(r)
    }
}

static CLOCK_GETTIME64: Time64 = Time64::new();
static TIMERFD_SETTIME64: Time64 = Time64::new();
static TIMERFD_GETTIME64: Time64 = Time64::new();
static PPOLL_TIME64: Time64 = Time64::new();

/// clock_gettime64(2), or clock_gettime(2) before Linux 5.1.
#[inline]
pub(crate) fn clock_gettime(clock: i32) -> Result<Timespec> {
    let c = arg::int(clock);
    let mut ts = Timespec::default();
    // SAFETY: `ts` is valid for the one `timespec` the kernel writes.
    let call = || unsafe { raw::syscall2(Sysno::clock_gettime64, c, arg::ptr_mut(&mut ts)) };
    match CLOCK_GETTIME64.call(call) {
        Some(r) => ret_unit(r).map(|()| ts),
        None => clock_gettime32(c),
    }
}

/// timerfd_settime64(2), or timerfd_settime(2) before Linux 5.1,
/// discarding the old value.
#[inline]
pub(crate) fn timerfd_settime(fd: BorrowedFd<'_>, flags: u32, new: &Itimerspec) -> Ret {
    let (f, fl) = (arg::fd(fd), arg::uint(flags));
    // SAFETY: `new` is a valid `itimerspec` the kernel reads; the old value
    // pointer is NULL, so the kernel writes no memory.
    let call = || unsafe {
        raw::syscall4_readonly(Sysno::timerfd_settime64, f, fl, arg::ptr(new), arg::null())
    };
    Ret(TIMERFD_SETTIME64
        .call(call)
        .unwrap_or_else(|| timerfd_settime32(f, fl, new, None)))
}

/// timerfd_settime64(2), or timerfd_settime(2) before Linux 5.1, writing
/// the previous setting into `old`.
#[inline]
pub(crate) fn timerfd_settime_old(
    fd: BorrowedFd<'_>,
    flags: u32,
    new: &Itimerspec,
    old: &mut Itimerspec,
) -> Ret {
    let (f, fl) = (arg::fd(fd), arg::uint(flags));
    let o = arg::ptr_mut(old);
    // SAFETY: `new` is a valid `itimerspec` the kernel reads; `o` is
    // valid for the one `itimerspec` it writes.
    let call = || unsafe { raw::syscall4(Sysno::timerfd_settime64, f, fl, arg::ptr(new), o) };
    match TIMERFD_SETTIME64.call(call) {
        Some(r) => Ret(r),
        None => Ret(timerfd_settime32(f, fl, new, Some(old))),
    }
}

/// timerfd_gettime64(2), or timerfd_gettime(2) before Linux 5.1, into
/// `cur`.
#[inline]
pub(crate) fn timerfd_gettime(fd: BorrowedFd<'_>, cur: &mut Itimerspec) -> Ret {
    let f = arg::fd(fd);
    let c = arg::ptr_mut(cur);
    // SAFETY: `c` is valid for the one `itimerspec` the kernel writes.
    let call = || unsafe { raw::syscall2(Sysno::timerfd_gettime64, f, c) };
    match TIMERFD_GETTIME64.call(call) {
        Some(r) => Ret(r),
        None => Ret(timerfd_gettime32(f, cur)),
    }
}

/// ppoll_time64(2), or ppoll(2) before Linux 5.1: see `sys::ppoll`.
#[inline]
pub(crate) fn ppoll(
    fds: &mut [PollFd],
    mut timeout: Option<&mut Timespec>,
    mask: Option<&u64>,
) -> Result<usize> {
    let (p, n) = arg::slice_mut(fds);
    let m = mask.map_or(arg::null(), arg::ptr);
    let t = timeout.as_deref_mut().map_or(arg::null(), arg::ptr_mut);
    // SAFETY: `p` is valid for `n` `pollfd`s, whose `revents` the kernel
    // writes; `t` is NULL or a `timespec` the kernel reads and may write;
    // `m` is NULL or an 8-byte signal mask it only reads. A signal handler
    // may run before the call returns (this is not a `readonly` call).
    let call = || unsafe { raw::syscall5(Sysno::ppoll_time64, p, n, t, m, SIGSET_SIZE) };
    match PPOLL_TIME64.call(call) {
        Some(r) => ret(r),
        None => ret(ppoll32(p, n, timeout, m)),
    }
}

// The 32-bit calls, out of line: on a kernel of Linux 5.1 or later they
// never run, and they are not worth their room at every call site.

/// clock_gettime(2) of clock `c` (a register word).
#[cold]
#[inline(never)]
fn clock_gettime32(c: usize) -> Result<Timespec> {
    let mut ts32 = Timespec32::default();
    // SAFETY: `ts32` is valid for the one 32-bit `timespec` the kernel
    // writes.
    let r = unsafe { raw::syscall2(Sysno::clock_gettime, c, arg::ptr_mut(&mut ts32)) };
    ret_unit(r).map(|()| ts32.widen())
}

/// timerfd_settime(2) on descriptor word `f` with flags word `fl`; the
/// raw result.
#[cold]
#[inline(never)]
fn timerfd_settime32(f: usize, fl: usize, new: &Itimerspec, old: Option<&mut Itimerspec>) -> usize {
    let new32 = match Itimerspec32::new(new) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let n = arg::ptr(&new32);
    let Some(old) = old else {
        // SAFETY: `new32` is a valid 32-bit `itimerspec` the kernel reads;
        // the old value pointer is NULL, so the kernel writes no memory.
        return unsafe { raw::syscall4_readonly(Sysno::timerfd_settime, f, fl, n, arg::null()) };
    };
    let mut old32 = Itimerspec32::default();
    // SAFETY: as above; `old32` is valid for the one 32-bit `itimerspec`
    // the kernel writes.
    let r = unsafe { raw::syscall4(Sysno::timerfd_settime, f, fl, n, arg::ptr_mut(&mut old32)) };
    *old = old32.widen();
    r
}

/// timerfd_gettime(2) on descriptor word `f` into `cur`; the raw result.
#[cold]
#[inline(never)]
fn timerfd_gettime32(f: usize, cur: &mut Itimerspec) -> usize {
    let mut cur32 = Itimerspec32::default();
    // SAFETY: `cur32` is valid for the one 32-bit `itimerspec` the kernel
    // writes.
    let r = unsafe { raw::syscall2(Sysno::timerfd_gettime, f, arg::ptr_mut(&mut cur32)) };
    *cur = cur32.widen();
    r
}

/// ppoll(2) of the `n` `pollfd`s at `p` with mask word `m`, the timeout
/// clamped to 32 bits and the time left written back; the raw result.
#[cold]
#[inline(never)]
fn ppoll32(p: usize, n: usize, timeout: Option<&mut Timespec>, m: usize) -> usize {
    let mut t32 = timeout.as_deref().map(Timespec32::saturating);
    let t = t32.as_mut().map_or(arg::null(), arg::ptr_mut);
    // SAFETY: the caller's `p`, `n` and `m` (see `ppoll`); `t` is NULL or
    // a 32-bit `timespec` the kernel reads and may write.
    let r = unsafe { raw::syscall5(Sysno::ppoll, p, n, t, m, SIGSET_SIZE) };
    if let (Some(t), Some(t32)) = (timeout, t32) {
        *t = t32.widen();
    }
    r
}

#[cfg(test)]
mod tests {
    use core::mem::{offset_of, size_of};

    use super::*;

    #[test]
    fn old_timespecs_are_libcs() {
        // libc's `timespec` on 32-bit glibc is the 32-bit one (its default
        // `time_t` is a `long`).
        assert_eq!(size_of::<Timespec32>(), size_of::<libc::timespec>());
        assert_eq!(
            offset_of!(Timespec32, tv_nsec),
            offset_of!(libc::timespec, tv_nsec)
        );
        assert_eq!(size_of::<Itimerspec32>(), size_of::<libc::itimerspec>());
        assert_eq!(
            offset_of!(Itimerspec32, it_value),
            offset_of!(libc::itimerspec, it_value)
        );
    }

    #[test]
    fn times_beyond_32_bits_are_errors_or_clamped_never_truncated() {
        let t = |tv_sec, tv_nsec| Timespec { tv_sec, tv_nsec };
        assert_eq!(
            Timespec32::new(&t(5, 7)),
            Ok(Timespec32 {
                tv_sec: 5,
                tv_nsec: 7
            })
        );
        assert_eq!(Timespec32::new(&t(1 << 32, 0)), Err(EOVERFLOW));
        assert_eq!(
            Timespec32::new(&t(i64::from(i32::MAX) + 1, 0)),
            Err(EOVERFLOW)
        );
        assert_eq!(Timespec32::new(&t(0, 1 << 32)), Err(EINVAL));
        let spec = Itimerspec {
            it_interval: t(0, 0),
            it_value: t(1 << 33, 0),
        };
        assert_eq!(Itimerspec32::new(&spec), Err(EOVERFLOW));
        assert_eq!(
            Timespec32::saturating(&t(i64::MAX, 999_999_999)),
            Timespec32 {
                tv_sec: c_long::MAX,
                tv_nsec: 999_999_999
            }
        );
        assert_eq!(Timespec32::saturating(&t(3, 4)).widen(), t(3, 4));
    }

    #[test]
    fn time64_falls_back_on_enosys_only_and_remembers() {
        let probe = Time64::new();
        let mut calls = 0;
        let mut answer = |r: usize| {
            calls += 1;
            r
        };
        assert_eq!(probe.call(|| answer(0)), Some(0));
        let eperm = -1_isize as usize;
        assert_eq!(probe.call(|| answer(eperm)), Some(eperm));
        assert_eq!(probe.call(|| answer(ENOSYS)), None);
        // Known missing: not asked again.
        assert_eq!(probe.call(|| answer(0)), None);
        assert_eq!(calls, 3);
    }

    #[test]
    fn mmap2_offsets_are_whole_units_below_2_pow_44() {
        // Checked before any system call: no descriptor is needed to see
        // the refusals (a descriptor that is not open would be `EBADF`).
        // SAFETY: -1 is never used: each call fails before the kernel.
        let bad = unsafe { BorrowedFd::borrow_raw(-1) };
        for (off, errno) in [(-4096, 22), (1, 22), (4095, 22), (1 << 44, 75)] {
            let e = mmap(4096, 1, 1, bad, off).unwrap_err();
            assert_eq!(e.raw_os_error(), errno, "offset {off}");
        }
        let e = mmap(4096, 1, 1, bad, (1 << 44) - 4096).unwrap_err();
        assert_eq!(e.raw_os_error(), 9, "EBADF from the kernel");
    }
}
