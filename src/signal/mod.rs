//! Signal numbers, [`SigSet`], and the calling thread's signal mask.

use core::fmt;

use crate::{Error, Result, sys};

/// `SIGHUP`: hangup.
pub const SIGHUP: i32 = 1;
/// `SIGINT`: interrupt from the keyboard.
pub const SIGINT: i32 = 2;
/// `SIGQUIT`: quit from the keyboard.
pub const SIGQUIT: i32 = 3;
/// `SIGILL`: illegal instruction.
pub const SIGILL: i32 = 4;
/// `SIGTRAP`: trace or breakpoint trap.
pub const SIGTRAP: i32 = 5;
/// `SIGABRT`: abort (also `SIGIOT`).
pub const SIGABRT: i32 = 6;
/// `SIGBUS`: bus error, e.g. access to a truncated mapping.
pub const SIGBUS: i32 = 7;
/// `SIGFPE`: arithmetic exception.
pub const SIGFPE: i32 = 8;
/// `SIGKILL`: kill; cannot be caught, blocked or read from a signalfd.
pub const SIGKILL: i32 = 9;
/// `SIGUSR1`: user-defined signal 1.
pub const SIGUSR1: i32 = 10;
/// `SIGSEGV`: invalid memory reference.
pub const SIGSEGV: i32 = 11;
/// `SIGUSR2`: user-defined signal 2.
pub const SIGUSR2: i32 = 12;
/// `SIGPIPE`: write to a pipe with no reader.
pub const SIGPIPE: i32 = 13;
/// `SIGALRM`: timer signal from alarm(2).
pub const SIGALRM: i32 = 14;
/// `SIGTERM`: termination request.
pub const SIGTERM: i32 = 15;
/// `SIGSTKFLT`: stack fault on a coprocessor (unused).
pub const SIGSTKFLT: i32 = 16;
/// `SIGCHLD`: a child stopped or exited.
pub const SIGCHLD: i32 = 17;
/// `SIGCONT`: continue if stopped.
pub const SIGCONT: i32 = 18;
/// `SIGSTOP`: stop; cannot be caught, blocked or read from a signalfd.
pub const SIGSTOP: i32 = 19;
/// `SIGTSTP`: stop typed at the terminal.
pub const SIGTSTP: i32 = 20;
/// `SIGTTIN`: terminal input for a background process.
pub const SIGTTIN: i32 = 21;
/// `SIGTTOU`: terminal output for a background process.
pub const SIGTTOU: i32 = 22;
/// `SIGURG`: urgent condition on a socket.
pub const SIGURG: i32 = 23;
/// `SIGXCPU`: CPU time limit exceeded.
pub const SIGXCPU: i32 = 24;
/// `SIGXFSZ`: file size limit exceeded.
pub const SIGXFSZ: i32 = 25;
/// `SIGVTALRM`: virtual alarm clock.
pub const SIGVTALRM: i32 = 26;
/// `SIGPROF`: profiling timer expired.
pub const SIGPROF: i32 = 27;
/// `SIGWINCH`: window resize.
pub const SIGWINCH: i32 = 28;
/// `SIGIO`: I/O now possible (also `SIGPOLL`).
pub const SIGIO: i32 = 29;
/// `SIGPWR`: power failure.
pub const SIGPWR: i32 = 30;
/// `SIGSYS`: bad system call (seccomp).
pub const SIGSYS: i32 = 31;
/// The first real-time signal **as the kernel numbers it** (32): not libc's
/// `SIGRTMIN()`, which is [`sigrtmin`].
///
/// glibc and musl keep the first two or three for themselves; in a process
/// that has a libc, iofd keeps them out of reach of safe code (see
/// [`sigrtmin`]). A program without libc owns them all.
pub const KERNEL_SIGRTMIN: i32 = 32;
/// The last real-time signal (64), and the highest signal number.
pub const SIGRTMAX: i32 = 64;

mod reserved;

pub use self::reserved::sigrtmin;
pub(crate) use self::reserved::{declare_no_libc, reserved_mask};

/// `Ok` for a number safe code may send: `0..=64` (0 probes), except the
/// real-time signals this process's libc keeps for itself.
#[inline]
pub(crate) fn check_signal(sig: i32) -> Result<()> {
    if (0..=SIGRTMAX).contains(&sig) && !reserved::is_reserved(sig) {
        Ok(())
    } else {
        Err(Error::INVALID)
    }
}

