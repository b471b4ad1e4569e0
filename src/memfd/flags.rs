//! The plain values of memfds: creation flags, huge page sizes, seals and
//! mapping protection.

use bitflags::bitflags;

bitflags! {
    /// Flags for [`MemFd::with_flags`](super::MemFd::with_flags).
    ///
    /// A huge page size other than the default is not a flag of its own
    /// but a number in the high bits: see [`HugePageSize::flags`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MemFdFlags: u32 {
        /// `MFD_CLOEXEC`
        const CLOEXEC = 0x0001;
        /// `MFD_ALLOW_SEALING`: the file accepts [`MemFd::seal`](super::MemFd::seal).
        const ALLOW_SEALING = 0x0002;
        /// `MFD_HUGETLB`: back the file with huge pages (hugetlbfs).
        const HUGETLB = 0x0004;
        /// `MFD_NOEXEC_SEAL`: not executable (mode `0666`), with
        /// [`Seals::EXEC`] in place; the file is sealable, as if with
        /// `ALLOW_SEALING` (Linux 6.3).
        const NOEXEC_SEAL = 0x0008;
        /// `MFD_EXEC`: executable (mode `0777`), whatever `vm.memfd_noexec`
        /// picks for calls with neither flag; refused with `EACCES` when
        /// it is 2 (Linux 6.3; see [`MemFd`](super::MemFd)).
        const EXEC = 0x0010;
    }
}

/// `MFD_HUGE_SHIFT`: where memfd_create(2) reads the log2 of the huge
/// page size (`<linux/memfd.h>`, from `<asm-generic/hugetlb_encode.h>`).
const MFD_HUGE_SHIFT: u32 = 26;

/// A huge page size for [`MemFd::new_hugetlb_sized`](super::MemFd::new_hugetlb_sized):
/// one of the kernel's `MFD_HUGE_*` encodings, the log2 of the size in
/// the six bits from bit 26.
///
/// Which sizes exist depends on the architecture and on the kernel's
/// configuration (`/sys/kernel/mm/hugepages/` lists them); asking for one
/// the machine lacks fails with `ENODEV`, or `ENOENT` when hugetlbfs could
/// not set that size up.
///
/// # Examples
///
/// ```
/// use iofd::{HugePageSize, MemFdFlags};
///
/// assert_eq!(HugePageSize::HUGE_2MB.bytes(), 2 << 20);
/// assert_eq!(HugePageSize::HUGE_1GB.log2(), 30);
/// // For `MemFd::with_flags`: `MFD_HUGETLB | MFD_HUGE_2MB`.
/// let flags = MemFdFlags::CLOEXEC | HugePageSize::HUGE_2MB.flags();
/// assert!(flags.contains(MemFdFlags::HUGETLB));
/// ```
///
/// <https://man7.org/linux/man-pages/man2/memfd_create.2.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HugePageSize(u8);

impl HugePageSize {
    /// `MFD_HUGE_64KB`
    pub const HUGE_64KB: HugePageSize = HugePageSize(16);
    /// `MFD_HUGE_512KB`
    pub const HUGE_512KB: HugePageSize = HugePageSize(19);
    /// `MFD_HUGE_1MB`
    pub const HUGE_1MB: HugePageSize = HugePageSize(20);
    /// `MFD_HUGE_2MB`
    pub const HUGE_2MB: HugePageSize = HugePageSize(21);
    /// `MFD_HUGE_8MB`
    pub const HUGE_8MB: HugePageSize = HugePageSize(23);
    /// `MFD_HUGE_16MB`
    pub const HUGE_16MB: HugePageSize = HugePageSize(24);
    /// `MFD_HUGE_32MB`
    pub const HUGE_32MB: HugePageSize = HugePageSize(25);
    /// `MFD_HUGE_256MB`
    pub const HUGE_256MB: HugePageSize = HugePageSize(28);
    /// `MFD_HUGE_512MB`
    pub const HUGE_512MB: HugePageSize = HugePageSize(29);
    /// `MFD_HUGE_1GB`
    pub const HUGE_1GB: HugePageSize = HugePageSize(30);
    /// `MFD_HUGE_2GB`
    pub const HUGE_2GB: HugePageSize = HugePageSize(31);
    /// `MFD_HUGE_16GB`
    pub const HUGE_16GB: HugePageSize = HugePageSize(34);

    /// Every size the kernel names, smallest first.
    pub const ALL: [HugePageSize; 12] = [
        Self::HUGE_64KB,
        Self::HUGE_512KB,
        Self::HUGE_1MB,
        Self::HUGE_2MB,
        Self::HUGE_8MB,
        Self::HUGE_16MB,
        Self::HUGE_32MB,
        Self::HUGE_256MB,
        Self::HUGE_512MB,
        Self::HUGE_1GB,
        Self::HUGE_2GB,
        Self::HUGE_16GB,
    ];

    /// The log2 of the size: 21 for 2 MiB.
    #[inline]
    #[must_use]
    pub const fn log2(self) -> u32 {
        self.0 as u32
    }

    /// The size in bytes.
    #[inline]
    #[must_use]
    pub const fn bytes(self) -> u64 {
        1 << self.0
    }

    /// `MFD_HUGETLB | MFD_HUGE_*`: the flags asking memfd_create(2) for
    /// this size.
    #[inline]
    #[must_use]
    pub const fn flags(self) -> MemFdFlags {
        MemFdFlags::from_bits_retain(MemFdFlags::HUGETLB.bits() | self.log2() << MFD_HUGE_SHIFT)
    }
}

bitflags! {
    /// File seals, for [`MemFd::seal`](super::MemFd::seal) and
    /// [`MemFd::seals`](super::MemFd::seals) (fcntl(2) "File Sealing").
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
        /// also refuses new shared mappings of a write-sealed file
        /// (`EPERM`), which is why [`MemFd::mmap`](super::MemFd::mmap) maps
        /// read-only views of such a file privately.
        const WRITE = 0x0008;
        /// `F_SEAL_FUTURE_WRITE`: no new write or writable mapping; shared
        /// writable mappings made before the seal keep writing.
        const FUTURE_WRITE = 0x0010;
        /// `F_SEAL_EXEC`: the execute permission bits cannot change
        /// (Linux 6.3). `MFD_NOEXEC_SEAL` sets it at creation.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_page_sizes_are_log2_encodings() {
        let mut last = 0;
        for size in HugePageSize::ALL {
            assert!(size.log2() > last, "sorted, no duplicates");
            last = size.log2();
            assert_eq!(size.bytes(), 1u64 << size.log2());
            let f = size.flags();
            assert!(f.contains(MemFdFlags::HUGETLB));
            // The six bits from 26 hold the log2 and nothing else is set.
            assert_eq!((f.bits() >> 26) & 0x3f, size.log2());
            assert_eq!(f.bits() & !(0x3f << 26), MemFdFlags::HUGETLB.bits());
        }
        assert_eq!(HugePageSize::HUGE_64KB.bytes(), 64 << 10);
        assert_eq!(HugePageSize::HUGE_16GB.bytes(), 16 << 30);
    }
}
