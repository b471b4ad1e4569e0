//! [`MemFd`]: anonymous memory as a file, with sealing and mappings.

mod adopt;
mod copy;
mod flags;
mod map;
mod region;

use core::ffi::CStr;
use core::fmt;

pub use self::adopt::TryFromFdError;
pub use self::flags::{HugePageSize, MemFdFlags, Prot, Seals};
pub use self::region::MappedRegion;
use crate::handle::handle_common;
use crate::{Error, Fd, Result, sys};

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
/// Created close-on-exec and not executable (see below); blocking (regular
/// files never block). The name, visible in `/proc/self/fd`, is kept in the
/// handle, so nothing here allocates.
///
/// # Executable or not
///
/// A memfd whose mode has execute bits can be run (execveat(2) with
/// `AT_EMPTY_PATH`, or through `/proc/<pid>/fd/<n>`): anonymous, writable
/// and executable, a favourite of malware. Linux 6.3 added
/// `MFD_NOEXEC_SEAL` (mode `0666`, and [`Seals::EXEC`] so that no one can
/// chmod it back) and `MFD_EXEC`, and the sysctl `vm.memfd_noexec`, which
/// decides what memfd_create(2) does when given neither flag. The sysctl
/// belongs to the pid namespace: a new namespace starts with its parent's
/// value and may raise it, never below the parent's. As of Linux 6.6:
///
/// | `vm.memfd_noexec` | neither flag | `MFD_EXEC` |
/// |---|---|---|
/// | 0 (the default) | as `MFD_EXEC` | executable |
/// | 1 | as `MFD_NOEXEC_SEAL` (so the file is also sealable) | executable |
/// | 2 | as `MFD_NOEXEC_SEAL` | refused: `EACCES` |
///
/// (Linux 6.3 to 6.5 treated 2 differently: they refused calls with neither
/// flag.) What this means for the constructors here:
///
/// - [`new`](MemFd::new), [`new_sealable`](MemFd::new_sealable),
///   [`new_hugetlb`](MemFd::new_hugetlb) and
///   [`new_hugetlb_sized`](MemFd::new_hugetlb_sized) ask for
///   `MFD_NOEXEC_SEAL` themselves, so their file is not executable whatever
///   the sysctl says. A kernel older than 6.3 has neither the flag nor the
///   sysctl and refuses the unknown flag with `EINVAL`; they then create
///   the file without it, executable like every memfd of those kernels.
/// - [`new_executable`](MemFd::new_executable) asks for `MFD_EXEC`: an
///   executable file under 0 and 1, `PermissionDenied` under 2.
/// - [`with_flags`](MemFd::with_flags) passes its flags as they are: with
///   neither, the sysctl decides.
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
/// <https://man7.org/linux/man-pages/man2/memfd_create.2.html>,
/// <https://docs.kernel.org/userspace-api/mfd_noexec.html>
pub struct MemFd {
    fd: Fd,
    name: [u8; MEMFD_NAME_MAX],
    name_len: u8,
}

handle_common!(MemFd);

/// A checked memfd name, NUL-terminated for the kernel.
struct Name {
    c: [u8; MEMFD_NAME_MAX + 1],
    len: u8,
}

impl Name {
    /// `InvalidInput` for more than [`MEMFD_NAME_MAX`] bytes or a NUL.
    fn new(name: &str) -> Result<Name> {
        let bytes = name.as_bytes();
        if bytes.len() > MEMFD_NAME_MAX || bytes.contains(&0) {
            return Err(Error::INVALID);
        }
        let mut c = [0u8; MEMFD_NAME_MAX + 1];
        c[..bytes.len()].copy_from_slice(bytes);
        Ok(Name {
            c,
            // At most 249, checked above.
            len: bytes.len() as u8,
        })
    }

    /// memfd_create(2) with exactly `flags`.
    fn create(&self, flags: MemFdFlags) -> Result<MemFd> {
        let c_name = CStr::from_bytes_until_nul(&self.c).map_err(|_| Error::INVALID)?;
        let fd = sys::memfd_create(c_name, flags.bits())?;
        // SAFETY: the kernel just created `fd`; we are its only owner.
        let fd = unsafe { Fd::from_raw(fd) };
        let mut name = [0u8; MEMFD_NAME_MAX];
        name.copy_from_slice(&self.c[..MEMFD_NAME_MAX]);
        Ok(MemFd {
            fd,
            name,
            name_len: self.len,
        })
    }

