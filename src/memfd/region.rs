//! [`MappedRegion`]: a shared mapping of a [`MemFd`](super::MemFd).

use core::fmt;
use core::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};

use super::Prot;
use crate::{Error, Result, sys};

/// A `MAP_SHARED` mapping of a [`MemFd`](super::MemFd), unmapped on drop.
///
/// The mapping outlives the `MemFd` it came from: the kernel keeps the
/// file alive while it is mapped.
///
/// # Access rules
///
/// Shared memory is not like a `Vec`: any other holder of the memfd (this
/// process or another) can change the bytes at any moment, or shrink the
/// file so that touching the mapping raises `SIGBUS`. So:
///
/// - **Copies are always safe.** [`read_at`](MappedRegion::read_at) and
///   [`write_at`](MappedRegion::write_at) move bytes with atomic loads and
///   stores, which never race in the Rust sense. If another holder shrinks
///   an unsealed file below the mapping, they raise `SIGBUS`, which ends
///   the process (memory safety holds; seal with `SHRINK` to exclude it).
/// - **A `&[u8]` view is safe only for sealed files.**
///   [`as_slice`](MappedRegion::as_slice) returns it only when the kernel
///   guarantees the bytes can neither change nor disappear: when mapped,
///   the memfd carried both [`Seals::WRITE`](super::Seals::WRITE) (no
///   writer anywhere, ever) and [`Seals::SHRINK`](super::Seals::SHRINK),
///   and the whole mapping lay within the file. (`FUTURE_WRITE` is not
///   enough: shared writable mappings made before it keep writing.)
/// - **Anything else is `unsafe`**:
///   [`as_slice_unchecked`](MappedRegion::as_slice_unchecked) and
///   [`as_mut_slice_unchecked`](MappedRegion::as_mut_slice_unchecked),
///   whose contracts spell out what the caller must guarantee.
///
/// [`as_ptr`](MappedRegion::as_ptr) and
/// [`as_mut_ptr`](MappedRegion::as_mut_ptr) are always available for code
/// that manages the hazards itself.
///
/// # Examples
///
/// ```
/// use iofd::{MemFd, Prot};
///
/// let mem = MemFd::new("shared")?;
/// mem.truncate(iofd::page_size() as u64)?;
/// let region = mem.mmap(iofd::page_size(), Prot::READ | Prot::WRITE)?;
/// region.write_at(100, b"via the mapping")?;
///
/// let mut buf = [0u8; 15];
/// mem.read_at(&mut buf, 100)?; // the file sees it
/// assert_eq!(&buf, b"via the mapping");
/// assert_eq!(region.as_slice(), None); // not sealed: no `&[u8]`
/// # Ok::<(), iofd::Error>(())
/// ```
pub struct MappedRegion {
    ptr: *mut u8,
    len: usize,
    prot: Prot,
    immutable: bool,
}

// SAFETY: the region owns its mapping, which any thread may use or unmap;
// every safe access through `&MappedRegion` is an atomic copy or a view of
// memory the kernel keeps immutable (see the access rules).
unsafe impl Send for MappedRegion {}
// SAFETY: as for `Send`: shared access is atomic or immutable.
unsafe impl Sync for MappedRegion {}

impl MappedRegion {
    /// Wraps a mapping made by [`MemFd::mmap_at`](super::MemFd::mmap_at).
    ///
    /// # Safety
    /// - `addr..addr + len` is a shared file mapping with protection
    ///   `prot`, owned by nothing else (the region unmaps it);
    /// - `immutable` is `true` only if the file was sealed with `WRITE` and
    ///   `SHRINK` before the mapping was made, and the mapping lies within
    ///   the file's size at that time.
    pub(super) unsafe fn from_raw_parts(
        addr: usize,
        len: usize,
        prot: Prot,
        immutable: bool,
    ) -> Self {
        MappedRegion {
            ptr: addr as *mut u8,
            len,
            prot,
            immutable,
        }
    }

