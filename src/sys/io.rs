//! Descriptor I/O: read(2), write(2), pread64(2), pwrite64(2), lseek(2),
//! close(2), fcntl(2), pipe2(2).

use super::{BorrowedFd, Ret, arg, ret_int, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

/// `O_NONBLOCK` (the same value on every supported arch).
pub(crate) const O_NONBLOCK: u32 = 0o4000;
/// `O_CLOEXEC` (the same value on every supported arch).
pub(crate) const O_CLOEXEC: u32 = 0o2000000;
/// `FD_CLOEXEC`, the one descriptor flag.
pub(crate) const FD_CLOEXEC: u32 = 1;

const F_GETFD: u32 = 1;
const F_SETFD: u32 = 2;
const F_GETFL: u32 = 3;
const F_SETFL: u32 = 4;
const F_DUPFD_CLOEXEC: u32 = 1030;

/// read(2).
#[inline(always)]
pub(crate) fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Ret {
    let (p, n) = arg::buf_mut(buf);
    // SAFETY: `p` is valid for `n` bytes of writes, exclusively borrowed.
    Ret(unsafe { raw::syscall3(Sysno::read, arg::fd(fd), p, n) })
}

/// write(2). Not a read-only call (see `sys`): the file may be mapped into
/// this process, and a blocking write may run a signal handler.
#[inline(always)]
pub(crate) fn write(fd: BorrowedFd<'_>, buf: &[u8]) -> Ret {
    let (p, n) = arg::buf(buf);
    // SAFETY: `p` is valid for `n` bytes of reads.
    Ret(unsafe { raw::syscall3(Sysno::write, arg::fd(fd), p, n) })
}

/// pread64(2); `offset` is a non-negative `loff_t`.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
pub(crate) fn pread64(fd: BorrowedFd<'_>, buf: &mut [u8], offset: i64) -> Ret {
    let (p, n) = arg::buf_mut(buf);
    let off = arg::long(offset);
    // SAFETY: `p` is valid for `n` bytes of writes, exclusively borrowed.
    Ret(unsafe { raw::syscall4(Sysno::pread64, arg::fd(fd), p, n, off) })
}

/// pwrite64(2); `offset` is a non-negative `loff_t`. Not a read-only call,
/// as write(2).
#[cfg(target_pointer_width = "64")]
#[inline(always)]
pub(crate) fn pwrite64(fd: BorrowedFd<'_>, buf: &[u8], offset: i64) -> Ret {
    let (p, n) = arg::buf(buf);
    let off = arg::long(offset);
    // SAFETY: `p` is valid for `n` bytes of reads.
    Ret(unsafe { raw::syscall4(Sysno::pwrite64, arg::fd(fd), p, n, off) })
}

/// close(2). Never retried: on Linux the number is released even when the
/// call reports `EINTR` or `EIO`. Not a read-only call: it can be
/// interrupted by a signal handler (`EINTR`).
///
/// # Safety
/// - The caller owns `fd`, and nothing uses the number after this call.
#[inline(always)]
pub(crate) unsafe fn close(fd: i32) -> Result<()> {
    // SAFETY: no memory argument; the caller gives up `fd`.
    ret_unit(unsafe { raw::syscall1(Sysno::close, arg::int(fd)) })
}

/// fcntl(2) `F_GETFL`: the file status flags.
#[inline]
pub(crate) fn fcntl_getfl(fd: BorrowedFd<'_>) -> Result<u32> {
    // SAFETY: no memory argument.
    let r = unsafe { raw::syscall2_readonly(Sysno::fcntl, arg::fd(fd), arg::uint(F_GETFL)) };
    ret_int(r).map(|flags| flags as u32)
}

/// fcntl(2) `F_SETFL`.
#[inline]
pub(crate) fn fcntl_setfl(fd: BorrowedFd<'_>, flags: u32) -> Result<()> {
    let (f, cmd, v) = (arg::fd(fd), arg::uint(F_SETFL), arg::uint(flags));
    // SAFETY: no memory argument.
    ret_unit(unsafe { raw::syscall3_readonly(Sysno::fcntl, f, cmd, v) })
}

/// fcntl(2) `F_GETFD`: the descriptor flags.
#[inline]
pub(crate) fn fcntl_getfd(fd: BorrowedFd<'_>) -> Result<u32> {
    // SAFETY: no memory argument.
    let r = unsafe { raw::syscall2_readonly(Sysno::fcntl, arg::fd(fd), arg::uint(F_GETFD)) };
    ret_int(r).map(|flags| flags as u32)
}

/// fcntl(2) `F_SETFD`.
#[inline]
pub(crate) fn fcntl_setfd(fd: BorrowedFd<'_>, flags: u32) -> Result<()> {
    let (f, cmd, v) = (arg::fd(fd), arg::uint(F_SETFD), arg::uint(flags));
    // SAFETY: no memory argument.
    ret_unit(unsafe { raw::syscall3_readonly(Sysno::fcntl, f, cmd, v) })
}

/// fcntl(2) `F_DUPFD_CLOEXEC`: a new close-on-exec descriptor `>= 0` for
/// the same open file, which the caller owns once decoded.
#[inline(always)]
pub(crate) fn fcntl_dupfd_cloexec(fd: BorrowedFd<'_>) -> Ret {
    let (f, cmd, min) = (arg::fd(fd), arg::uint(F_DUPFD_CLOEXEC), arg::int(0));
    // SAFETY: no memory argument.
    Ret(unsafe { raw::syscall3_readonly(Sysno::fcntl, f, cmd, min) })
}

/// pipe2(2): `[read end, write end]`, owned by the caller.
#[inline]
pub(crate) fn pipe2(flags: u32) -> Result<[i32; 2]> {
    let mut fds = [-1_i32; 2];
    // SAFETY: `fds` is valid for the two `int`s the kernel writes.
    let r = unsafe { raw::syscall2(Sysno::pipe2, arg::ptr_mut(&mut fds), arg::uint(flags)) };
    ret_unit(r).map(|()| fds)
}

#[cfg(test)]
pub(super) fn check_fcntl_commands() {
    assert_eq!(F_GETFD, libc::F_GETFD as u32);
    assert_eq!(F_SETFD, libc::F_SETFD as u32);
    assert_eq!(F_GETFL, libc::F_GETFL as u32);
    assert_eq!(F_SETFL, libc::F_SETFL as u32);
    assert_eq!(F_DUPFD_CLOEXEC, libc::F_DUPFD_CLOEXEC as u32);
}

/// lseek(2); returns the new offset. Not a read-only call: on a FUSE file
/// it waits for the server, which can be interrupted by a signal handler.
#[cfg(all(feature = "std", target_pointer_width = "64"))]
#[inline]
pub(crate) fn lseek(fd: BorrowedFd<'_>, offset: i64, whence: u32) -> Result<u64> {
    let (f, o, w) = (arg::fd(fd), arg::long(offset), arg::uint(whence));
    // SAFETY: no memory argument.
    super::ret(unsafe { raw::syscall3(Sysno::lseek, f, o, w) }).map(|pos| pos as u64)
}
