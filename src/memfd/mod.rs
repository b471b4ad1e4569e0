//! [`MemFd`]: anonymous memory as a file, with sealing and mappings.

mod adopt;
mod region;

use core::ffi::CStr;
use core::fmt;

use bitflags::bitflags;

pub use self::adopt::TryFromFdError;
pub use self::region::MappedRegion;
use crate::handle::handle_common;
use crate::{Error, Fd, Result, sys};

bitflags! {
    /// Flags for [`MemFd::with_flags`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MemFdFlags: u32 {
        /// `MFD_CLOEXEC`
        const CLOEXEC = 0x0001;
        /// `MFD_ALLOW_SEALING`: the file accepts [`MemFd::seal`].
        const ALLOW_SEALING = 0x0002;
        /// `MFD_HUGETLB`: back the file with huge pages (hugetlbfs).
        const HUGETLB = 0x0004;
        /// `MFD_NOEXEC_SEAL`: not executable, sealed so (Linux 6.3).
        const NOEXEC_SEAL = 0x0008;
        /// `MFD_EXEC`: executable (Linux 6.3).
        const EXEC = 0x0010;
    }
}

bitflags! {
    /// File seals, for [`MemFd::seal`] and [`MemFd::seals`]
    /// (fcntl(2) "File Sealing").
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Seals: u32 {
        /// `F_SEAL_SEAL`: no further seal can be added.
        const SEAL = 0x0001;
        /// `F_SEAL_SHRINK`: the size cannot decrease.
        const SHRINK = 0x0002;
        /// `F_SEAL_GROW`: the size cannot increase.
        const GROW = 0x0004;
        /// `F_SEAL_WRITE`: the contents cannot change, through any
        /// descriptor or mapping. Refused with `EBUSY` while a shared
        /// mapping made before it exists (even a read-only one, which
        /// `mprotect` could make writable). Before Linux 6.7 the kernel
        /// also refuses new shared mappings of a write-sealed file.
        const WRITE = 0x0008;
        /// `F_SEAL_FUTURE_WRITE`: no new write or writable mapping; shared
        /// writable mappings made before the seal keep writing.
        const FUTURE_WRITE = 0x0010;
        /// `F_SEAL_EXEC`: the execute permission bits cannot change
        /// (Linux 6.3).
        const EXEC = 0x0020;
    }
}

bitflags! {
    /// Memory protection of a mapping (mmap(2) `PROT_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Prot: u32 {
        /// `PROT_READ`
        const READ = 0x1;
        /// `PROT_WRITE`
        const WRITE = 0x2;
        /// `PROT_EXEC`
        const EXEC = 0x4;
    }
}

/// The longest name memfd_create(2) accepts: `NAME_MAX` (255) minus the
/// `"memfd:"` prefix the kernel adds.
pub const MEMFD_NAME_MAX: usize = 249;

/// memfd_create(2) — an anonymous file in memory.
///
/// It behaves like a regular file (read, write, positional I/O, truncate)
/// and can be mapped into memory, shared with other processes by passing
/// the descriptor, and **sealed** so that its receivers can trust its size
/// and contents (see [`Seals`] and [`MappedRegion`]).
///
/// Created close-on-exec; blocking (regular files never block). The name,
/// visible in `/proc/self/fd`, is kept in the handle, so nothing here
/// allocates.
///
/// # Examples
///
/// ```
/// use iofd::{MemFd, Prot, Seals};
///
/// let mem = MemFd::new_sealable("config")?;
/// mem.write(b"answer=42")?;
/// mem.seal(Seals::SHRINK | Seals::GROW | Seals::WRITE | Seals::SEAL)?;
///
/// let region = mem.mmap(9, Prot::READ)?;
/// drop(mem); // the mapping outlives the descriptor
/// assert_eq!(region.as_slice(), Some(&b"answer=42"[..])); // sealed: a safe view
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/memfd_create.2.html>
pub struct MemFd {
    fd: Fd,
    name: [u8; MEMFD_NAME_MAX],
    name_len: u8,
}

handle_common!(MemFd);

impl MemFd {
    /// memfd_create(2) with `MFD_CLOEXEC`.
    ///
    /// `name` (at most 249 bytes, no NUL; empty is fine) only labels the
    /// file in `/proc/<pid>/fd`; names need not be unique.
    ///
    /// # Errors
    /// `InvalidInput` for a name longer than 249 bytes or containing NUL
    /// (no system call); `EMFILE`/`ENFILE`; `OutOfMemory`.
    #[doc(alias = "memfd_create")]
    pub fn new(name: &str) -> Result<MemFd> {
        MemFd::with_flags(name, MemFdFlags::CLOEXEC)
    }

    /// memfd_create(2) with `MFD_CLOEXEC | MFD_ALLOW_SEALING`: a file that
    /// accepts [`seal`](MemFd::seal).
    ///
    /// # Errors
    /// As [`new`](MemFd::new).
    pub fn new_sealable(name: &str) -> Result<MemFd> {
        MemFd::with_flags(name, MemFdFlags::CLOEXEC | MemFdFlags::ALLOW_SEALING)
    }

    /// memfd_create(2) with `MFD_CLOEXEC | MFD_HUGETLB`: a file backed by
    /// the default huge page size. Its size must be a multiple of the huge
    /// page size, and growing it needs reserved huge pages.
    ///
    /// # Errors
    /// As [`new`](MemFd::new); the kernel may refuse without hugetlbfs.
    pub fn new_hugetlb(name: &str) -> Result<MemFd> {
        MemFd::with_flags(name, MemFdFlags::CLOEXEC | MemFdFlags::HUGETLB)
    }

