//! [`SignalFd`]: signals read from a descriptor, and [`SignalInfo`].

use core::hint;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bitflags::bitflags;

use crate::handle::handle_common;
use crate::{Fd, Result, SIGKILL, SIGSTOP, SigSet, sys};

bitflags! {
    /// Flags for [`SignalFd::with_flags`].
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct SignalFdFlags: u32 {
        /// `SFD_CLOEXEC`
        const CLOEXEC = sys::O_CLOEXEC;
        /// `SFD_NONBLOCK`
        const NONBLOCK = sys::O_NONBLOCK;
    }
}

/// `struct signalfd_siginfo`: one signal read from a [`SignalFd`], exactly
/// the kernel's 128 bytes.
///
/// Which fields mean something depends on the signal and how it was sent
/// (see signalfd(2)): [`pid`](SignalInfo::pid) and [`uid`](SignalInfo::uid)
/// for signals sent by a process, [`status`](SignalInfo::status) for
/// `SIGCHLD`, [`int`](SignalInfo::int) and [`ptr`](SignalInfo::ptr) for
/// `sigqueue(3)` payloads, [`addr`](SignalInfo::addr) for faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct SignalInfo {
    ssi_signo: u32,
    ssi_errno: i32,
    ssi_code: i32,
    ssi_pid: u32,
    ssi_uid: u32,
    ssi_fd: i32,
    ssi_tid: u32,
    ssi_band: u32,
    ssi_overrun: u32,
    ssi_trapno: u32,
    ssi_status: i32,
    ssi_int: i32,
    ssi_ptr: u64,
    ssi_utime: u64,
    ssi_stime: u64,
    ssi_addr: u64,
    ssi_addr_lsb: u16,
    pad2: u16,
    ssi_syscall: i32,
    ssi_call_addr: u64,
    ssi_arch: u32,
    pad: [u8; 28],
}

/// The kernel's record size; a read returns a multiple of it.
const INFO_SIZE: usize = 128;
const _: () = assert!(core::mem::size_of::<SignalInfo>() == INFO_SIZE);

impl SignalInfo {
    /// An all-zero record (signal 0), to read into.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> SignalInfo {
        SignalInfo {
            ssi_signo: 0,
            ssi_errno: 0,
            ssi_code: 0,
            ssi_pid: 0,
            ssi_uid: 0,
            ssi_fd: 0,
            ssi_tid: 0,
            ssi_band: 0,
            ssi_overrun: 0,
            ssi_trapno: 0,
            ssi_status: 0,
            ssi_int: 0,
            ssi_ptr: 0,
            ssi_utime: 0,
            ssi_stime: 0,
            ssi_addr: 0,
            ssi_addr_lsb: 0,
            pad2: 0,
            ssi_syscall: 0,
            ssi_call_addr: 0,
            ssi_arch: 0,
            pad: [0; 28],
        }
    }

    /// `ssi_signo`: the signal number.
    #[inline]
    #[must_use]
    pub fn signo(&self) -> i32 {
        self.ssi_signo as i32
    }

    /// `ssi_code`: how the signal was sent (`SI_USER` 0, `SI_TKILL` -6,
    /// `SI_QUEUE` -1, `CLD_EXITED` 1 …).
    #[inline]
    #[must_use]
    pub fn code(&self) -> i32 {
        self.ssi_code
    }

    /// `ssi_pid`: the sending process.
    #[inline]
    #[must_use]
    pub fn pid(&self) -> i32 {
        self.ssi_pid as i32
    }

    /// `ssi_uid`: the real user id of the sender.
    #[inline]
    #[must_use]
    pub fn uid(&self) -> u32 {
        self.ssi_uid
    }

    /// `ssi_status`: exit status or signal, for `SIGCHLD`.
    #[inline]
    #[must_use]
    pub fn status(&self) -> i32 {
        self.ssi_status
    }

    /// `ssi_int`: the integer sent with sigqueue(3).
    #[inline]
    #[must_use]
    pub fn int(&self) -> i32 {
        self.ssi_int
    }

    /// `ssi_ptr`: the pointer sent with sigqueue(3), as an integer.
    #[inline]
    #[must_use]
    pub fn ptr(&self) -> u64 {
        self.ssi_ptr
    }

    /// `ssi_errno`: an error number (rarely set).
    #[inline]
    #[must_use]
    pub fn errno(&self) -> i32 {
        self.ssi_errno
    }

    /// `ssi_fd`: the descriptor, for `SIGIO`.
    #[inline]
    #[must_use]
    pub fn fd(&self) -> i32 {
        self.ssi_fd
    }

    /// `ssi_tid`: the kernel timer id, for POSIX timer signals.
    #[inline]
    #[must_use]
    pub fn tid(&self) -> u32 {
        self.ssi_tid
    }

    /// `ssi_band`: the band event, for `SIGIO`.
    #[inline]
    #[must_use]
    pub fn band(&self) -> u32 {
        self.ssi_band
    }

    /// `ssi_overrun`: the overrun count, for POSIX timer signals.
    #[inline]
    #[must_use]
    pub fn overrun(&self) -> u32 {
        self.ssi_overrun
    }

    /// `ssi_trapno`: the trap number that caused a hardware signal.
    #[inline]
    #[must_use]
    pub fn trapno(&self) -> u32 {
        self.ssi_trapno
    }

    /// `ssi_utime`: user CPU time consumed, for `SIGCHLD`.
    #[inline]
    #[must_use]
    pub fn utime(&self) -> u64 {
        self.ssi_utime
    }

    /// `ssi_stime`: system CPU time consumed, for `SIGCHLD`.
    #[inline]
    #[must_use]
    pub fn stime(&self) -> u64 {
        self.ssi_stime
    }

    /// `ssi_addr`: the faulting address, for hardware-generated signals.
    #[inline]
    #[must_use]
    pub fn addr(&self) -> u64 {
        self.ssi_addr
    }

    /// `ssi_addr_lsb`: the least significant bit of the address, for
    /// `SIGBUS` memory errors.
    #[inline]
    #[must_use]
    pub fn addr_lsb(&self) -> u16 {
        self.ssi_addr_lsb
    }

    /// `ssi_syscall`: the system call number, for seccomp `SIGSYS`.
    #[inline]
    #[must_use]
    pub fn syscall(&self) -> i32 {
        self.ssi_syscall
    }

    /// `ssi_call_addr`: the address of the system-call instruction, for
    /// seccomp `SIGSYS`.
    #[inline]
    #[must_use]
    pub fn call_addr(&self) -> u64 {
        self.ssi_call_addr
    }

    /// `ssi_arch`: the `AUDIT_ARCH_*` of the system call, for seccomp
    /// `SIGSYS`.
    #[inline]
    #[must_use]
    pub fn arch(&self) -> u32 {
        self.ssi_arch
    }

    /// The record as the bytes the kernel fills.
    #[inline]
    fn as_bytes_mut(&mut self) -> &mut [u8; INFO_SIZE] {
        // SAFETY: `SignalInfo` is `repr(C)`, exactly 128 bytes (checked
        // above) with explicit padding fields, so every byte is part of an
        // integer field and every bit pattern is a valid value; the `u8`
        // array has alignment 1 and the borrow is unique.
        unsafe { &mut *(self as *mut SignalInfo).cast::<[u8; INFO_SIZE]>() }
    }
}