    /// memfd_create(2) with `flags | extra`, or with `flags` alone if the
    /// kernel refuses `extra` with `EINVAL`, its answer to a flag it does
    /// not know (`MFD_NOEXEC_SEAL` and `MFD_EXEC` before Linux 6.3). The
    /// `bool` tells whether `extra` was taken.
    fn create_or_without(&self, flags: MemFdFlags, extra: MemFdFlags) -> Result<(MemFd, bool)> {
        match self.create(flags | extra) {
            Ok(m) => Ok((m, true)),
            Err(e) if e == Error::INVALID => Ok((self.create(flags)?, false)),
            Err(e) => Err(e),
        }
    }
}

impl MemFd {
    /// memfd_create(2) with `MFD_CLOEXEC | MFD_NOEXEC_SEAL`, then fcntl(2)
    /// `F_ADD_SEALS` with `F_SEAL_SEAL`: a file that is neither executable
    /// nor sealable.
    ///
    /// `name` (at most 249 bytes, no NUL; empty is fine) only labels the
    /// file in `/proc/<pid>/fd`; names need not be unique.
    ///
    /// `MFD_NOEXEC_SEAL` makes the file sealable (the kernel lifts the
    /// `F_SEAL_SEAL` every memfd is born with, to add `F_SEAL_EXEC`), so
    /// `new` seals it with [`Seals::SEAL`] at once: [`seals`](MemFd::seals)
    /// then reports `SEAL | EXEC`. Before Linux 6.3 it is created with
    /// `MFD_CLOEXEC` alone, which these kernels make executable and not
    /// sealable (`seals` reports `SEAL`). See "Executable or not" above.
    ///
    /// # Errors
    /// `InvalidInput` for a name longer than 249 bytes or containing NUL
    /// (no system call); `EMFILE`/`ENFILE`; `OutOfMemory`.
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{MemFd, Seals};
    ///
    /// let mem = MemFd::new("scratch")?;
    /// assert!(mem.seals()?.contains(Seals::SEAL)); // no seal can be added
    /// mem.write(b"bytes")?;
    /// assert_eq!(mem.size()?, 5);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[doc(alias = "memfd_create")]
    pub fn new(name: &str) -> Result<MemFd> {
        MemFd::unsealable_noexec(name, MemFdFlags::CLOEXEC)
    }

    /// memfd_create(2) with `MFD_CLOEXEC | MFD_ALLOW_SEALING |
    /// MFD_NOEXEC_SEAL`: a file that accepts [`seal`](MemFd::seal) and is not
    /// executable. [`seals`](MemFd::seals) reports [`Seals::EXEC`] from the
    /// start (nothing before Linux 6.3, where the file is created without
    /// `MFD_NOEXEC_SEAL`, executable).
    ///
    /// # Errors
    /// As [`new`](MemFd::new).
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{MemFd, Seals};
    ///
    /// let mem = MemFd::new_sealable("frozen")?;
    /// mem.write(b"final")?;
    /// mem.seal(Seals::WRITE | Seals::SHRINK | Seals::GROW)?;
    /// assert!(mem.write(b"more").is_err());
    /// # Ok::<(), iofd::Error>(())
    /// ```
    pub fn new_sealable(name: &str) -> Result<MemFd> {
        let flags = MemFdFlags::CLOEXEC | MemFdFlags::ALLOW_SEALING;
        let (mem, _) = Name::new(name)?.create_or_without(flags, MemFdFlags::NOEXEC_SEAL)?;
        Ok(mem)
    }

    /// memfd_create(2) with `MFD_CLOEXEC | MFD_EXEC`: a file with execute
    /// permission (mode `0777`), to be run with execveat(2) or through
    /// `/proc/<pid>/fd/<n>`; not sealable. Before Linux 6.3, which refuses
    /// `MFD_EXEC` with `EINVAL`, it is created with `MFD_CLOEXEC` alone,
    /// executable all the same.
    ///
    /// # Errors
    /// As [`new`](MemFd::new), and `PermissionDenied` (`EACCES`) when
    /// `vm.memfd_noexec` is 2 (see "Executable or not" above).
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{ErrorKind, MemFd};
    ///
    /// match MemFd::new_executable("program") {
    ///     Ok(mem) => drop(mem.write(b"#!/bin/sh\nexit 0\n")?),
    ///     // vm.memfd_noexec = 2 forbids executable memfds.
    ///     Err(e) => assert_eq!(e.kind(), ErrorKind::PermissionDenied),
    /// }
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[doc(alias = "MFD_EXEC")]
    pub fn new_executable(name: &str) -> Result<MemFd> {
        let (mem, _) = Name::new(name)?.create_or_without(MemFdFlags::CLOEXEC, MemFdFlags::EXEC)?;
        Ok(mem)
    }

