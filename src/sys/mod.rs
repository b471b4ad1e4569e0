//! The typed system-call layer: the only code that issues system calls.
//!
//! One small function per system call, named after it, taking typed
//! arguments and returning a [`Result`]. Conversions to register words live
//! in [`arg`]: one helper per C argument kind, so a signed `int` is
//! sign-extended and an unsigned one zero-extended in exactly one place.
//!
//! Descriptors are passed as [`BorrowedFd`]: a number some owner keeps open
//! for the borrow's lifetime (an in-flight guard of an [`Fd`](crate::Fd), in
//! practice). This keeps every `unsafe` block below down to the memory
//! arguments, which each one justifies.

#[cfg(target_pointer_width = "32")]
mod abi32;
pub(crate) mod arg;
mod epoll;
mod event;
mod io;
mod mem;
mod poll;
mod process;
mod signal;
mod socket;
mod time;

#[cfg(target_pointer_width = "32")]
pub(crate) use abi32::*;
pub(crate) use epoll::*;
pub(crate) use event::*;
pub(crate) use io::*;
pub(crate) use mem::*;
pub(crate) use poll::*;
pub(crate) use process::*;
pub(crate) use signal::*;
pub(crate) use socket::*;
pub(crate) use time::*;

use core::marker::PhantomData;

use crate::{Result, raw};

/// A descriptor number that stays open for `'fd`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BorrowedFd<'fd> {
    raw: i32,
    _owner: PhantomData<&'fd ()>,
}

impl BorrowedFd<'_> {
    /// Borrows `raw`.
    ///
    /// # Safety
    /// - `raw` is an open descriptor, and nothing closes it while the
    ///   returned value (of any lifetime the caller picks) is alive.
    #[inline(always)]
    pub(crate) const unsafe fn borrow_raw(raw: i32) -> Self {
        BorrowedFd {
            raw,
            _owner: PhantomData,
        }
    }

    /// The descriptor number.
    #[inline(always)]
    pub(crate) const fn raw(self) -> i32 {
        self.raw
    }
}

/// Decodes a return value: `-4095..=-1` is `-errno`.
#[inline(always)]
pub(crate) fn ret(r: usize) -> Result<usize> {
    raw::result(r)
}

/// A system call's raw return value, not yet decoded.
///
/// The calls on the hot paths return this, so that the caller can release
/// its in-flight guard first and decode once afterwards: the compiler then
/// keeps one register live across the release instead of a `Result`.
#[derive(Clone, Copy, Debug)]
#[must_use = "a system call's result must be decoded"]
pub(crate) struct Ret(usize);

impl Ret {
    /// `-EBADF`: what an operation reports when closing began under it.
    pub(crate) const CLOSED: Ret = Ret(-9_isize as usize);

    /// The result as a count or value.
    #[inline(always)]
    pub(crate) fn usize(self) -> Result<usize> {
        ret(self.0)
    }

    /// The result of a call that returns nothing on success.
    #[inline(always)]
    pub(crate) fn unit(self) -> Result<()> {
        ret_unit(self.0)
    }

    /// The result of a call that returns a descriptor (or another `int`).
    #[inline(always)]
    pub(crate) fn int(self) -> Result<i32> {
        ret_int(self.0)
    }

    /// Whether the call failed with `EAGAIN`.
    #[inline(always)]
    pub(crate) fn would_block(self) -> bool {
        self.0 == (-11_isize) as usize
    }
}

/// Decodes a return value that carries no data on success.
#[inline(always)]
pub(crate) fn ret_unit(r: usize) -> Result<()> {
    ret(r).map(drop)
}

/// Decodes a return value that is a new descriptor (or another C `int`).
#[inline(always)]
pub(crate) fn ret_int(r: usize) -> Result<i32> {
    // A successful `int`-returning call fits in 32 bits; the truncation keeps
    // exactly the value the kernel returned.
    ret(r).map(|v| v as i32)
}

/// The kernel ABI as libc (a test-only dependency) describes it, for every
/// private constant and structure of this layer.
#[cfg(test)]
mod abi_tests {
    use core::mem::{align_of, offset_of, size_of};

    use super::*;