/// The name of a standard signal (`"SIGKILL"` for 9); `None` for the
/// real-time signals and numbers that are no signal.
pub(crate) fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV",
        SIGUSR2 => "SIGUSR2",
        SIGPIPE => "SIGPIPE",
        SIGALRM => "SIGALRM",
        SIGTERM => "SIGTERM",
        SIGSTKFLT => "SIGSTKFLT",
        SIGCHLD => "SIGCHLD",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        SIGTSTP => "SIGTSTP",
        SIGTTIN => "SIGTTIN",
        SIGTTOU => "SIGTTOU",
        SIGURG => "SIGURG",
        SIGXCPU => "SIGXCPU",
        SIGXFSZ => "SIGXFSZ",
        SIGVTALRM => "SIGVTALRM",
        SIGPROF => "SIGPROF",
        SIGWINCH => "SIGWINCH",
        SIGIO => "SIGIO",
        SIGPWR => "SIGPWR",
        SIGSYS => "SIGSYS",
        _ => return None,
    })
}

/// A set of signals `1..=64`: the kernel's 64-bit `sigset_t`, bit `N - 1`
/// for signal `N`.
///
/// Numbers outside `1..=64` are never members: [`add`](SigSet::add) and
/// [`remove`](SigSet::remove) reject them with `InvalidInput` and leave the
/// set unchanged, and [`contains`](SigSet::contains) answers `false`.
///
/// # Examples
///
/// ```
/// use iofd::{SigSet, SIGUSR1, SIGUSR2};
///
/// let mut set = SigSet::empty();
/// set.add(SIGUSR1)?;
/// assert!(set.contains(SIGUSR1) && !set.contains(SIGUSR2));
/// assert!(set.add(65).is_err()); // out of range: the set is unchanged
/// assert_eq!(set.bits(), 1 << (SIGUSR1 - 1));
/// # Ok::<(), iofd::Error>(())
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct SigSet(u64);

impl SigSet {
    /// No signal.
    #[inline]
    #[must_use]
    pub const fn empty() -> SigSet {
        SigSet(0)
    }

    /// All 64 signals. (The kernel never blocks or redirects `SIGKILL` and
    /// `SIGSTOP`, whatever the set says.)
    #[inline]
    #[must_use]
    pub const fn full() -> SigSet {
        SigSet(u64::MAX)
    }

    /// The set whose bit `N - 1` stands for signal `N`.
    #[inline]
    #[must_use]
    pub const fn from_bits(bits: u64) -> SigSet {
        SigSet(bits)
    }

    /// The kernel representation: bit `N - 1` for signal `N`.
    #[inline]
    #[must_use]
    pub const fn bits(&self) -> u64 {
        self.0
    }

    /// Adds signal `sig`.
    ///
    /// # Errors
    /// `InvalidInput` if `sig` is not in `1..=64`; the set is unchanged.
    #[inline]
    pub fn add(&mut self, sig: i32) -> Result<()> {
        self.0 |= bit(sig)?;
        Ok(())
    }

    /// Removes signal `sig`.
    ///
    /// # Errors
    /// `InvalidInput` if `sig` is not in `1..=64`; the set is unchanged.
    #[inline]
    pub fn remove(&mut self, sig: i32) -> Result<()> {
        self.0 &= !bit(sig)?;
        Ok(())
    }

    /// Whether `sig` is in the set; `false` for numbers outside `1..=64`.
    #[inline]
    #[must_use]
    pub fn contains(&self, sig: i32) -> bool {
        bit(sig).is_ok_and(|b| self.0 & b != 0)
    }

    /// Whether the set has no signal.
    #[inline]
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The signals in the set, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = i32> + '_ {
        (1..=SIGRTMAX).filter(|&sig| self.contains(sig))
    }
}

/// The mask bit of `sig`, or `InvalidInput` outside `1..=64`.
#[inline]
fn bit(sig: i32) -> Result<u64> {
    if (1..=SIGRTMAX).contains(&sig) {
        Ok(1 << (sig - 1))
    } else {
        Err(Error::INVALID)
    }
}

