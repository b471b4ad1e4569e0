//! Mapping a [`MemFd`].

use super::region::MappedRegion;
use super::{MemFd, Prot, Seals};
use crate::{Error, Result, sys};

impl MemFd {
    /// mmap(2) — maps the first `len` bytes, shared (`MAP_SHARED`); see
    /// [`mmap_at`](MemFd::mmap_at).
    ///
    /// # Errors
    /// As [`mmap_at`](MemFd::mmap_at).
    #[inline]
    pub fn mmap(&self, len: usize, prot: Prot) -> Result<MappedRegion> {
        self.mmap_at(len, prot, 0)
    }

    /// mmap(2) — maps `len` bytes from `offset`, shared (`MAP_SHARED`):
    /// writes through the mapping reach the file and every other mapping.
    ///
    /// The mapping stays valid after this `MemFd` is closed or dropped. It
    /// must start inside the file but may extend past its end (to be grown
    /// into later); touching a page wholly past the end raises `SIGBUS`.
    /// See [`MappedRegion`] for what is safe to access.
    ///
    /// # Errors
    /// - `InvalidInput` if `len` is 0, or `offset` is not a multiple of
    ///   [`page_size`](crate::page_size) or exceeds `i64::MAX` (no system
    ///   call); if `offset` is at or past the end of the file (nothing to
    ///   map: size the file first with [`truncate`](MemFd::truncate));
    /// - `PermissionDenied` (`EPERM`) for [`Prot::WRITE`] under a `WRITE`
    ///   or `FUTURE_WRITE` seal;
    /// - `OutOfMemory`; `Closed`.
    ///
    /// <https://man7.org/linux/man-pages/man2/mmap.2.html>
    #[doc(alias = "mmap")]
    pub fn mmap_at(&self, len: usize, prot: Prot, offset: u64) -> Result<MappedRegion> {
        if len == 0 || !offset.is_multiple_of(crate::page_size() as u64) {
            return Err(Error::INVALID);
        }
        let off = i64::try_from(offset).map_err(|_| Error::INVALID)?;
        let g = self.fd.guard()?;
        // Seals before size: once `SHRINK` is seen it stays, so the size
        // read next can only grow afterwards.
        let seals = Seals::from_bits_retain(sys::fcntl_get_seals(g.borrowed())?);
        let size = sys::statx_size(g.borrowed())?;
        if offset >= size {
            // Nothing of the file there: every access would raise SIGBUS.
            return Err(Error::INVALID);
        }
        let backed = offset
            .checked_add(len as u64)
            .is_some_and(|end| end <= size);
        let immutable = seals.contains(Seals::WRITE | Seals::SHRINK) && backed;
        let addr = sys::mmap(len, prot.bits(), sys::MAP_SHARED, g.borrowed(), off)?;
        // SAFETY: the kernel just created this `len`-byte mapping at `addr`
        // for us alone; the seals were read before it was made.
        Ok(unsafe { MappedRegion::from_raw_parts(addr, len, prot, immutable) })
    }
}