    /// memfd_create(2) with `MFD_CLOEXEC | MFD_HUGETLB | MFD_NOEXEC_SEAL`,
    /// sealed with `F_SEAL_SEAL` as [`new`](MemFd::new) is: a file backed by
    /// the default huge page size (`Hugepagesize` in `/proc/meminfo`). Its
    /// size must be a multiple of the huge page size, and it cannot be
    /// written with write(2), only through a mapping, whose pages come from
    /// the huge page pool (`vm.nr_hugepages`): mmap(2) reserves them and
    /// fails with `ENOMEM` when the pool has too few free.
    ///
    /// # Errors
    /// As [`new`](MemFd::new); `ENOENT` or `ENOSYS` (`Unsupported`) where the
    /// kernel has no hugetlbfs for the size.
    pub fn new_hugetlb(name: &str) -> Result<MemFd> {
        MemFd::unsealable_noexec(name, MemFdFlags::CLOEXEC | MemFdFlags::HUGETLB)
    }

    /// memfd_create(2) with `MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_*`
    /// (and `MFD_NOEXEC_SEAL`, then `F_SEAL_SEAL`): as
    /// [`new_hugetlb`](MemFd::new_hugetlb), with pages of `size`.
    ///
    /// # Errors
    /// As [`new_hugetlb`](MemFd::new_hugetlb), and `ENODEV` (`Other`) for a
    /// size this machine's kernel does not support.
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{HugePageSize, MemFd};
    ///
    /// // Huge pages depend on the machine; either outcome is clean.
    /// match MemFd::new_hugetlb_sized("frames", HugePageSize::HUGE_2MB) {
    ///     Ok(mem) => mem.truncate(HugePageSize::HUGE_2MB.bytes())?,
    ///     Err(e) => println!("no 2 MiB pages here: {e}"),
    /// }
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[doc(alias = "MFD_HUGE_2MB", alias = "MFD_HUGE_1GB")]
    pub fn new_hugetlb_sized(name: &str, size: HugePageSize) -> Result<MemFd> {
        MemFd::unsealable_noexec(name, MemFdFlags::CLOEXEC | size.flags())
    }

    /// memfd_create(2) with exactly `flags`: no `MFD_NOEXEC_SEAL` added, no
    /// fallback, no sealing afterwards.
    ///
    /// # Errors
    /// As [`new`](MemFd::new), and `InvalidInput` for flag combinations
    /// the kernel refuses (`EXEC` with `NOEXEC_SEAL`, flags it does not
    /// know); `PermissionDenied` as "Executable or not" above describes.
    pub fn with_flags(name: &str, flags: MemFdFlags) -> Result<MemFd> {
        Name::new(name)?.create(flags)
    }

    /// `flags | MFD_NOEXEC_SEAL`, sealed with `F_SEAL_SEAL` since that flag
    /// makes the file sealable; `flags` alone where the kernel lacks it.
    fn unsealable_noexec(name: &str, flags: MemFdFlags) -> Result<MemFd> {
        let (mem, noexec) = Name::new(name)?.create_or_without(flags, MemFdFlags::NOEXEC_SEAL)?;
        if noexec {
            // On failure `mem` is dropped, which closes the descriptor.
            mem.seal(Seals::SEAL)?;
        }
        Ok(mem)
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
    /// `InvalidInput` for `len > i64::MAX` (no system call), or a `len`
    /// that is not a multiple of a hugetlb file's huge page size;
    /// `PermissionDenied` (`EPERM`) under a `SHRINK` or `GROW` seal that
    /// forbids the change; `Closed`.
    ///
    /// # Aborts
    /// Shrinking the file takes its pages away from every mapping of it,
    /// in this process and others: afterwards, a
    /// [`MappedRegion::read_at`] or [`MappedRegion::write_at`] touching a
    /// page now wholly past the end raises `SIGBUS`, which ends the
    /// process (see [`MappedRegion`], "Aborts"). Shrink only while no region
    /// reaches past the new size, or seal the file with [`Seals::SHRINK`],
    /// after which this call fails with `EPERM` instead.
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

    /// fcntl(2) `F_GET_SEALS` — the seals in place. A file that cannot be
    /// sealed reports [`Seals::SEAL`]: [`new`](MemFd::new)'s reports
    /// `SEAL | EXEC` (`SEAL` alone before Linux 6.3), as do
    /// [`new_hugetlb`](MemFd::new_hugetlb)'s;
    /// [`new_executable`](MemFd::new_executable)'s reports `SEAL`.
    ///
    /// # Errors
    /// `Closed`.
    #[doc(alias = "F_GET_SEALS")]
    #[inline]
    pub fn seals(&self) -> Result<Seals> {
        let g = self.fd.guard()?;
        sys::fcntl_get_seals(g.borrowed()).map(Seals::from_bits_retain)
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
