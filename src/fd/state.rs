//! The lifecycle of an [`Fd`](super::Fd) in one atomic word.
//!
//! ```text
//!  63                               32 31                                0
//! +-----------------------------------+-----------------------------------+
//! |   in-flight operations (<= 2^31)  |  descriptor, or u32::MAX (= -1)   |
//! +-----------------------------------+-----------------------------------+
//! ```
//!
//! | state       | low half | high half | meaning                              |
//! |-------------|----------|-----------|--------------------------------------|
//! | open        | `fd`     | `n`       | `n` operations are using `fd`        |
//! | closing     | `-1`     | `n > 0`   | close requested, `n` still running   |
//! | closed      | `-1`     | `0`       | the kernel close has been issued     |
//!
//! - [`State::acquire`] moves `open(fd, n)` to `open(fd, n + 1)` and hands
//!   out `fd`; in any other state it fails without touching the word, so no
//!   operation can start once closing has begun.
//! - [`State::close`] replaces the descriptor with `-1`. With no operation
//!   in flight the caller closes `fd` itself; otherwise the close is handed
//!   to the operations still running.
//! - [`State::release`] decrements the count. The operation that takes a
//!   closing word from 1 to 0 is the last user of `fd` and closes it.
//!
//! Every transition is one read-modify-write of the word, and the word is
//! the only state, so exactly one party ever receives the duty to close, and
//! only after every operation that was handed `fd` has released it.
//!
//! The low half is the public descriptor, so [`State::raw`] is a single
//! load. Under `--cfg iofd_loom` the atomic comes from `loom`, which explores
//! every interleaving of these transitions (see the `loom` tests below).

#[cfg(not(iofd_loom))]
use core::sync::atomic::AtomicU64;
#[cfg(iofd_loom)]
use loom::sync::atomic::AtomicU64;

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

/// One in-flight operation, in the high half.
const ONE_OP: u64 = 1 << 32;
/// The low half: the descriptor or `CLOSED_FD`.
const FD_MASK: u64 = u32::MAX as u64;
/// The low half once closing has begun (`-1` as a `u32`).
const CLOSED_FD: u64 = FD_MASK;
/// The count's top bit: a word with it set is at the ceiling of `2^31`
/// operations in flight, far below where the count could carry out.
const MAX_OPS: u64 = 1 << 63;
/// Bits that refuse a new operation: the ceiling, and the sign bit of the
/// low half, which only `CLOSED_FD` sets (open descriptors are
/// non-negative), so one test covers both refusals.
const REFUSE: u64 = MAX_OPS | 1 << 31;

/// Why [`State::acquire`] handed out no descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AcquireError {
    /// Closing has begun (or the handle never held a descriptor).
    Closed,
    /// `2^31` operations are in flight; only reachable by leaking
    /// guards with `mem::forget`.
    TooManyOps,
}

/// What the caller of [`State::close`] must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Close {
    /// Nothing was in flight: the caller now owns this descriptor and must
    /// issue the kernel close.
    Now(i32),
    /// Operations are in flight; the last one to finish closes.
    Deferred,
    /// Closing had already begun; nothing to do.
    Already,
}

/// The atomic word (see the module docs).
pub(crate) struct State(AtomicU64);

/// Packs a fresh descriptor; any negative number means "no descriptor".
#[inline(always)]
const fn pack_fd(fd: i32) -> u64 {
    if fd < 0 { CLOSED_FD } else { fd as u64 }
}

#[inline(always)]
const fn low(word: u64) -> i32 {
    word as u32 as i32
}

impl State {
    /// An open word with no operation in flight; a negative `fd` yields
    /// the closed word.
    #[inline]
    pub(crate) fn new(fd: i32) -> State {
        State(AtomicU64::new(pack_fd(fd)))
    }

    /// The descriptor, or `-1` once closing has begun.
    #[inline(always)]
    pub(crate) fn raw(&self) -> i32 {
        low(self.0.load(Relaxed))
    }