impl Default for SignalInfo {
    fn default() -> SignalInfo {
        SignalInfo::zeroed()
    }
}

/// signalfd(2) — signals delivered by reading a descriptor.
///
/// The signals in the mask must be **blocked** (with
/// [`block_signals`](crate::block_signals), in every thread that could
/// receive them); they then stay pending until read here, instead of
/// running a handler or their default action. `SIGKILL` and `SIGSTOP` are
/// never delivered this way.
///
/// Created non-blocking and close-on-exec. Nothing here allocates.
///
/// # Examples
///
/// ```
/// use iofd::{SigSet, SignalFd, SIGUSR1};
///
/// let mut set = SigSet::empty();
/// set.add(SIGUSR1)?;
/// iofd::block_signals(&set)?;
/// let sfd = SignalFd::new(&set)?;
///
/// iofd::send_signal_to_thread(iofd::gettid(), SIGUSR1)?;
/// let info = sfd.read()?;
/// assert_eq!(info.signo(), SIGUSR1);
/// assert_eq!(info.pid(), iofd::getpid());
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/signalfd.2.html>
#[derive(Debug)]
pub struct SignalFd {
    fd: Fd,
    /// The mask the kernel holds, as [`SignalFd::mask`] reports it.
    mask: AtomicU64,
    /// Serialises [`SignalFd::set_mask`] so `mask` always matches the
    /// kernel's once no update is in progress.
    updating: AtomicBool,
}

handle_common!(SignalFd);

/// What the kernel silently drops from every signalfd mask.
const UNREADABLE: u64 = 1 << (SIGKILL - 1) | 1 << (SIGSTOP - 1);

impl SignalFd {
    /// signalfd4(2) — a signalfd for `mask`, non-blocking and close-on-exec.
    ///
    /// # Errors
    /// `EMFILE`/`ENFILE` when out of descriptors, `OutOfMemory`.
    #[doc(alias = "signalfd", alias = "signalfd4")]
    pub fn new(mask: &SigSet) -> Result<SignalFd> {
        SignalFd::with_flags(mask, SignalFdFlags::CLOEXEC | SignalFdFlags::NONBLOCK)
    }

    /// signalfd4(2) with exactly `flags`.
    ///
    /// # Errors
    /// `InvalidInput` for unknown flag bits, and the errors of
    /// [`new`](SignalFd::new).
    pub fn with_flags(mask: &SigSet, flags: SignalFdFlags) -> Result<SignalFd> {
        let bits = mask.bits();
        let fd = sys::signalfd4_create(&bits, flags.bits())?;
        // SAFETY: the kernel just created `fd`; we are its only owner.
        let fd = unsafe { Fd::from_raw(fd) };
        Ok(SignalFd {
            fd,
            mask: AtomicU64::new(bits & !UNREADABLE),
            updating: AtomicBool::new(false),
        })
    }