    /// memfd_create(2) with exactly `flags`.
    ///
    /// # Errors
    /// As [`new`](MemFd::new), and `InvalidInput` for flag combinations
    /// the kernel refuses.
    pub fn with_flags(name: &str, flags: MemFdFlags) -> Result<MemFd> {
        let bytes = name.as_bytes();
        if bytes.len() > MEMFD_NAME_MAX || bytes.contains(&0) {
            return Err(Error::INVALID);
        }
        let mut c_name = [0u8; MEMFD_NAME_MAX + 1];
        c_name[..bytes.len()].copy_from_slice(bytes);
        let c_name = CStr::from_bytes_until_nul(&c_name).map_err(|_| Error::INVALID)?;
        let fd = sys::memfd_create(c_name, flags.bits())?;
        // SAFETY: the kernel just created `fd`; we are its only owner.
        let fd = unsafe { Fd::from_raw(fd) };
        let mut kept = [0u8; MEMFD_NAME_MAX];
        kept[..bytes.len()].copy_from_slice(bytes);
        Ok(MemFd {
            fd,
            name: kept,
            // At most 249, checked above.
            name_len: bytes.len() as u8,
        })
    }

    /// The name given at creation (without the kernel's `memfd:` prefix);
    /// empty for a memfd adopted with `MemFd::try_from(fd)`.
    #[inline]
    #[must_use]
    pub fn name(&self) -> &str {
        // The bytes were copied from a `&str`, so they are UTF-8.
        core::str::from_utf8(&self.name[..usize::from(self.name_len)]).unwrap_or_default()
    }

    /// read(2) at the file offset; see [`Fd::read`].
    ///
    /// # Errors
    /// `Closed`; an errno of read(2).
    #[inline]
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        self.fd.read(buf)
    }

    /// write(2) at the file offset, growing the file; see [`Fd::write`].
    ///
    /// # Errors
    /// `PermissionDenied` (`EPERM`) under a `WRITE`, `FUTURE_WRITE` or (when
    /// growing) `GROW` seal; `Closed`; an errno of write(2).
    #[inline]
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        self.fd.write(buf)
    }

    /// pread64(2); see [`Fd::read_at`].
    ///
    /// # Errors
    /// `InvalidInput` for `offset > i64::MAX`; `Closed`.
    #[inline]
    #[doc(alias = "pread", alias = "pread64")]
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.fd.read_at(buf, offset)
    }

    /// pwrite64(2); see [`Fd::write_at`].
    ///
    /// # Errors
    /// As [`write`](MemFd::write), and `InvalidInput` for
    /// `offset > i64::MAX`.
    #[inline]
    #[doc(alias = "pwrite", alias = "pwrite64")]
    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize> {
        self.fd.write_at(buf, offset)
    }

    /// ftruncate(2) — sets the size to `len` bytes, zero-filling growth.
    ///
    /// # Errors
    /// `InvalidInput` for `len > i64::MAX` (no system call);
    /// `PermissionDenied` (`EPERM`) under a `SHRINK` or `GROW` seal that
    /// forbids the change; `Closed`.
    ///
    /// <https://man7.org/linux/man-pages/man2/ftruncate.2.html>
    #[doc(alias = "ftruncate")]
    #[inline]
    pub fn truncate(&self, len: u64) -> Result<()> {
        let len = i64::try_from(len).map_err(|_| Error::INVALID)?;
        let g = self.fd.guard()?;
        sys::ftruncate(g.borrowed(), len)
    }

    /// statx(2) — the current size in bytes.
    ///
    /// # Errors
    /// `Closed`.
    ///
    /// <https://man7.org/linux/man-pages/man2/statx.2.html>
    #[doc(alias = "statx", alias = "fstat")]
    #[inline]
    pub fn size(&self) -> Result<u64> {
        let g = self.fd.guard()?;
        sys::statx_size(g.borrowed())
    }

    /// fcntl(2) `F_ADD_SEALS` — adds `seals`; seals are never removed.
    ///
    /// # Errors
    /// - `PermissionDenied` (`EPERM`) if the file was not created sealable
    ///   or is already sealed with [`Seals::SEAL`];
    /// - `EBUSY` (`Other`) for [`Seals::WRITE`] while a shared mapping
    ///   made before it exists;
    /// - `InvalidInput` for unknown bits; `Closed`.
    ///
    /// <https://man7.org/linux/man-pages/man2/fcntl.2.html>
    #[doc(alias = "F_ADD_SEALS")]
    #[inline]
    pub fn seal(&self, seals: Seals) -> Result<()> {
        let g = self.fd.guard()?;
        sys::fcntl_add_seals(g.borrowed(), seals.bits())
    }

    /// fcntl(2) `F_GET_SEALS` — the seals in place. A file created without
    /// `ALLOW_SEALING` reports [`Seals::SEAL`].
    ///
    /// # Errors
    /// `Closed`.
    #[doc(alias = "F_GET_SEALS")]
    #[inline]
    pub fn seals(&self) -> Result<Seals> {
        let g = self.fd.guard()?;
        sys::fcntl_get_seals(g.borrowed()).map(Seals::from_bits_retain)
    }

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

impl fmt::Debug for MemFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemFd")
            .field("fd", &self.fd)
            .field("name", &self.name())
            .finish()
    }
}