    /// Begins an operation: returns the descriptor, which stays open until
    /// the matching [`release`](State::release).
    ///
    /// The common case, an open word nobody else is changing, is one load,
    /// one test and one compare-exchange with no loop; a closing word is
    /// refused right after the load. A lost race and the count ceiling take
    /// the out-of-line [`acquire_slow`](State::acquire_slow).
    #[inline(always)]
    pub(crate) fn acquire(&self) -> Result<i32, AcquireError> {
        let word = self.0.load(Relaxed);
        if word & REFUSE == 0 {
            // Acquire: the operation that follows cannot be hoisted above
            // the point where it was counted.
            if self
                .0
                .compare_exchange(word, word + ONE_OP, Acquire, Relaxed)
                .is_ok()
            {
                return Ok(low(word));
            }
        } else if word & FD_MASK == CLOSED_FD {
            // Closing has begun, which is final: refuse without a call.
            return Err(AcquireError::Closed);
        }
        self.acquire_slow()
    }

    /// [`acquire`](State::acquire) after a lost race or at the ceiling.
    #[cold]
    #[inline(never)]
    fn acquire_slow(&self) -> Result<i32, AcquireError> {
        let mut word = self.0.load(Relaxed);
        loop {
            if word & FD_MASK == CLOSED_FD {
                return Err(AcquireError::Closed);
            }
            if word & MAX_OPS != 0 {
                return Err(AcquireError::TooManyOps);
            }
            match self
                .0
                .compare_exchange_weak(word, word + ONE_OP, Acquire, Relaxed)
            {
                Ok(_) => return Ok(low(word)),
                Err(now) => word = now,
            }
        }
    }

    /// Ends an operation begun by a successful [`acquire`](State::acquire).
    /// Returns `true` if the caller was the last operation of a closing
    /// word: it must now close the descriptor `acquire` returned.
    #[inline(always)]
    pub(crate) fn release(&self) -> bool {
        // Release: the operation that came before is ordered before whoever
        // observes the decrement, in particular before the kernel close.
        let before = self.0.fetch_sub(ONE_OP, Release);
        if before == CLOSED_FD | ONE_OP {
            // Pair with every other operation's `Release` decrement: they
            // all happen before the close issued by our caller.
            acquire_fence();
            return true;
        }
        false
    }

    /// Begins closing: from here on [`raw`](State::raw) is `-1` and
    /// [`acquire`](State::acquire) fails.
    #[inline]
    pub(crate) fn close(&self) -> Close {
        let mut word = self.0.load(Relaxed);
        loop {
            if word & FD_MASK == CLOSED_FD {
                return Close::Already;
            }
            let closing = (word & !FD_MASK) | CLOSED_FD;
            // AcqRel: if nothing is in flight we close next, after every
            // operation that released (Acquire); if something is, the last
            // operation closes after seeing this (Release).
            match self.0.compare_exchange_weak(word, closing, AcqRel, Relaxed) {
                Ok(_) if word < ONE_OP => return Close::Now(low(word)),
                Ok(_) => return Close::Deferred,
                Err(now) => word = now,
            }
        }
    }

    /// Takes the descriptor out of a word nobody else can see (`drop`,
    /// `into_raw`), leaving it closed: the caller owns the returned number,
    /// or gets `-1` if closing had begun.
    ///
    /// `&mut self` proves no guard is alive (guards borrow the word), so a
    /// count left behind can only come from guards leaked with
    /// `mem::forget`, which can no longer reach the descriptor. No atomic
    /// read-modify-write is needed: the exclusive borrow already orders
    /// every earlier operation before this one.
    #[inline]
    pub(crate) fn take(&mut self) -> i32 {
        #[cfg(not(iofd_loom))]
        let word = core::mem::replace(self.0.get_mut(), CLOSED_FD);
        #[cfg(iofd_loom)]
        let word = self.0.with_mut(|w| core::mem::replace(w, CLOSED_FD));
        low(word)
    }
}

#[cfg(not(iofd_loom))]
#[inline(always)]
fn acquire_fence() {
    core::sync::atomic::fence(Acquire);
}

