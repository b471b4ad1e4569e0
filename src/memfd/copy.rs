//! Copies between shared memory and ordinary buffers, with relaxed
//! atomic loads and stores, so that they never form a data race with
//! another process or thread writing the same bytes.

use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};

/// The word the copies move at a time: `usize`, because `core` allows
/// relaxed atomic loads on read-only memory only up to a target's own size
/// (4 bytes on arm and x86; a wider load may be a locked compare-exchange
/// there, which writes; see "Atomic accesses to read-only memory" in
/// `core::sync::atomic`).
const WORD: usize = core::mem::size_of::<usize>();

/// Copies from shared memory at `src` into `dst` with relaxed atomic loads:
/// bytes up to a word boundary, then whole words, then the tail.
///
/// # Safety
/// - `src..src + dst.len()` is mapped readable for the whole call.
pub(super) unsafe fn load_bytes(src: *const u8, dst: &mut [u8]) {
    let mut i = 0;
    while i < dst.len() && !(src as usize + i).is_multiple_of(WORD) {
        // SAFETY: in bounds and readable (caller); `AtomicU8` has the
        // alignment of `u8`; plain atomic loads are allowed on read-only
        // memory.
        dst[i] = unsafe { (*src.add(i).cast::<AtomicU8>()).load(Relaxed) };
        i += 1;
    }
    while dst.len() - i >= WORD {
        // SAFETY: in bounds and readable (caller); `src + i` is
        // word-aligned after the loop above; a relaxed load of a `usize`
        // is allowed on read-only memory.
        let w = unsafe { (*src.add(i).cast::<AtomicUsize>()).load(Relaxed) };
        dst[i..i + WORD].copy_from_slice(&w.to_ne_bytes());
        i += WORD;
    }
    while i < dst.len() {
        // SAFETY: as in the first loop.
        dst[i] = unsafe { (*src.add(i).cast::<AtomicU8>()).load(Relaxed) };
        i += 1;
    }
}

/// Copies `src` into shared memory at `dst` with relaxed atomic stores,
/// in the same head / words / tail pattern as [`load_bytes`].
///
/// # Safety
/// - `dst..dst + src.len()` is mapped writable for the whole call.
pub(super) unsafe fn store_bytes(dst: *mut u8, src: &[u8]) {
    let mut i = 0;
    while i < src.len() && !(dst as usize + i).is_multiple_of(WORD) {
        // SAFETY: in bounds and writable (caller); `AtomicU8` has the
        // alignment of `u8`.
        unsafe { (*dst.add(i).cast::<AtomicU8>()).store(src[i], Relaxed) };
        i += 1;
    }
    while src.len() - i >= WORD {
        let mut w = [0u8; WORD];
        w.copy_from_slice(&src[i..i + WORD]);
        // SAFETY: in bounds and writable (caller); `dst + i` is
        // word-aligned after the loop above.
        unsafe { (*dst.add(i).cast::<AtomicUsize>()).store(usize::from_ne_bytes(w), Relaxed) };
        i += WORD;
    }
    while i < src.len() {
        // SAFETY: as in the first loop.
        unsafe { (*dst.add(i).cast::<AtomicU8>()).store(src[i], Relaxed) };
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy loops against a plain copy, for every alignment and length
    /// around the word size (runs under Miri: ordinary memory stands in for
    /// the mapping).
    #[test]
    fn atomic_copies_match_a_plain_copy() {
        // Mutable, like a mapping: the atomic loads go through `&AtomicU8`,
        // which a pointer derived from a shared `&[u8]` may not create.
        let mut source: [u8; 64] = core::array::from_fn(|i| i as u8 ^ 0x5a);
        let src = source.as_mut_ptr();
        for start in 0..WORD + 1 {
            for len in 0..3 * WORD + 2 {
                let mut dst = [0u8; 64];
                // SAFETY: `start + len <= 64`: in bounds of `source`.
                unsafe { load_bytes(src.add(start), &mut dst[..len]) };
                assert_eq!(&dst[..len], &source[start..start + len]);

                let mut target = [0u8; 64];
                // SAFETY: in bounds of `target`, which is writable.
                unsafe { store_bytes(target.as_mut_ptr().add(start), &source[..len]) };
                assert_eq!(&target[start..start + len], &source[..len]);
                assert!(target[..start].iter().all(|&b| b == 0));
                assert!(target[start + len..].iter().all(|&b| b == 0));
            }
        }
    }
}
