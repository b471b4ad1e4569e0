//! The memory functions this program supplies itself: `memcpy`, `memmove`,
//! `memset`, `memcmp`, `bcmp`; on aarch64 Linux the flag that picks how
//! atomics run; and on arm the unwinder's personality routines that unwind
//! tables name.
//!
//! The compiler turns copies, fills and comparisons into calls to the five
//! memory functions. On `*-linux-gnu` it leaves them to libc, which this
//! program does not link; on the bare-metal targets `compiler_builtins`
//! has them, tuned for large copies (about 900 bytes on aarch64), and the
//! linker leaves those out when the program defines its own. Byte loops
//! are plenty for a
//! program that copies a few dozen bytes. The crate is `no_builtins`, so
//! LLVM does not recognise the loops as the very functions they implement
//! and call them from themselves.

/// Copies `n` bytes from `src` to `dst`; returns `dst`.
///
/// # Safety
/// `src` is valid for reading and `dst` for writing `n` bytes, and the two
/// ranges do not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: `i < n`, and the caller vouches for `n` bytes at each.
        unsafe { *dst.add(i) = *src.add(i) };
    }
    dst
}

/// Copies `n` bytes from `src` to `dst`, which may overlap; returns `dst`.
///
/// # Safety
/// `src` is valid for reading and `dst` for writing `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // Copy away from the overlap: forwards when `dst` is below `src`,
    // backwards otherwise, so each byte is read before it is overwritten.
    let forwards = dst.cast_const() <= src;
    for k in 0..n {
        let i = if forwards { k } else { n - 1 - k };
        // SAFETY: `i < n`, and the caller vouches for `n` bytes at each.
        unsafe { *dst.add(i) = *src.add(i) };
    }
    dst
}

/// Fills `n` bytes at `dst` with the byte `c`; returns `dst`.
///
/// # Safety
/// `dst` is valid for writing `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: `i < n`, and the caller vouches for `n` bytes.
        unsafe { *dst.add(i) = c as u8 };
    }
    dst
}

/// Compares `n` bytes as unsigned chars: negative, zero or positive as the
/// first differing byte of `a` is below, equal to or above that of `b`.
///
/// # Safety
/// `a` and `b` are valid for reading `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: `i < n`, and the caller vouches for `n` bytes at each.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// Zero if the `n` bytes at `a` and `b` are equal, non-zero otherwise.
///
/// # Safety
/// `a` and `b` are valid for reading `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: `i < n`, and the caller vouches for `n` bytes at each.
        if unsafe { *a.add(i) != *b.add(i) } {
            return 1;
        }
    }
    0
}

/// Whether the CPU has the ARMv8.1 atomic instructions (LSE): `false`, so
/// the atomics run as load-exclusive/store-exclusive loops, which every
/// ARMv8 CPU has.
///
/// aarch64-unknown-linux-gnu compiles atomics to calls into helpers that
/// read this flag. Its usual definition comes with a constructor that sets
/// it from libc's `getauxval`; without libc that would not link, and this
/// program runs no constructors anyway, so the flag would stay `false`.
/// Defining it here keeps both out.
#[cfg(all(target_arch = "aarch64", target_os = "linux"))]
#[unsafe(no_mangle)]
static __aarch64_have_lse_atomics: bool = false;

/// The personality routines that ARM unwind tables name: the prebuilt
/// `core` of armv7-unknown-linux-gnueabihf comes with a table entry for
/// every function, each naming `__aeabi_unwind_cpp_pr0` or
/// `__aeabi_unwind_cpp_pr1` (ARM EHABI), which libgcc's unwinder defines.
/// The link drops the tables (`no-unwind.ld`), but the names stay in the
/// symbol table as undefined symbols. Only an unwinder would call these,
/// and a `panic = "abort"` program never unwinds: they trap if called all
/// the same.
#[cfg(target_arch = "arm")]
#[unsafe(no_mangle)]
extern "C" fn __aeabi_unwind_cpp_pr0() -> ! {
    // SAFETY: `udf` raises SIGILL; it touches no memory and no register.
    unsafe { core::arch::asm!("udf #0", options(noreturn, nomem, nostack)) }
}

/// See [`__aeabi_unwind_cpp_pr0`].
#[cfg(target_arch = "arm")]
#[unsafe(no_mangle)]
extern "C" fn __aeabi_unwind_cpp_pr1() -> ! {
    // SAFETY: as above.
    unsafe { core::arch::asm!("udf #0", options(noreturn, nomem, nostack)) }
}

/// The ARM EABI's memory helpers (Run-time ABI for the Arm Architecture,
/// "Memory copying, clearing, and setting"), which the compiler calls on
/// arm instead of the C functions: the same work, with no return value and
/// `memset`'s count before its byte. The `4` and `8` forms promise
/// aligned pointers, which a byte loop does not need. Defined here, they
/// keep `compiler_builtins`' own (over 700 bytes, tuned for large copies)
/// out of the bare-metal build.
#[cfg(target_arch = "arm")]
mod aeabi {
    use super::{memcpy, memmove, memset};

