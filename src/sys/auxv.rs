//! prctl(2) `PR_GET_AUXV` and openat(2): the calls that find a copy of the
//! auxiliary vector.

use core::ffi::CStr;

use super::{arg, ret, ret_int};
use crate::Result;
use crate::raw::{self, Sysno};

/// `PR_GET_AUXV` (Linux 6.4), `"AUXV"` in ASCII.
const PR_GET_AUXV: i32 = 0x4155_5856;
/// `AT_FDCWD`: a path relative to the working directory.
const AT_FDCWD: i32 = -100;
/// `O_RDONLY`.
pub(crate) const O_RDONLY: u32 = 0;

/// prctl(2) `PR_GET_AUXV`: copies the first `buf.len()` bytes of the
/// kernel's copy of the auxiliary vector into `buf` and returns the size
/// of the whole copy, which may be larger (kernel/sys.c,
/// `prctl_get_auxv`: `min(sizeof(mm->saved_auxv), len)` bytes copied,
/// `sizeof(mm->saved_auxv)` returned).
#[inline]
pub(crate) fn prctl_get_auxv(buf: &mut [u8]) -> Result<usize> {
    let (p, n) = arg::buf_mut(buf);
    // SAFETY: `p` is valid for `n` bytes of writes, exclusively borrowed;
    // the kernel writes at most `n` bytes. The last two arguments must be 0.
    ret(unsafe { raw::syscall5(Sysno::prctl, arg::int(PR_GET_AUXV), p, n, 0, 0) })
}

/// openat(2) of `path` relative to the working directory (`AT_FDCWD`),
/// with `flags` and no mode: a new descriptor the caller owns.
#[inline]
pub(crate) fn openat(path: &CStr, flags: u32) -> Result<i32> {
    let (dir, p, f) = (arg::int(AT_FDCWD), arg::cstr(path), arg::uint(flags));
    // SAFETY: `path` is NUL-terminated and the kernel only reads it. Not
    // read-only: an open on a file system that waits for a server (FUSE)
    // can be interrupted, and the handler runs first.
    ret_int(unsafe { raw::syscall4(Sysno::openat, dir, p, f, 0) })
}

#[cfg(test)]
pub(super) fn check_constants() {
    assert_eq!(AT_FDCWD, libc::AT_FDCWD);
    assert_eq!(O_RDONLY, libc::O_RDONLY as u32);
    // Not in the libc crate for Linux: the value from
    // include/uapi/linux/prctl.h, which spells "AUXV".
    assert_eq!(PR_GET_AUXV.to_be_bytes(), *b"AUXV");
}
