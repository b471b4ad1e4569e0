//! memfd_create(2), ftruncate(2), statx(2), fcntl(2) sealing, mmap(2),
//! munmap(2).

use core::ffi::CStr;

#[cfg(target_pointer_width = "64")]
use super::ret;
use super::{BorrowedFd, arg, ret_int, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

const F_ADD_SEALS: u32 = 1033;
const F_GET_SEALS: u32 = 1034;
const AT_EMPTY_PATH: u32 = 0x1000;
const STATX_SIZE: u32 = 0x200;
pub(crate) const MAP_SHARED: u32 = 0x01;

/// The head of `struct statx` up to `stx_size`, padded to the kernel's
/// 256 bytes; the layout is the same on every arch.
#[derive(Default)]
#[repr(C)]
pub(crate) struct Statx {
    pub(crate) stx_mask: u32,
    stx_blksize: u32,
    stx_attributes: u64,
    stx_nlink: u32,
    stx_uid: u32,
    stx_gid: u32,
    stx_mode: u16,
    spare0: u16,
    stx_ino: u64,
    pub(crate) stx_size: u64,
    rest: [u64; 26],
}

/// memfd_create(2): a new memfd the caller owns.
#[inline]
pub(crate) fn memfd_create(name: &CStr, flags: u32) -> Result<i32> {
    let (n, f) = (arg::cstr(name), arg::uint(flags));
    // SAFETY: `name` is NUL-terminated and the kernel only reads it.
    ret_int(unsafe { raw::syscall2_readonly(Sysno::memfd_create, n, f) })
}

/// ftruncate(2); `len` is a non-negative `off_t`. Not a read-only call:
/// shrinking a file this process maps (and growing it back) zeroes mapped
/// bytes.
#[cfg(target_pointer_width = "64")]
#[inline]
pub(crate) fn ftruncate(fd: BorrowedFd<'_>, len: i64) -> Result<()> {
    // SAFETY: no memory argument.
    ret_unit(unsafe { raw::syscall2(Sysno::ftruncate, arg::fd(fd), arg::long(len)) })
}

/// statx(2) of the descriptor itself (`""` with `AT_EMPTY_PATH`), asking
/// for `STATX_SIZE`.
#[inline]
pub(crate) fn statx_size(fd: BorrowedFd<'_>) -> Result<u64> {
    let mut stx = Statx::default();
    let (f, path, flags) = (arg::fd(fd), arg::cstr(c""), arg::uint(AT_EMPTY_PATH));
    let (mask, buf) = (arg::uint(STATX_SIZE), arg::ptr_mut(&mut stx));
    // SAFETY: `path` is a NUL-terminated empty string the kernel reads;
    // `stx` is valid for the 256-byte `struct statx` the kernel writes.
    ret_unit(unsafe { raw::syscall5(Sysno::statx, f, path, flags, mask, buf) })?;
    Ok(stx.stx_size)
}

/// fcntl(2) `F_ADD_SEALS`.
#[inline]
pub(crate) fn fcntl_add_seals(fd: BorrowedFd<'_>, seals: u32) -> Result<()> {
    let (f, cmd, s) = (arg::fd(fd), arg::uint(F_ADD_SEALS), arg::uint(seals));
    // SAFETY: no memory argument.
    ret_unit(unsafe { raw::syscall3_readonly(Sysno::fcntl, f, cmd, s) })
}

/// fcntl(2) `F_GET_SEALS`.
#[inline]
pub(crate) fn fcntl_get_seals(fd: BorrowedFd<'_>) -> Result<u32> {
    // SAFETY: no memory argument.
    let r = unsafe { raw::syscall2_readonly(Sysno::fcntl, arg::fd(fd), arg::uint(F_GET_SEALS)) };
    ret_int(r).map(|seals| seals as u32)
}

/// mmap(2) at an address of the kernel's choosing; returns the address.
#[cfg(target_pointer_width = "64")]
#[inline]
pub(crate) fn mmap(
    len: usize,
    prot: u32,
    flags: u32,
    fd: BorrowedFd<'_>,
    off: i64,
) -> Result<usize> {
    let (p, f, o) = (arg::uint(prot), arg::uint(flags), arg::long(off));
    // SAFETY: the address hint is NULL and `MAP_FIXED` is never passed, so
    // the kernel creates a new mapping and replaces no existing memory.
    ret(unsafe { raw::syscall6(Sysno::mmap, arg::null(), len, p, f, arg::fd(fd), o) })
}

/// munmap(2).
///
/// # Safety
/// - `addr..addr + len` is a mapping the caller owns, and no reference
///   into it outlives this call.
#[inline]
pub(crate) unsafe fn munmap(addr: usize, len: usize) -> Result<()> {
    // SAFETY: the caller owns the mapping and nothing refers into it.
    ret_unit(unsafe { raw::syscall2(Sysno::munmap, addr, len) })
}

#[cfg(test)]
pub(super) fn check_constants() {
    assert_eq!(F_ADD_SEALS, libc::F_ADD_SEALS as u32);
    assert_eq!(F_GET_SEALS, libc::F_GET_SEALS as u32);
    assert_eq!(AT_EMPTY_PATH, libc::AT_EMPTY_PATH as u32);
    assert_eq!(STATX_SIZE, libc::STATX_SIZE);
}
