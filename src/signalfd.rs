//! [`SignalFd`]: signals read from a descriptor, and [`SignalInfo`].

use core::sync::atomic::{AtomicU64, Ordering};

use bitflags::bitflags;

use crate::handle::handle_common;
use crate::signal::reserved_mask;
use crate::{Error, Fd, Result, SIGKILL, SIGSTOP, SigSet, sys};

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

    /// Consecutive records as the bytes the kernel fills.
    #[inline]
    fn slice_as_bytes_mut(infos: &mut [SignalInfo]) -> &mut [u8] {
        let len = core::mem::size_of_val(infos);
        // SAFETY: as for `as_bytes_mut`: every byte of every record is part
        // of an integer field, so any bytes written are valid records; the
        // slice covers exactly the records' `len` bytes, alignment 1, and
        // the unique borrow of `infos` moves to it.
        unsafe { core::slice::from_raw_parts_mut(infos.as_mut_ptr().cast::<u8>(), len) }
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
/// never delivered this way, and in a process with a libc neither are the
/// real-time signals it keeps for itself (below [`sigrtmin`](crate::sigrtmin)):
/// masks are stripped of them, which [`mask`](SignalFd::mask) shows.
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
    /// The latest mask asked for, as [`SignalFd::mask`] reports it; equal
    /// to the kernel's once no [`SignalFd::set_mask`] is in progress.
    mask: AtomicU64,
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
        let bits = mask.bits() & !reserved_mask();
        let fd = sys::signalfd4_create(&bits, flags.bits())?;
        // SAFETY: the kernel just created `fd`; we are its only owner.
        let fd = unsafe { Fd::from_raw(fd) };
        // SAFETY: the kernel just made `fd` a signalfd for `bits`.
        Ok(unsafe { SignalFd::from_fd(fd, &SigSet::from_bits(bits)) })
    }

    /// Adopts `fd`, a signalfd made elsewhere (received with
    /// [`recv_fds`](crate::recv_fds), inherited, or from
    /// [`Fd::from_raw`]), as a `SignalFd` reading `mask`. No system call.
    ///
    /// The descriptor does not tell its mask without reading
    /// `/proc/self/fdinfo`, so the caller names it: it is what
    /// [`mask`](SignalFd::mask) reports (without `SIGKILL` and `SIGSTOP`),
    /// until [`set_mask`](SignalFd::set_mask) replaces it. A signalfd
    /// reads the signals pending for the thread that reads it, so one
    /// received from another process reads this process's signals.
    ///
    /// # Safety
    /// - `fd` refers to a signalfd (signalfd(2), made in any process) whose
    ///   mask is `mask` (the kernel ignores `SIGKILL` and `SIGSTOP` in it),
    ///   or is closed (then every operation fails with `Closed`).
    ///
    /// A `SignalFd` promises what its descriptor is and which signals it
    /// reads: reads return whole 128-byte records, each of a signal in
    /// [`mask`](SignalFd::mask). Code holding one, including `unsafe` code
    /// written against this type, may rely on that. (This crate's own
    /// methods stay memory-safe on any descriptor, but on another file
    /// they would return its bytes as signal records.)
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{Fd, SigSet, SignalFd, SIGUSR1};
    ///
    /// let mut set = SigSet::empty();
    /// set.add(SIGUSR1)?;
    /// let fd: Fd = SignalFd::new(&set)?.into();
    /// // SAFETY: `fd` is the signalfd for `set` made just above.
    /// let sfd = unsafe { SignalFd::from_fd(fd, &set) };
    /// assert_eq!(sfd.mask(), set);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[inline]
    #[must_use]
    pub unsafe fn from_fd(fd: Fd, mask: &SigSet) -> SignalFd {
        SignalFd {
            fd,
            mask: AtomicU64::new(mask.bits() & !UNREADABLE),
        }
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

    /// Reads as many pending signals as fit in `infos`, in one read(2);
    /// returns how many records it filled, from the start (the rest are
    /// left unchanged).
    ///
    /// The kernel hands out whole records only, and stops at the first
    /// moment none is pending, so a short count is normal.
    ///
    /// # Errors
    /// - `InvalidInput` for an empty `infos` (no system call: the kernel
    ///   refuses a read shorter than one record);
    /// - `WouldBlock` when none is pending (a blocking signalfd waits for
    ///   the first instead); `Closed`; `Interrupted`.
    ///
    /// # Examples
    ///
    /// ```
    /// use iofd::{SigSet, SignalFd, SignalInfo, SIGUSR1, SIGUSR2};
    ///
    /// let mut set = SigSet::empty();
    /// set.add(SIGUSR1)?;
    /// set.add(SIGUSR2)?;
    /// iofd::block_signals(&set)?;
    /// let sfd = SignalFd::new(&set)?;
    /// iofd::send_signal_to_thread(iofd::gettid(), SIGUSR1)?;
    /// iofd::send_signal_to_thread(iofd::gettid(), SIGUSR2)?;
    ///
    /// let mut infos = [SignalInfo::zeroed(); 8];
    /// let n = sfd.read_many(&mut infos)?;
    /// assert_eq!(n, 2);
    /// assert_eq!([infos[0].signo(), infos[1].signo()], [SIGUSR1, SIGUSR2]);
    /// # Ok::<(), iofd::Error>(())
    /// ```
    #[doc(alias = "read")]
    #[inline]
    pub fn read_many(&self, infos: &mut [SignalInfo]) -> Result<usize> {
        if infos.is_empty() {
            return Err(Error::INVALID);
        }
        let n = self.fd.read(SignalInfo::slice_as_bytes_mut(infos))?;
        // The kernel returns whole records or an error.
        debug_assert_eq!(n % INFO_SIZE, 0);
        Ok(n / INFO_SIZE)
    }

    /// Replaces the set of signals the descriptor reads (signalfd4(2) on
    /// the existing descriptor).
    ///
    /// Concurrent calls need no lock: once every call has returned, the
    /// kernel's mask is the one [`mask`](SignalFd::mask) reports, the last
    /// one asked for. A call may issue the system call more than once,
    /// when another call's mask arrived meanwhile (see the comment in the
    /// source).
    ///
    /// # Errors
    /// `Closed`. A failure leaves [`mask`](SignalFd::mask) as it was,
    /// unless another call has asked for a mask since.
    pub fn set_mask(&self, mask: &SigSet) -> Result<()> {
        let g = self.fd.guard()?;
        let wanted = mask.bits() & !UNREADABLE & !reserved_mask();
        // Publish first, then apply; after each application, apply again
        // whatever is published by then, until what was applied is still
        // the latest. Why the kernel ends on the latest mask:
        //
        // signalfd4 replaces the mask under the kernel's signal lock, so
        // the kernel applies masks one at a time, in some order. Take the
        // last application, by a call C of mask `m`; after it, C loads the
        // published mask and stops only if it equals `m`, else it would
        // apply again and this would not be the last. If a call D
        // published after C's load, D applies after publishing, and D's
        // application comes after C's: had it come before, the kernel's
        // lock would order D's store before C's load, and C would have
        // seen it. So nothing is published after C's load, and what C
        // loaded, `m`, is the last mask published: the kernel holds it.
        //
        // A call only loops while others publish, so every pass of its loop
        // is another call's progress (lock-free, not wait-free). The
        // ordering argument rests on the kernel's lock; `SeqCst` keeps it
        // independent of how the architecture orders a plain store before
        // a system call, at no cost that shows beside one.
        let before = self.mask.swap(wanted, Ordering::SeqCst);
        let mut applied = wanted;
        loop {
            if let Err(e) = sys::signalfd4_set(g.borrowed(), &applied) {
                if applied == wanted {
                    // The kernel kept its mask: withdraw ours unless a later
                    // call has already replaced it.
                    let _ = self.mask.compare_exchange(
                        wanted,
                        before,
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    );
                }
                return Err(e);
            }
            let latest = self.mask.load(Ordering::SeqCst);
            if latest == applied {
                return Ok(());
            }
            applied = latest;
        }
    }

    /// The signals the descriptor reads: the last mask set, without
    /// `SIGKILL` and `SIGSTOP`, which the kernel drops. While a
    /// [`set_mask`](SignalFd::set_mask) is in progress, the mask it is
    /// applying.
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
