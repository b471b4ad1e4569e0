//! Register words from typed arguments, one helper per C argument kind.
//!
//! `usize` is the register width: 64 bits on x86_64, aarch64, riscv64 and
//! loongarch64, 32 bits on arm and i686 (checked below), and each helper is a plain
//! move or extension. A 64-bit argument (`loff_t`) fills one register on
//! the 64-bit targets ([`long`]) and two words on the 32-bit ones
//! ([`pair`]). These are the only `as` casts toward system calls.

use core::ffi::CStr;

use super::BorrowedFd;

const _: () = assert!(
    usize::BITS == 64 || usize::BITS == 32,
    "a register is a usize of 32 or 64 bits"
);

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

/// A C `long` / `loff_t` argument of a 64-bit target: one register.
#[cfg(target_pointer_width = "64")]
#[inline(always)]
pub(crate) const fn long(v: i64) -> usize {
    v as usize
}

/// A 64-bit argument (`loff_t`) as the 32-bit ABIs pass it, when it follows
/// an odd number of argument words (as every one iofd passes does:
/// pread64(2) and pwrite64(2) after three, ftruncate64(2) after one).
///
/// Two words, low word first (arm EABI and i386 are both little-endian);
/// on arm EABI the pair must start at an even register, so a pad word the
/// kernel skips comes first (syscall(2), "Architecture-specific
/// requirements"). Without the pad, arm reads the offset from the wrong
/// registers: pread64 at an offset of `1 << 32` reads at 0.
#[cfg(target_pointer_width = "32")]
#[inline(always)]
pub(crate) const fn pair(v: i64) -> Pair {
    let (lo, hi) = (v as u64 as u32 as usize, (v as u64 >> 32) as u32 as usize);
    if crate::arch::PAIRS_START_EVEN {
        Pair::Padded([0, lo, hi])
    } else {
        Pair::Packed([lo, hi])
    }
}

/// The words of a 64-bit argument: see [`pair`].
#[cfg(target_pointer_width = "32")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pair {
    /// arm EABI: `[pad, low, high]`.
    Padded([usize; 3]),
    /// i386: `[low, high]`.
    Packed([usize; 2]),
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