    macro_rules! helpers {
        ($($copy:ident, $move_:ident, $set:ident, $clr:ident;)*) => {$(
            /// `memcpy`.
            ///
            /// # Safety
            /// As [`memcpy`].
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $copy(dst: *mut u8, src: *const u8, n: usize) {
                // SAFETY: the caller's contract is memcpy's.
                unsafe { memcpy(dst, src, n) };
            }

            /// `memmove`.
            ///
            /// # Safety
            /// As [`memmove`].
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $move_(dst: *mut u8, src: *const u8, n: usize) {
                // SAFETY: the caller's contract is memmove's.
                unsafe { memmove(dst, src, n) };
            }

            /// `memset`, with the count before the byte.
            ///
            /// # Safety
            /// As [`memset`].
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $set(dst: *mut u8, n: usize, c: i32) {
                // SAFETY: the caller's contract is memset's.
                unsafe { memset(dst, c, n) };
            }

            /// `memset` with 0.
            ///
            /// # Safety
            /// As [`memset`].
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $clr(dst: *mut u8, n: usize) {
                // SAFETY: the caller's contract is memset's.
                unsafe { memset(dst, 0, n) };
            }
        )*};
    }

    helpers! {
        __aeabi_memcpy, __aeabi_memmove, __aeabi_memset, __aeabi_memclr;
        __aeabi_memcpy4, __aeabi_memmove4, __aeabi_memset4, __aeabi_memclr4;
        __aeabi_memcpy8, __aeabi_memmove8, __aeabi_memset8, __aeabi_memclr8;
    }
}

// Run on the host by `scripts/nolibc.sh`, as a test binary of this file
// alone. There these five definitions replace libc's for the whole binary,
// the test harness included, so results are checked byte by byte rather
// than with `==` on slices, which would call the `bcmp` under test.
#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
    }

    #[test]
    fn memcpy_copies_n_bytes_and_returns_dst() {
        let src = *b"0123456789";
        let mut dst = [b'.'; 12];
        // SAFETY: 10 bytes fit in both arrays, which are distinct.
        let ret = unsafe { memcpy(dst.as_mut_ptr().add(1), src.as_ptr(), 10) };
        assert!(same(&dst, b".0123456789."));
        assert_eq!(ret, dst.as_mut_ptr().wrapping_add(1));
    }

    #[test]
    fn memmove_copies_overlapping_ranges_both_ways() {
        let mut buf = *b"abcdefgh";
        let p = buf.as_mut_ptr();
        // SAFETY: both 5-byte ranges lie within `buf`.
        unsafe { memmove(p.add(2), p, 5) };
        assert!(same(&buf, b"ababcdeh"));

        let mut buf = *b"abcdefgh";
        let p = buf.as_mut_ptr();
        // SAFETY: both 5-byte ranges lie within `buf`.
        unsafe { memmove(p, p.add(2), 5) };
        assert!(same(&buf, b"cdefgfgh"));
    }

    #[test]
    fn memset_fills_with_the_low_byte_of_c() {
        let mut buf = [0u8; 6];
        // SAFETY: 4 bytes from index 1 lie within `buf`.
        unsafe { memset(buf.as_mut_ptr().add(1), 0x100 | i32::from(b'A'), 4) };
        assert!(same(&buf, b"\0AAAA\0"));
    }

    #[test]
    fn memcmp_orders_by_the_first_difference_as_unsigned() {
        // SAFETY: both slices have `a.len()` bytes at each call below.
        let cmp = |a: &[u8], b: &[u8]| unsafe { memcmp(a.as_ptr(), b.as_ptr(), a.len()) };
        assert_eq!(cmp(b"abc", b"abc"), 0);
        assert!(cmp(b"abc", b"abd") < 0);
        assert!(cmp(b"abd", b"abc") > 0);
        assert!(cmp(b"b..", b"abc") > 0);
        assert!(cmp(b"\x80", b"\x7f") > 0);
        assert_eq!(cmp(b"", b""), 0);
    }

    #[test]
    fn bcmp_tells_equal_from_different() {
        // SAFETY: both slices have `a.len()` bytes at each call below.
        let cmp = |a: &[u8], b: &[u8]| unsafe { bcmp(a.as_ptr(), b.as_ptr(), a.len()) };
        assert_eq!(cmp(b"abc", b"abc"), 0);
        assert_ne!(cmp(b"abc", b"abd"), 0);
        assert_ne!(cmp(b"xbc", b"abc"), 0);
        assert_eq!(cmp(b"", b""), 0);
    }
}
