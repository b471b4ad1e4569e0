//! Register words from typed arguments, one helper per C argument kind.
//!
//! Every supported target is 64-bit (checked by `build.rs` and below), so
//! `usize` is the register width and each helper is a plain move or
//! extension. These are the only `as` casts toward system calls.

use core::ffi::CStr;

use super::BorrowedFd;

const _: () = assert!(usize::BITS == 64, "iofd supports 64-bit targets only");

/// A descriptor argument (C `int fd` or `unsigned int fd`).
///
/// A borrowed descriptor is open, hence non-negative, so zero-extension
/// gives the same word as sign-extension, in one 32-bit move.
#[inline(always)]
pub(crate) fn fd(fd: BorrowedFd<'_>) -> usize {
    uint(fd.raw().cast_unsigned())
}

/// A C `int` argument, sign-extended as C promotes it to a register.
#[inline(always)]
pub(crate) const fn int(v: i32) -> usize {
    v as isize as usize
}

/// A C `unsigned int` argument, zero-extended.
#[inline(always)]
pub(crate) const fn uint(v: u32) -> usize {
    v as usize
}

/// A C `long` / `loff_t` argument, sign-extended (a no-op on 64-bit).
#[inline(always)]
pub(crate) const fn long(v: i64) -> usize {
    v as usize
}

/// A pointer to a value the kernel only reads.
#[inline(always)]
pub(crate) fn ptr<T>(v: &T) -> usize {
    v as *const T as usize
}

/// A pointer to a value the kernel may write.
#[inline(always)]
pub(crate) fn ptr_mut<T>(v: &mut T) -> usize {
    v as *mut T as usize
}

/// A NUL-terminated string the kernel reads.
#[inline(always)]
pub(crate) fn cstr(s: &CStr) -> usize {
    s.as_ptr() as usize
}

/// A NULL pointer argument.
#[inline(always)]
pub(crate) const fn null() -> usize {
    0
}

/// A buffer the kernel only reads: `(pointer, length)`.
#[inline(always)]
pub(crate) fn buf(b: &[u8]) -> (usize, usize) {
    (b.as_ptr() as usize, b.len())
}

/// A buffer the kernel may fill: `(pointer, length)`.
#[inline(always)]
pub(crate) fn buf_mut(b: &mut [u8]) -> (usize, usize) {
    slice_mut(b)
}

/// An array of `T` the kernel may update: `(pointer, element count)`.
#[inline(always)]
pub(crate) fn slice_mut<T>(s: &mut [T]) -> (usize, usize) {
    (s.as_mut_ptr() as usize, s.len())
}