    /// Reads one pending signal.
    ///
    /// # Errors
    /// `WouldBlock` when none is pending (a blocking signalfd waits
    /// instead); `Closed`; `Interrupted`.
    #[inline]
    pub fn read(&self) -> Result<SignalInfo> {
        let mut info = SignalInfo::zeroed();
        self.read_into(&mut info)?;
        Ok(info)
    }

    /// Reads one pending signal into `info`, which is left unchanged on
    /// error.
    ///
    /// # Errors
    /// As [`read`](SignalFd::read).
    #[inline]
    pub fn read_into(&self, info: &mut SignalInfo) -> Result<()> {
        let n = self.fd.read(info.as_bytes_mut())?;
        // The kernel returns whole records or an error.
        debug_assert_eq!(n, INFO_SIZE);
        Ok(())
    }

    /// Replaces the set of signals the descriptor reads (signalfd4(2) on
    /// the existing descriptor).
    ///
    /// # Errors
    /// `Closed`.
    pub fn set_mask(&self, mask: &SigSet) -> Result<()> {
        let bits = mask.bits();
        let g = self.fd.guard()?;
        while self
            .updating
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            hint::spin_loop();
        }
        let r = sys::signalfd4_set(g.borrowed(), &bits);
        if r.is_ok() {
            self.mask.store(bits & !UNREADABLE, Ordering::Relaxed);
        }
        self.updating.store(false, Ordering::Release);
        r
    }

    /// The signals the descriptor reads: the last mask set, without
    /// `SIGKILL` and `SIGSTOP`, which the kernel drops.
    #[inline]
    #[must_use]
    pub fn mask(&self) -> SigSet {
        SigSet::from_bits(self.mask.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_record_is_signal_zero() {
        let info = SignalInfo::zeroed();
        assert_eq!(info.signo(), 0);
        assert_eq!(info, SignalInfo::default());
    }

    #[test]
    fn byte_view_fills_the_fields_in_kernel_order() {
        let mut info = SignalInfo::zeroed();
        let bytes = info.as_bytes_mut();
        bytes[0..4].copy_from_slice(&10u32.to_ne_bytes()); // ssi_signo
        bytes[12..16].copy_from_slice(&4242u32.to_ne_bytes()); // ssi_pid
        bytes[48..56].copy_from_slice(&0xdead_beefu64.to_ne_bytes()); // ssi_ptr
        assert_eq!(info.signo(), 10);
        assert_eq!(info.pid(), 4242);
        assert_eq!(info.ptr(), 0xdead_beef);
    }
}

#[cfg(test)]
mod layout_tests {
    use core::mem::{offset_of, size_of};

    use super::SignalInfo;
    use libc::signalfd_siginfo as C;

    #[test]
    fn signal_info_is_signalfd_siginfo() {
        assert_eq!(size_of::<SignalInfo>(), size_of::<C>());
        let pairs = [
            (offset_of!(SignalInfo, ssi_signo), offset_of!(C, ssi_signo)),
            (offset_of!(SignalInfo, ssi_errno), offset_of!(C, ssi_errno)),
            (offset_of!(SignalInfo, ssi_code), offset_of!(C, ssi_code)),
            (offset_of!(SignalInfo, ssi_pid), offset_of!(C, ssi_pid)),
            (offset_of!(SignalInfo, ssi_uid), offset_of!(C, ssi_uid)),
            (offset_of!(SignalInfo, ssi_fd), offset_of!(C, ssi_fd)),
            (offset_of!(SignalInfo, ssi_tid), offset_of!(C, ssi_tid)),
            (offset_of!(SignalInfo, ssi_band), offset_of!(C, ssi_band)),
            (
                offset_of!(SignalInfo, ssi_overrun),
                offset_of!(C, ssi_overrun),
            ),
            (
                offset_of!(SignalInfo, ssi_trapno),
                offset_of!(C, ssi_trapno),
            ),
            (
                offset_of!(SignalInfo, ssi_status),
                offset_of!(C, ssi_status),
            ),
            (offset_of!(SignalInfo, ssi_int), offset_of!(C, ssi_int)),
            (offset_of!(SignalInfo, ssi_ptr), offset_of!(C, ssi_ptr)),
            (offset_of!(SignalInfo, ssi_utime), offset_of!(C, ssi_utime)),
            (offset_of!(SignalInfo, ssi_stime), offset_of!(C, ssi_stime)),
            (offset_of!(SignalInfo, ssi_addr), offset_of!(C, ssi_addr)),
            (
                offset_of!(SignalInfo, ssi_addr_lsb),
                offset_of!(C, ssi_addr_lsb),
            ),
            (
                offset_of!(SignalInfo, ssi_syscall),
                offset_of!(C, ssi_syscall),
            ),
            (
                offset_of!(SignalInfo, ssi_call_addr),
                offset_of!(C, ssi_call_addr),
            ),
            (offset_of!(SignalInfo, ssi_arch), offset_of!(C, ssi_arch)),
        ];
        for (i, (ours, theirs)) in pairs.into_iter().enumerate() {
            assert_eq!(ours, theirs, "field {i}");
        }
    }
}
