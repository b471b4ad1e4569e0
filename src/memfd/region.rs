//! [`MappedRegion`]: a mapping of a [`MemFd`](super::MemFd).

use core::fmt;

use super::Prot;
use super::copy::{load_bytes, store_bytes};
use crate::{Error, Result, sys};

/// A mapping of a [`MemFd`](super::MemFd), unmapped on drop:
/// `MAP_SHARED`, except a view without [`Prot::WRITE`] of a file sealed
/// with [`Seals::WRITE`](super::Seals::WRITE), which is `MAP_PRIVATE`
/// (see "Private views of write-sealed files" below).
///
/// The mapping outlives the `MemFd` it came from: the kernel keeps the
/// file alive while it is mapped.
///
/// # Access rules
///
/// Shared memory is not like a `Vec`: any other holder of the memfd (this
/// process or another) can change the bytes at any moment, or shrink the
/// file so that touching the mapping raises `SIGBUS` (see "Aborts"). So:
///
/// - **Copies are always safe.** [`read_at`](MappedRegion::read_at) and
///   [`write_at`](MappedRegion::write_at) move bytes with atomic loads and
///   stores, which never race in the Rust sense, and reach only the
///   [`backed_len`](MappedRegion::backed_len) bytes that lay within the
///   file when it was mapped.
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
/// # Private views of write-sealed files
///
/// A shared and a private mapping of a file show the same pages of it
/// until the private one is written to, when the written page is copied
/// for it alone (mmap(2)). Once a memfd carries `F_SEAL_WRITE`, nothing
/// writes its bytes: the kernel grants the seal only while no writable
/// shared mapping exists and refuses new ones afterwards, and it refuses
/// write(2) and hole punching too. A private mapping then shows exactly
/// what a shared one would, and it works on every kernel, where Linux
/// before 6.7 (and older stable series until their updates of 2025)
/// refuses any shared mapping of a write-sealed file. Its own
/// pages cannot change behind a `&[u8]` either: the region has no
/// [`Prot::WRITE`], so its copies do not write, and if the process makes
/// it writable with mprotect(2) and writes to it (which a live
/// [`as_slice`](MappedRegion::as_slice) borrow forbids, as for any shared
/// reference), the writes land in private copies that the file and every
/// other mapping never see. For a hugetlb file, the kernel reserves as
/// many huge pages for a private mapping as it spans (in case each is
/// copied), so mapping it needs that many free in the pool.
///
/// # Aborts
///
/// Touching a page of a mapping that lies wholly past the end of its file
/// raises `SIGBUS`, whose default action ends the process. That is not
/// undefined behaviour, but the safe copies avoid it where they can: a
/// region made by [`MemFd::mmap_at`](super::MemFd::mmap_at) lies within the
/// file, and the copies of any region reach only the bytes that lay within
/// it when it was mapped. What can still make a copy raise `SIGBUS`:
///
/// - **The file shrinks below the region** after it was mapped: another
///   holder of the memfd (any process with a descriptor of it) calls
///   ftruncate(2), or this process calls
///   [`MemFd::truncate`](super::MemFd::truncate). The pages past the new
///   end leave every mapping, private views included, and touching them
///   raises `SIGBUS` for as long as the file does not reach them again.
///   A [`Seals::SHRINK`](super::Seals::SHRINK) seal rules this out.
/// - **Hugetlb files only: a hole is punched under the region**
///   (fallocate(2) `FALLOC_FL_PUNCH_HOLE`, by another holder) and the huge
///   page pool has no free page when a copy touches the hole again: the
///   punch gives the page back together with its reservation, so the
///   fault must allocate anew, and the kernel answers a failed hugetlb
///   fault with `SIGBUS`. A [`Seals::WRITE`](super::Seals::WRITE) or
///   [`Seals::FUTURE_WRITE`](super::Seals::FUTURE_WRITE) seal rules this out
///   (hugetlbfs refuses to punch holes under them). In an ordinary memfd a
///   punched hole reads back as zeros.
///
/// A region whose [`as_slice`](MappedRegion::as_slice) is `Some` was made
/// under a `SHRINK` and a `WRITE` seal, so neither can happen to it.
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
    m: Mapping,
}

/// What [`MemFd::mmap_at`](super::MemFd::mmap_at) and its siblings decided
/// about a mapping.
#[derive(Clone, Copy, Debug)]
pub(super) struct Mapping {
    /// The bytes asked for: what the region covers.
    pub(super) len: usize,
    /// The bytes the kernel mapped, and munmap(2) must be given: `len`,
    /// rounded up to whole huge pages for a hugetlb file.
    pub(super) map_len: usize,
    /// The first bytes that lay within the file when it was mapped: what
    /// the safe copies reach.
    pub(super) backed: usize,
    pub(super) prot: Prot,
    /// `MAP_PRIVATE` rather than `MAP_SHARED`.
    pub(super) private: bool,
    /// Made under `WRITE` and `SHRINK` seals, and `backed == len`.
    pub(super) immutable: bool,
}

// SAFETY: the region owns its mapping, which any thread may use or unmap;
// every safe access through `&MappedRegion` is an atomic copy or a view of
// memory the kernel keeps immutable (see the access rules).
unsafe impl Send for MappedRegion {}
// SAFETY: as for `Send`: shared access is atomic or immutable.
unsafe impl Sync for MappedRegion {}

