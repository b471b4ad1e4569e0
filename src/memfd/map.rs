//! Mapping a [`MemFd`]: what kind of mapping, how long, and which part of
//! it the safe copies may touch.

use super::region::{MappedRegion, Mapping};
use super::{MemFd, Prot, Seals};
use crate::{Error, Result, sys};

impl MemFd {
    /// mmap(2) — maps the first `len` bytes; see [`mmap_at`](MemFd::mmap_at).
    ///
    /// # Errors
    /// As [`mmap_at`](MemFd::mmap_at).
    #[inline]
    pub fn mmap(&self, len: usize, prot: Prot) -> Result<MappedRegion> {
        self.mmap_at(len, prot, 0)
    }

    /// mmap(2) — maps the `len` bytes of the file from `offset`, which
    /// must lie within the file.
    ///
    /// The mapping is `MAP_SHARED`: writes through it reach the file and
    /// every other mapping, and it sees theirs. The one exception is a view
    /// without [`Prot::WRITE`] of a file sealed with [`Seals::WRITE`], which
    /// is mapped `MAP_PRIVATE`: Linux before 6.7 (and older stable series
    /// until their updates of 2025) refuses every shared mapping of a
    /// write-sealed file with `EPERM`, whereas a private one works on every
    /// kernel and shows the same bytes, since nothing can write the file
    /// any more (see [`MappedRegion`]).
    ///
    /// The mapping stays valid after this `MemFd` is closed or dropped. A
    /// hugetlb file is mapped in whole huge pages: `offset` must be a
    /// multiple of its huge page size, and the mapping is rounded up to one
    /// (the region still covers `len` bytes, and unmaps all of it). To map
    /// past the end of the file, see
    /// [`mmap_past_end`](MemFd::mmap_past_end).
    ///
    /// # Errors
    /// - `InvalidInput` if `len` is 0, or `offset` is not a multiple of
    ///   [`page_size`](crate::page_size) or exceeds `i64::MAX` (no system
    ///   call); if `offset + len` runs past the end of the file (size it
    ///   first with [`truncate`](MemFd::truncate)); for a hugetlb file, if
    ///   `offset` is not a multiple of the huge page size;
    /// - `PermissionDenied` (`EPERM`) for [`Prot::WRITE`] under a `WRITE`
    ///   or `FUTURE_WRITE` seal;
    /// - `OutOfMemory`, also when a hugetlb file's pool has too few free
    ///   huge pages to reserve; `Closed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{ErrorKind, MemFd, Prot};
    ///
    /// let page = iofd::page_size();
    /// let mem = MemFd::new("page")?;
    /// mem.truncate(page as u64)?;
    /// let region = mem.mmap_at(page, Prot::READ | Prot::WRITE, 0)?;
    /// region.write_at(0, b"hello")?;
    /// // Nothing of the file lies past its end:
    /// let past = mem.mmap(2 * page, Prot::READ).unwrap_err();
    /// assert_eq!(past.kind(), ErrorKind::InvalidInput);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    ///
    /// <https://man7.org/linux/man-pages/man2/mmap.2.html>
    #[doc(alias = "mmap")]
    pub fn mmap_at(&self, len: usize, prot: Prot, offset: u64) -> Result<MappedRegion> {
        self.map(len, prot, offset, false)
    }

    /// mmap(2) — maps `len` bytes from `offset` even where they run past
    /// the end of the file: address space for the file to grow into.
    ///
    /// Touching a page that lies wholly past the end of the file raises
    /// `SIGBUS`, so the safe copies ([`read_at`](MappedRegion::read_at),
    /// [`write_at`](MappedRegion::write_at)) reach only the first
    /// [`backed_len`](MappedRegion::backed_len) bytes: the part that lay
    /// within the file when it was mapped (none, if `offset` is at or past
    /// the end). Once the file has grown, map again to copy into the new
    /// part, or reach it through [`as_ptr`](MappedRegion::as_ptr) or the
    /// unchecked slices, whose callers then answer for the file's size.
    /// [`as_slice`](MappedRegion::as_slice) of such a region is `None`.
    /// (hugetlbfs grows a file to the end of a writable mapping as it
    /// makes one; the copies still reach only what was there before.)
    /// Otherwise as [`mmap_at`](MemFd::mmap_at).
    ///
    /// # Errors
    /// As [`mmap_at`](MemFd::mmap_at), without the end-of-file check.
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{MemFd, Prot};
    ///
    /// let page = iofd::page_size();
    /// let mem = MemFd::new("growing")?;
    /// mem.truncate(page as u64)?;
    /// let region = mem.mmap_past_end(16 * page, Prot::READ | Prot::WRITE, 0)?;
    /// assert_eq!(region.len(), 16 * page);
    /// assert_eq!(region.backed_len(), page); // what the copies reach
    /// assert!(region.write_at(page, b"x").is_err()); // no SIGBUS: an error
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[doc(alias = "mmap")]
    pub fn mmap_past_end(&self, len: usize, prot: Prot, offset: u64) -> Result<MappedRegion> {
        self.map(len, prot, offset, true)
    }