    /// The first byte of the mapping.
    #[inline]
    #[must_use]
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr
    }

    /// The first byte of the mapping, for writing (only meaningful with
    /// [`Prot::WRITE`]).
    #[inline]
    #[must_use]
    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.ptr
    }

    /// The length in bytes.
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always `false`: a mapping has at least one byte.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The protection the mapping was made with.
    #[inline]
    #[must_use]
    pub fn prot(&self) -> Prot {
        self.prot
    }

    /// Whether the kernel guarantees the bytes never change or disappear
    /// (see the access rules): then [`as_slice`](MappedRegion::as_slice) is
    /// `Some`.
    #[inline]
    #[must_use]
    pub fn is_immutable(&self) -> bool {
        self.immutable
    }

    /// The bytes as a slice, if the kernel guarantees they are immutable
    /// and backed (`WRITE` and `SHRINK` sealed, mapping within the file);
    /// `None` otherwise.
    #[inline]
    #[must_use]
    pub fn as_slice(&self) -> Option<&[u8]> {
        if self.immutable && self.prot.contains(Prot::READ) {
            // SAFETY: the region is readable and `immutable` was set from
            // the seals at map time: no process can write the file or
            // shrink it below the mapping for as long as it exists, and
            // the borrow of `self` keeps it mapped.
            Some(unsafe { self.as_slice_unchecked() })
        } else {
            None
        }
    }

    /// The bytes as a slice, whatever the seals.
    ///
    /// # Safety
    /// For as long as the returned slice is alive:
    /// - no one writes to the mapped bytes: not this process through
    ///   another region or `write_at`, not another process through the
    ///   memfd (no writer exists, or all of them are known to be idle);
    /// - the file is not shrunk below the end of the mapping;
    /// - the region was mapped with [`Prot::READ`].
    #[inline]
    #[must_use]
    pub unsafe fn as_slice_unchecked(&self) -> &[u8] {
        // SAFETY: the mapping spans `len` bytes at `ptr`, stays mapped for
        // the borrow, and the caller guarantees no concurrent writes.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The bytes as a mutable slice.
    ///
    /// # Safety
    /// For as long as the returned slice is alive:
    /// - no one else reads or writes the mapped bytes: not this process
    ///   through another region or mapping of the same file, not another
    ///   process through the memfd;
    /// - the file is not shrunk below the end of the mapping;
    /// - the region was mapped with [`Prot::READ`] and [`Prot::WRITE`].
    #[inline]
    #[must_use]
    pub unsafe fn as_mut_slice_unchecked(&mut self) -> &mut [u8] {
        // SAFETY: the mapping spans `len` bytes at `ptr`, `&mut self`
        // excludes other uses of this region, and the caller guarantees
        // exclusive access to the bytes beyond it.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    /// Copies `buf.len()` bytes starting at `offset` in the mapping into
    /// `buf`, with atomic loads.
    ///
    /// # Errors
    /// - `InvalidInput` if `offset + buf.len()` exceeds [`len`](Self::len);
    /// - `PermissionDenied` (`EACCES`) if the region is not readable.
    pub fn read_at(&self, offset: usize, buf: &mut [u8]) -> Result<()> {
        self.check(offset, buf.len(), Prot::READ)?;
        // SAFETY: `check` proved `offset..offset + buf.len()` lies in the
        // readable mapping, which the borrow of `self` keeps mapped.
        unsafe { load_bytes(self.ptr.add(offset), buf) };
        Ok(())
    }

    /// Copies `buf` into the mapping starting at `offset`, with atomic
    /// stores; the file and every other mapping see the bytes.
    ///
    /// # Errors
    /// - `InvalidInput` if `offset + buf.len()` exceeds [`len`](Self::len);
    /// - `PermissionDenied` (`EACCES`) if the region is not writable.
    pub fn write_at(&self, offset: usize, buf: &[u8]) -> Result<()> {
        self.check(offset, buf.len(), Prot::WRITE)?;
        // SAFETY: `check` proved `offset..offset + buf.len()` lies in the
        // writable mapping, which the borrow of `self` keeps mapped.
        unsafe { store_bytes(self.ptr.add(offset), buf) };
        Ok(())
    }

    fn check(&self, offset: usize, len: usize, need: Prot) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.len => {}
            _ => return Err(Error::INVALID),
        }
        if self.prot.contains(need) {
            Ok(())
        } else {
            Err(Error::ACCESS)
        }
    }

    /// munmap(2) — unmaps now and reports the result (`Drop` ignores it).
    /// Consuming `self` makes a second unmap impossible.
    ///
    /// # Errors
    /// The errno of munmap(2) (`InvalidInput` if the mapping was already
    /// removed by other means).
    ///
    /// <https://man7.org/linux/man-pages/man2/munmap.2.html>
    #[doc(alias = "munmap")]
    pub fn unmap(self) -> Result<()> {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: the region owns the mapping and is consumed: no borrow
        // into it can outlive this call.
        unsafe { sys::munmap(this.ptr as usize, this.len) }
    }
}

impl Drop for MappedRegion {
    fn drop(&mut self) {
        // SAFETY: the region owns the mapping, and `&mut self` in drop
        // means no borrow into it is alive.
        let _ = unsafe { sys::munmap(self.ptr as usize, self.len) };
    }
}

impl fmt::Debug for MappedRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedRegion")
            .field("ptr", &self.ptr)
            .field("len", &self.len)
            .field("prot", &self.prot)
            .field("immutable", &self.immutable)
            .finish()
    }
}

const WORD: usize = core::mem::size_of::<u64>();

/// Copies from shared memory at `src` into `dst` with relaxed atomic loads:
/// bytes up to an 8-byte boundary, then whole words, then the tail.
///
/// # Safety
/// - `src..src + dst.len()` is mapped readable for the whole call.
unsafe fn load_bytes(src: *const u8, dst: &mut [u8]) {
    let mut i = 0;
    while i < dst.len() && !(src as usize + i).is_multiple_of(WORD) {
        // SAFETY: in bounds and readable (caller); `AtomicU8` has the
        // alignment of `u8`; plain atomic loads are allowed on read-only
        // memory.
        dst[i] = unsafe { (*src.add(i).cast::<AtomicU8>()).load(Relaxed) };
        i += 1;
    }
    while dst.len() - i >= WORD {
        // SAFETY: in bounds and readable (caller); `src + i` is 8-aligned
        // after the loop above.
        let w = unsafe { (*src.add(i).cast::<AtomicU64>()).load(Relaxed) };
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
unsafe fn store_bytes(dst: *mut u8, src: &[u8]) {
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
        // SAFETY: in bounds and writable (caller); `dst + i` is 8-aligned
        // after the loop above.
        unsafe { (*dst.add(i).cast::<AtomicU64>()).store(u64::from_ne_bytes(w), Relaxed) };
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