impl MappedRegion {
    /// Wraps a mapping made by [`MemFd::mmap_at`](super::MemFd::mmap_at) or
    /// its siblings.
    ///
    /// # Safety
    /// - `addr..addr + m.map_len` is a file mapping with protection
    ///   `m.prot`, `MAP_PRIVATE` if `m.private` and `MAP_SHARED` otherwise,
    ///   owned by nothing else (the region unmaps it);
    /// - `m.backed <= m.len <= m.map_len`;
    /// - `m.immutable` is `true` only if the file was sealed with `WRITE`
    ///   and `SHRINK` before the mapping was made, and its first `m.len`
    ///   bytes lay within the file's size at that time.
    pub(super) unsafe fn from_raw_parts(addr: usize, m: Mapping) -> Self {
        debug_assert!(m.backed <= m.len && m.len <= m.map_len);
        MappedRegion {
            ptr: addr as *mut u8,
            m,
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

    /// The length in bytes, as asked for. (A mapping of a hugetlb file
    /// spans whole huge pages; the region covers these bytes of it.)
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.m.len
    }

    /// How many bytes from the start the safe copies reach: those that lay
    /// within the file when it was mapped. [`len`](MappedRegion::len),
    /// except for a region made by
    /// [`MemFd::mmap_past_end`](super::MemFd::mmap_past_end).
    #[inline]
    #[must_use]
    pub fn backed_len(&self) -> usize {
        self.m.backed
    }

    /// Always `false`: a mapping has at least one byte.
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.m.len == 0
    }

    /// The protection the mapping was made with.
    #[inline]
    #[must_use]
    pub fn prot(&self) -> Prot {
        self.m.prot
    }

    /// Whether the kernel guarantees the bytes never change or disappear
    /// (see the access rules): then [`as_slice`](MappedRegion::as_slice) is
    /// `Some`.
    #[inline]
    #[must_use]
    pub fn is_immutable(&self) -> bool {
        self.m.immutable
    }

    /// The bytes as a slice, if the kernel guarantees they are immutable
    /// and backed (`WRITE` and `SHRINK` sealed, mapping within the file);
    /// `None` otherwise.
    #[inline]
    #[must_use]
    pub fn as_slice(&self) -> Option<&[u8]> {
        if self.m.immutable && self.m.prot.contains(Prot::READ) {
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
        unsafe { core::slice::from_raw_parts(self.ptr, self.m.len) }
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
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.m.len) }
    }

    /// Copies `buf.len()` bytes starting at `offset` in the mapping into
    /// `buf`, with atomic loads.
    ///
    /// # Errors
    /// - `InvalidInput` if `offset + buf.len()` exceeds
    ///   [`backed_len`](Self::backed_len);
    /// - `PermissionDenied` (`EACCES`) if the region is not readable.
    ///
    /// # Aborts
    /// `SIGBUS` if the file has since shrunk below the bytes copied, or (a
    /// hugetlb file) had a hole punched under them with no huge page free
    /// to fill it: see [`MappedRegion`], "Aborts", for who can cause it and
    /// the seal that rules it out.
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
    /// - `InvalidInput` if `offset + buf.len()` exceeds
    ///   [`backed_len`](Self::backed_len);
    /// - `PermissionDenied` (`EACCES`) if the region is not writable.
    ///
    /// # Aborts
    /// As [`read_at`](MappedRegion::read_at).
    pub fn write_at(&self, offset: usize, buf: &[u8]) -> Result<()> {
        self.check(offset, buf.len(), Prot::WRITE)?;
        // SAFETY: `check` proved `offset..offset + buf.len()` lies in the
        // writable mapping, which the borrow of `self` keeps mapped.
        unsafe { store_bytes(self.ptr.add(offset), buf) };
        Ok(())
    }

    fn check(&self, offset: usize, len: usize, need: Prot) -> Result<()> {
        match offset.checked_add(len) {
            Some(end) if end <= self.m.backed => {}
            _ => return Err(Error::INVALID),
        }
        if self.m.prot.contains(need) {
            Ok(())
        } else {
            Err(Error::ACCESS)
        }
    }

    /// munmap(2) — unmaps now and reports the result (`Drop` ignores it).
    /// Consuming `self` makes a second unmap impossible. The whole mapping
    /// goes, whole huge pages of a hugetlb file included.
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
        unsafe { sys::munmap(this.ptr as usize, this.m.map_len) }
    }
}

impl Drop for MappedRegion {
    fn drop(&mut self) {
        // SAFETY: the region owns the mapping, and `&mut self` in drop
        // means no borrow into it is alive.
        let _ = unsafe { sys::munmap(self.ptr as usize, self.m.map_len) };
    }
}

impl fmt::Debug for MappedRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MappedRegion")
            .field("ptr", &self.ptr)
            .field("len", &self.m.len)
            .field("map_len", &self.m.map_len)
            .field("backed", &self.m.backed)
            .field("prot", &self.m.prot)
            .field("private", &self.m.private)
            .field("immutable", &self.m.immutable)
            .finish()
    }
}