    fn map(&self, len: usize, prot: Prot, offset: u64, past_end: bool) -> Result<MappedRegion> {
        if len == 0 || !offset.is_multiple_of(crate::page_size() as u64) {
            return Err(Error::INVALID);
        }
        let off = i64::try_from(offset).map_err(|_| Error::INVALID)?;
        let g = self.fd.guard()?;
        // Seals before size: once `SHRINK` is seen it stays, so the size
        // read next can only grow afterwards.
        let seals = Seals::from_bits_retain(sys::fcntl_get_seals(g.borrowed())?);
        let size = sys::statx_size(g.borrowed())?;
        let backed = backed_len(size, offset, len);
        if backed < len && !past_end {
            return Err(Error::INVALID);
        }
        // hugetlbfs reports its huge page size as `f_bsize`
        // (fs/hugetlbfs/inode.c, hugetlbfs_statfs). `stx_blksize` would be
        // the same for it, but tmpfs reports the PMD size there too when
        // transparent huge pages are on, so only `f_type` tells them apart.
        let fs = sys::fstatfs(g.borrowed())?;
        let huge_page = (fs.f_type == sys::HUGETLBFS_MAGIC).then_some(fs.f_bsize);
        if huge_page.is_some_and(|page| !offset.is_multiple_of(page)) {
            return Err(Error::INVALID);
        }
        let map_len = mapping_len(len, huge_page).ok_or(Error::NO_MEMORY)?;
        // No writable mapping of a write-sealed file can exist (the seal
        // is refused while one does, and creating one is refused after),
        // so a private mapping shows the file's bytes as a shared one
        // would; writes into it (after an mprotect) make private copies.
        let private = seals.contains(Seals::WRITE) && !prot.contains(Prot::WRITE);
        let flags = if private {
            sys::MAP_PRIVATE
        } else {
            sys::MAP_SHARED
        };
        let immutable = seals.contains(Seals::WRITE | Seals::SHRINK) && backed == len;
        let addr = sys::mmap(map_len, prot.bits(), flags, g.borrowed(), off)?;
        let mapping = Mapping {
            len,
            map_len,
            backed,
            prot,
            private,
            immutable,
        };
        // SAFETY: the kernel just created this `map_len`-byte mapping at
        // `addr` for us alone; the seals were read before it was made, and
        // `backed` bytes of it lay within the file after they were.
        Ok(unsafe { MappedRegion::from_raw_parts(addr, mapping) })
    }
}

/// How many of the `len` bytes from `offset` lie within a file of `size`
/// bytes.
fn backed_len(size: u64, offset: u64, len: usize) -> usize {
    let within = size.saturating_sub(offset);
    usize::try_from(within).map_or(len, |within| within.min(len))
}

/// The length of the mapping the kernel makes for `len` bytes: for a
/// hugetlb file, `len` rounded up to whole huge pages (mm/mmap.c,
/// ksys_mmap_pgoff, aligns it so; munmap(2) must be given the same, or it
/// fails with `EINVAL` and leaves the mapping in place). `None` if that
/// overflows.
fn mapping_len(len: usize, huge_page: Option<u64>) -> Option<usize> {
    match huge_page {
        None => Some(len),
        Some(page) => {
            // Huge page sizes are powers of two: round up with a mask, not
            // a division, for which the 32-bit targets call a routine
            // (half a KiB on armv7).
            let page = usize::try_from(page).ok().filter(|p| p.is_power_of_two())?;
            Some(len.checked_add(page - 1)? & !(page - 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backed_part_of_a_mapping() {
        assert_eq!(backed_len(8192, 0, 4096), 4096);
        assert_eq!(backed_len(8192, 4096, 4096), 4096);
        assert_eq!(backed_len(4096, 0, 8192), 4096);
        assert_eq!(backed_len(100, 0, 4096), 100);
        assert_eq!(backed_len(4096, 4096, 4096), 0);
        assert_eq!(backed_len(0, 1 << 40, 10), 0);
        assert_eq!(backed_len(u64::MAX, 0, usize::MAX), usize::MAX);
        assert_eq!(backed_len(u64::MAX, u64::MAX - 5, usize::MAX), 5);
    }

    #[test]
    fn hugetlb_mappings_span_whole_huge_pages() {
        const HUGE: u64 = 2 << 20;
        assert_eq!(mapping_len(4096, None), Some(4096));
        assert_eq!(mapping_len(1, Some(HUGE)), Some(2 << 20));
        assert_eq!(mapping_len(2 << 20, Some(HUGE)), Some(2 << 20));
        assert_eq!(mapping_len((2 << 20) + 1, Some(HUGE)), Some(4 << 20));
        assert_eq!(mapping_len(usize::MAX, Some(HUGE)), None);
        assert_eq!(mapping_len(usize::MAX, None), Some(usize::MAX));
        // A nonsensical page size of 0, or one that is not a power of two,
        // is no mapping, not a panic.
        assert_eq!(mapping_len(1, Some(0)), None);
        assert_eq!(mapping_len(1, Some(3 << 20)), None);
    }
}