    #[test]
    fn file_flags_and_fcntl_commands() {
        assert_eq!(O_NONBLOCK, libc::O_NONBLOCK as u32);
        assert_eq!(O_CLOEXEC, libc::O_CLOEXEC as u32);
        assert_eq!(FD_CLOEXEC, libc::FD_CLOEXEC as u32);
        assert_eq!(MAP_SHARED, libc::MAP_SHARED as u32);
        assert_eq!(SIG_BLOCK, libc::SIG_BLOCK);
        assert_eq!(SIG_UNBLOCK, libc::SIG_UNBLOCK);
        assert_eq!(SIG_SETMASK, libc::SIG_SETMASK);
        io::check_fcntl_commands();
        mem::check_constants();
        socket::check_constants_and_layouts();
    }

    #[test]
    fn epoll_constants_and_event_layout() {
        epoll::check_constants();
    }

    #[test]
    fn waitid_constants_and_siginfo_layout() {
        process::check_constants();
    }

    #[test]
    fn timespec_layouts() {
        // `struct __kernel_timespec` is two `long long`s on every arch
        // (include/uapi/linux/time_types.h); `struct __kernel_itimerspec`
        // two of those.
        assert_eq!(size_of::<Timespec>(), 16);
        assert_eq!(offset_of!(Timespec, tv_nsec), 8);
        assert_eq!(size_of::<Itimerspec>(), 32);
        assert_eq!(offset_of!(Itimerspec, it_value), 16);
        // It is libc's `struct timespec` on the 64-bit targets only: glibc's
        // 32-bit one is the old `long` pair (`sys::Timespec32`).
        if cfg!(target_pointer_width = "32") {
            return;
        }
        assert_eq!(size_of::<Timespec>(), size_of::<libc::timespec>());
        assert_eq!(align_of::<Timespec>(), align_of::<libc::timespec>());
        assert_eq!(
            offset_of!(Timespec, tv_sec),
            offset_of!(libc::timespec, tv_sec)
        );
        assert_eq!(
            offset_of!(Timespec, tv_nsec),
            offset_of!(libc::timespec, tv_nsec)
        );
        assert_eq!(size_of::<Itimerspec>(), size_of::<libc::itimerspec>());
        assert_eq!(
            offset_of!(Itimerspec, it_interval),
            offset_of!(libc::itimerspec, it_interval)
        );
        assert_eq!(
            offset_of!(Itimerspec, it_value),
            offset_of!(libc::itimerspec, it_value)
        );
    }

    #[test]
    fn statx_layout() {
        assert_eq!(size_of::<Statx>(), size_of::<libc::statx>());
        assert_eq!(
            offset_of!(Statx, stx_mask),
            offset_of!(libc::statx, stx_mask)
        );
        assert_eq!(
            offset_of!(Statx, stx_size),
            offset_of!(libc::statx, stx_size)
        );
    }

    #[test]
    fn pollfd_layout() {
        assert_eq!(size_of::<PollFd>(), size_of::<libc::pollfd>());
        assert_eq!(offset_of!(PollFd, fd), offset_of!(libc::pollfd, fd));
        assert_eq!(offset_of!(PollFd, events), offset_of!(libc::pollfd, events));
        assert_eq!(
            offset_of!(PollFd, revents),
            offset_of!(libc::pollfd, revents)
        );
    }

    #[test]
    #[cfg(not(miri))] // a system call: Miri runs pure logic only
    fn sigset_is_the_kernels_64_bits() {
        // The kernel's sigset_t (not glibc's 1024-bit one) is one u64 on
        // every supported arch; rt_sigprocmask rejects any other size.
        let old = rt_sigprocmask(SIG_BLOCK, None).unwrap();
        let mut libc_old = core::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: a query (NULL set) into a valid sigset_t.
        let r = unsafe {
            libc::pthread_sigmask(libc::SIG_BLOCK, core::ptr::null(), libc_old.as_mut_ptr())
        };
        assert_eq!(r, 0);
        // SAFETY: initialised by the successful call above.
        let libc_old = unsafe { libc_old.assume_init() };
        for sig in 1..=64 {
            // SAFETY: a valid, initialised set and signal number.
            let member = unsafe { libc::sigismember(&libc_old, sig) } == 1;
            assert_eq!(old & (1 << (sig - 1)) != 0, member, "signal {sig}");
        }
    }
}
