//! memfd_create(2), ftruncate(2), statx(2), fstatfs(2), fcntl(2) sealing,
//! mmap(2), munmap(2).

use core::ffi::{CStr, c_ulong};

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
pub(crate) const MAP_PRIVATE: u32 = 0x02;
/// `f_type` of a hugetlbfs file (`<linux/magic.h>`).
pub(crate) const HUGETLBFS_MAGIC: u64 = 0x9584_58f6;
/// `f_type` of a procfs file (`<linux/magic.h>`).
pub(crate) const PROC_SUPER_MAGIC: u64 = 0x9fa0;

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

/// `struct statfs` (`<asm-generic/statfs.h>`, which x86 uses too), of
/// which the crate reads the first two words. Every field but `f_fsid`
/// (two `int`s) is a `__statfs_word`: a `long` on the 64-bit targets
/// (120 bytes in all), a `__u32` on the 32-bit ones (64 bytes), where
/// fstatfs(2) fails with `EOVERFLOW` only if a block or inode count does
/// not fit (`do_statfs_native` in fs/statfs.c), which no memfd's file
/// system (tmpfs, hugetlbfs) of a 32-bit machine reaches.
#[derive(Default)]
#[repr(C)]
pub(crate) struct RawStatfs {
    f_type: c_ulong,
    f_bsize: c_ulong,
    /// `f_blocks`, `f_bfree`, `f_bavail`, `f_files`, `f_ffree`.
    counts: [c_ulong; 5],
    f_fsid: [i32; 2],
    /// `f_namelen`, `f_frsize`, `f_flags`, `f_spare[4]`.
    tail: [c_ulong; 7],
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

/// What the crate reads of a `struct statfs`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Statfs {
    /// `f_type`: the file system's magic number.
    pub(crate) f_type: u64,
    /// `f_bsize`: its block size (the huge page size on hugetlbfs).
    pub(crate) f_bsize: u64,
}

/// fstatfs(2): the file system the descriptor's file lives on.
#[inline]
pub(crate) fn fstatfs(fd: BorrowedFd<'_>) -> Result<Statfs> {
    let mut st = RawStatfs::default();
    let (f, buf) = (arg::fd(fd), arg::ptr_mut(&mut st));
    // SAFETY: `st` is valid for the `struct statfs` (120 or 64 bytes) the
    // kernel writes.
    ret_unit(unsafe { raw::syscall2(Sysno::fstatfs, f, buf) })?;
    Ok(Statfs {
        f_type: widen(st.f_type),
        f_bsize: widen(st.f_bsize),
    })
}

/// A `__statfs_word`, zero-extended on the 32-bit targets.
#[allow(
    clippy::useless_conversion,
    reason = "a no-op on the 64-bit targets, where `c_ulong` is `u64`"
)]
#[inline(always)]
fn widen(word: c_ulong) -> u64 {
    u64::from(word)
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
pub(super) fn check_statfs_offsets() {
    use core::mem::offset_of;

    let pairs = [
        (
            offset_of!(RawStatfs, f_type),
            offset_of!(libc::statfs, f_type),
        ),
        (
            offset_of!(RawStatfs, f_bsize),
            offset_of!(libc::statfs, f_bsize),
        ),
        (
            offset_of!(RawStatfs, f_fsid),
            offset_of!(libc::statfs, f_fsid),
        ),
        (
            offset_of!(RawStatfs, tail),
            offset_of!(libc::statfs, f_namelen),
        ),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(ours, theirs);
    }
}

#[cfg(test)]
pub(super) fn check_constants() {
    assert_eq!(F_ADD_SEALS, libc::F_ADD_SEALS as u32);
    assert_eq!(F_GET_SEALS, libc::F_GET_SEALS as u32);
    assert_eq!(AT_EMPTY_PATH, libc::AT_EMPTY_PATH as u32);
    assert_eq!(STATX_SIZE, libc::STATX_SIZE);
    assert_eq!(MAP_PRIVATE, libc::MAP_PRIVATE as u32);
    // libc's is a `__fsword_t`: an `int` on the 32-bit targets, where the
    // magic number reads negative. The kernel's `f_type` is unsigned.
    assert_eq!(HUGETLBFS_MAGIC, u64::from(libc::HUGETLBFS_MAGIC as u32));
    assert_eq!(PROC_SUPER_MAGIC, u64::from(libc::PROC_SUPER_MAGIC as u32));
}
