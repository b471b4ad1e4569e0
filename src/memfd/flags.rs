//! The plain values of memfds: creation flags, seals and mapping
//! protection.

use bitflags::bitflags;

bitflags! {
    /// Flags for [`MemFd::with_flags`](super::MemFd::with_flags).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct MemFdFlags: u32 {
        /// `MFD_CLOEXEC`
        const CLOEXEC = 0x0001;
        /// `MFD_ALLOW_SEALING`: the file accepts [`MemFd::seal`](super::MemFd::seal).
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