#[cfg(iofd_loom)]
#[inline(always)]
fn acquire_fence() {
    loom::sync::atomic::fence(Acquire);
}

#[cfg(all(test, not(iofd_loom)))]
mod tests {
    use super::*;

    #[test]
    fn fresh_word_is_open_with_nothing_in_flight() {
        let s = State::new(7);
        assert_eq!(s.raw(), 7);
        assert_eq!(s.close(), Close::Now(7));
        assert_eq!(s.raw(), -1);
        assert_eq!(s.close(), Close::Already);
    }

    #[test]
    fn negative_numbers_are_closed_words() {
        for fd in [-1, -2, i32::MIN] {
            let s = State::new(fd);
            assert_eq!(s.raw(), -1);
            assert_eq!(s.acquire(), Err(AcquireError::Closed));
            assert_eq!(s.close(), Close::Already);
        }
    }

    #[test]
    fn largest_descriptor_round_trips() {
        let s = State::new(i32::MAX);
        assert_eq!(s.raw(), i32::MAX);
        assert_eq!(s.acquire(), Ok(i32::MAX));
        assert!(!s.release());
        assert_eq!(s.close(), Close::Now(i32::MAX));
    }

    #[test]
    fn close_with_operations_in_flight_is_deferred_to_the_last() {
        let s = State::new(3);
        assert_eq!(s.acquire(), Ok(3));
        assert_eq!(s.acquire(), Ok(3));
        assert_eq!(s.close(), Close::Deferred);
        assert_eq!(s.raw(), -1);
        assert_eq!(s.acquire(), Err(AcquireError::Closed));
        assert_eq!(s.close(), Close::Already);
        assert!(!s.release(), "one operation is still running");
        assert!(s.release(), "the last operation must close");
        assert_eq!(s.close(), Close::Already);
        assert_eq!(s.acquire(), Err(AcquireError::Closed));
    }

    #[test]
    fn operations_on_an_open_word_never_close() {
        let s = State::new(4);
        for _ in 0..3 {
            assert_eq!(s.acquire(), Ok(4));
        }
        for _ in 0..3 {
            assert!(!s.release());
        }
        assert_eq!(s.close(), Close::Now(4));
    }

    #[test]
    fn count_ceiling_is_refused_not_wrapped() {
        let s = State(AtomicU64::new((MAX_OPS - ONE_OP) | 5));
        assert_eq!(s.acquire(), Ok(5));
        assert_eq!(s.acquire(), Err(AcquireError::TooManyOps));
        assert_eq!(s.raw(), 5, "the descriptor survives the refusal");
    }

    #[test]
    fn take_leaves_a_closed_word() {
        let mut s = State::new(9);
        assert_eq!(s.take(), 9);
        assert_eq!(s.raw(), -1);
        assert_eq!(s.take(), -1);
        assert_eq!(s.close(), Close::Already);
    }

    #[test]
    fn take_hands_over_a_descriptor_whose_guards_leaked() {
        // A count no guard can release any more (leaked with `mem::forget`)
        // does not keep the owner from the descriptor.
        let mut s = State::new(6);
        assert_eq!(s.acquire(), Ok(6));
        assert_eq!(s.take(), 6);
        assert_eq!(s.acquire(), Err(AcquireError::Closed));
    }

    #[test]
    fn take_after_a_deferred_close_gets_nothing() {
        // The close was handed to the operation in flight; the owner must
        // not close the number a second time.
        let mut s = State::new(8);
        assert_eq!(s.acquire(), Ok(8));
        assert_eq!(s.close(), Close::Deferred);
        assert!(s.release());
        assert_eq!(s.take(), -1);
    }
}

/// Model checks of the close protocol: loom runs every interleaving of the
/// transitions (and every memory-order outcome loom models), with a fake
/// kernel that records what happens to the descriptor.
///
/// Run with `RUSTFLAGS="--cfg iofd_loom" cargo test --release --lib loom`.
#[cfg(all(test, iofd_loom))]
mod loom_tests {
    use loom::cell::UnsafeCell;
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use loom::thread;

