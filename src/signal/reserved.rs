//! The real-time signals a C library keeps for itself.
//!
//! glibc and musl implement threads and `setxid` on the first real-time
//! signals the kernel offers: glibc on 32 (thread cancellation and timers)
//! and 33 (`setuid` and friends applied to every thread), musl on 32, 33
//! and 34. Blocking one of them breaks the libc (a `setuid` hangs), reading
//! one from a signalfd steals it, sending one runs the libc's handler out of
//! context (a forged 32 cancels a thread). So in a process that has a libc,
//! iofd keeps them out of reach of safe code, as the libc's own
//! `sigprocmask` does: masks and signalfd masks are stripped of them, and
//! sending one is refused. A program without libc (a `*-none` target, or one
//! that called [`init_no_libc`](crate::init_no_libc)) owns all 64.

use core::sync::atomic::{AtomicBool, Ordering::Relaxed};

use super::KERNEL_SIGRTMIN;

/// Set once the program declares that it has no libc.
static NO_LIBC: AtomicBool = AtomicBool::new(false);

/// How many of the kernel's first real-time signals the libc of this
/// target reserves: glibc two, musl (and any other libc, to be safe) three.
const LIBC_RESERVES: u32 = if cfg!(target_env = "gnu") { 2 } else { 3 };

/// Records that the process runs without a libc.
pub(crate) fn declare_no_libc() {
    NO_LIBC.store(true, Relaxed);
}

/// How many signals from [`KERNEL_SIGRTMIN`] on are reserved right now.
#[inline]
fn reserved_count() -> u32 {
    if cfg!(target_os = "none") || NO_LIBC.load(Relaxed) {
        0
    } else {
        LIBC_RESERVES
    }
}

/// The reserved signals as mask bits (bit `N - 1` for signal `N`).
#[inline]
pub(crate) fn reserved_mask() -> u64 {
    mask_of(reserved_count())
}

/// The mask of the first `count` real-time signals.
#[inline]
const fn mask_of(count: u32) -> u64 {
    ((1_u64 << count) - 1) << (KERNEL_SIGRTMIN - 1)
}

/// Whether safe code may send `sig` in this process.
#[inline]
pub(crate) fn is_reserved(sig: i32) -> bool {
    (KERNEL_SIGRTMIN..KERNEL_SIGRTMIN + reserved_count() as i32).contains(&sig)
}

/// The first real-time signal a program may use for itself: the kernel's
/// first ([`KERNEL_SIGRTMIN`], 32) in a program without libc, and libc's
/// `SIGRTMIN()` otherwise (34 with glibc, 35 with musl).
///
/// # Examples
///
/// ```
/// let rt = iofd::sigrtmin();
/// assert!(rt >= iofd::KERNEL_SIGRTMIN && rt < iofd::SIGRTMAX);
/// # #[cfg(target_env = "gnu")]
/// assert_eq!(rt, 34); // glibc keeps 32 and 33
/// ```
#[doc(alias = "SIGRTMIN")]
#[inline]
#[must_use]
pub fn sigrtmin() -> i32 {
    KERNEL_SIGRTMIN + reserved_count() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_cover_exactly_the_reserved_signals() {
        assert_eq!(mask_of(0), 0);
        assert_eq!(mask_of(2), 0b11 << 31);
        assert_eq!(mask_of(3), 0b111 << 31);
        let glibc = crate::SigSet::from_bits(mask_of(2));
        assert_eq!(glibc.iter().collect::<std::vec::Vec<_>>(), [32, 33]);
    }

    #[test]
    #[cfg(not(miri))]
    fn a_hosted_test_process_reserves_what_its_libc_does() {
        // Tests link a libc; libc's SIGRTMIN() says how many it keeps.
        // SAFETY: a plain query.
        let libc_min = libc::SIGRTMIN();
        assert_eq!(sigrtmin(), libc_min);
        assert!(is_reserved(KERNEL_SIGRTMIN) && !is_reserved(libc_min));
        assert_eq!(
            reserved_mask().count_ones() as i32,
            libc_min - KERNEL_SIGRTMIN
        );
    }
}