impl fmt::Debug for SigSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// rt_sigprocmask(2) `SIG_BLOCK` — adds `set` to the calling thread's
/// blocked signals; returns the previous mask.
///
/// Block the signals a [`SignalFd`](crate::SignalFd) reads, in every
/// thread, so that they stay pending for it instead of running their
/// default action. `SIGKILL` and `SIGSTOP` are silently never blocked, and
/// in a process with a libc neither are the real-time signals it keeps for
/// itself (below [`sigrtmin`]), as with libc's own `sigprocmask`.
///
/// # Errors
/// None in practice (`EFAULT`/`EINVAL` cannot arise from these arguments).
///
/// # Examples
///
/// ```
/// use iofd::{SigSet, SIGUSR2};
///
/// let mut set = SigSet::empty();
/// set.add(SIGUSR2)?;
/// let old = iofd::block_signals(&set)?;
/// assert!(iofd::signal_mask()?.contains(SIGUSR2));
/// iofd::set_signal_mask(&old)?;
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man2/rt_sigprocmask.2.html>
#[doc(
    alias = "rt_sigprocmask",
    alias = "sigprocmask",
    alias = "pthread_sigmask"
)]
pub fn block_signals(set: &SigSet) -> Result<SigSet> {
    let bits = set.0 & !reserved_mask();
    sys::rt_sigprocmask(sys::SIG_BLOCK, Some(&bits)).map(SigSet)
}

/// rt_sigprocmask(2) `SIG_UNBLOCK` — removes `set` from the calling
/// thread's blocked signals; returns the previous mask.
///
/// Pending signals that become unblocked are delivered at once.
///
/// # Errors
/// As [`block_signals`].
pub fn unblock_signals(set: &SigSet) -> Result<SigSet> {
    sys::rt_sigprocmask(sys::SIG_UNBLOCK, Some(&set.0)).map(SigSet)
}

/// rt_sigprocmask(2) `SIG_SETMASK` — replaces the calling thread's blocked
/// signals with `set`; returns the previous mask. As with
/// [`block_signals`], a libc's own real-time signals stay unblocked.
///
/// # Errors
/// As [`block_signals`].
pub fn set_signal_mask(set: &SigSet) -> Result<SigSet> {
    let bits = set.0 & !reserved_mask();
    sys::rt_sigprocmask(sys::SIG_SETMASK, Some(&bits)).map(SigSet)
}

/// rt_sigprocmask(2) query — the calling thread's blocked signals.
///
/// # Errors
/// As [`block_signals`].
pub fn signal_mask() -> Result<SigSet> {
    sys::rt_sigprocmask(sys::SIG_BLOCK, None).map(SigSet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_n_minus_one_is_signal_n() {
        for sig in 1..=64 {
            let mut set = SigSet::empty();
            set.add(sig).unwrap();
            assert_eq!(set.bits(), 1u64 << (sig - 1));
            assert!(set.contains(sig));
            assert_eq!(set.iter().collect::<std::vec::Vec<_>>(), [sig]);
            set.remove(sig).unwrap();
            assert!(set.is_empty());
        }
    }

    #[test]
    fn out_of_range_numbers_leave_the_set_alone() {
        for start in [SigSet::empty(), SigSet::full(), SigSet::from_bits(0x5555)] {
            for sig in [0, -1, 65, i32::MIN, i32::MAX] {
                let mut set = start;
                assert_eq!(
                    set.add(sig).unwrap_err().kind(),
                    crate::ErrorKind::InvalidInput
                );
                assert_eq!(
                    set.remove(sig).unwrap_err().kind(),
                    crate::ErrorKind::InvalidInput
                );
                assert_eq!(set, start);
                assert!(!set.contains(sig));
            }
        }
    }

    #[test]
    fn full_and_empty() {
        assert!(SigSet::empty().is_empty());
        assert_eq!(SigSet::full().iter().count(), 64);
        assert!(SigSet::full().contains(SIGKILL) && SigSet::full().contains(SIGRTMAX));
        assert_eq!(SigSet::default(), SigSet::empty());
    }

    #[test]
    fn debug_lists_the_members() {
        let mut set = SigSet::empty();
        set.add(SIGINT).unwrap();
        set.add(SIGTERM).unwrap();
        assert_eq!(std::format!("{set:?}"), "{2, 15}");
    }

    #[test]
    fn standard_signals_have_names() {
        assert_eq!(signal_name(SIGKILL), Some("SIGKILL"));
        assert_eq!(signal_name(SIGHUP), Some("SIGHUP"));
        assert_eq!(signal_name(SIGSYS), Some("SIGSYS"));
        assert!((1..KERNEL_SIGRTMIN).all(|sig| signal_name(sig).is_some()));
        for sig in [0, -1, KERNEL_SIGRTMIN, SIGRTMAX, 65] {
            assert_eq!(signal_name(sig), None);
        }
    }

    #[test]
    fn check_signal_accepts_the_probe_and_all_64() {
        assert!(check_signal(0).is_ok());
        assert!(check_signal(64).is_ok());
        assert!(check_signal(-1).is_err());
        assert!(check_signal(65).is_err());
    }
}