    use super::*;

    const FD: i32 = 7;

    /// The kernel's side of one descriptor.
    struct Kernel {
        state: State,
        /// `true` while the descriptor is open. Operations read it and the
        /// close writes it through an `UnsafeCell`, so loom reports a data
        /// race (a causality violation) if a close is not ordered after
        /// every operation that used the number.
        open: UnsafeCell<bool>,
        closes: AtomicUsize,
        ops: AtomicUsize,
    }

    impl Kernel {
        fn new() -> Arc<Kernel> {
            Arc::new(Kernel {
                state: State::new(FD),
                open: UnsafeCell::new(true),
                closes: AtomicUsize::new(0),
                ops: AtomicUsize::new(0),
            })
        }

        fn kernel_close(&self, fd: i32) {
            assert_eq!(fd, FD);
            self.open.with_mut(|open| {
                // SAFETY: loom checks this access for races.
                assert!(unsafe { *open }, "closed twice");
                // SAFETY: as above.
                unsafe { *open = false };
            });
            self.closes.fetch_add(1, SeqCst);
        }

        /// One operation, as `Fd` performs it.
        fn operation(&self) {
            let Ok(fd) = self.state.acquire() else { return };
            assert_eq!(fd, FD);
            // SAFETY: loom checks this access for races.
            self.open
                .with(|open| assert!(unsafe { *open }, "operation on a closed number"));
            self.ops.fetch_add(1, SeqCst);
            if self.state.release() {
                self.kernel_close(fd);
            }
        }

        /// `Fd::close`.
        fn close(&self) {
            if let Close::Now(fd) = self.state.close() {
                self.kernel_close(fd);
            }
        }

        /// After every thread has finished: exactly one kernel close, and
        /// the word is closed for good.
        fn check_end(&self) {
            assert_eq!(self.closes.load(SeqCst), 1, "kernel close count");
            assert_eq!(self.state.raw(), -1);
            assert_eq!(self.state.acquire(), Err(AcquireError::Closed));
        }
    }

    /// `loom::model`, printing how many executions it explored.
    fn model(name: &str, f: impl Fn() + Sync + Send + 'static) {
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        let executions = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&executions);
        loom::model(move || {
            counter.fetch_add(1, Relaxed);
            f();
        });
        std::println!("{name}: {} executions explored", executions.load(Relaxed));
    }

    fn spawn(k: &Arc<Kernel>, f: fn(&Kernel)) -> thread::JoinHandle<()> {
        let k = Arc::clone(k);
        thread::spawn(move || f(&k))
    }

    #[test]
    fn loom_close_close() {
        model("loom_close_close", || {
            let k = Kernel::new();
            let t = spawn(&k, Kernel::close);
            k.close();
            t.join().unwrap();
            k.check_end();
        });
    }

    #[test]
    fn loom_close_operation() {
        model("loom_close_operation", || {
            let k = Kernel::new();
            let t = spawn(&k, Kernel::operation);
            k.close();
            t.join().unwrap();
            k.check_end();
        });
    }

    #[test]
    fn loom_operation_operation_close() {
        model("loom_operation_operation_close", || {
            let k = Kernel::new();
            let a = spawn(&k, Kernel::operation);
            let b = spawn(&k, Kernel::operation);
            k.close();
            a.join().unwrap();
            b.join().unwrap();
            k.check_end();
        });
    }

    #[test]
    fn loom_operation_close_close() {
        model("loom_operation_close_close", || {
            let k = Kernel::new();
            let a = spawn(&k, Kernel::operation);
            let b = spawn(&k, Kernel::close);
            k.close();
            a.join().unwrap();
            b.join().unwrap();
            k.check_end();
        });
    }

    #[test]
    fn loom_no_operation_starts_after_closing_began() {
        model("loom_no_operation_starts_after_closing_began", || {
            let k = Kernel::new();
            k.close();
            let t = spawn(&k, Kernel::operation);
            t.join().unwrap();
            assert_eq!(k.ops.load(SeqCst), 0);
            k.check_end();
        });
    }
}
