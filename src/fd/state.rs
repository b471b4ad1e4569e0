//! The lifecycle of an [`Fd`](super::Fd): one atomic word beside the
//! descriptor number.
//!
//! ```text
//!   31  30  29 28 27                                                 0
//! +---+----+-----+----------------------------------------------------+
//! | C | D  | wake|            in-flight operations (< 2^28)           |
//! +---+----+-----+----------------------------------------------------+
//! ```
//!
//! | state   | `C` | `D` | count   | meaning                              |
//! |---------|-----|-----|---------|--------------------------------------|
//! | open    | 0   | 0   | `n`     | `n` operations are using `fd`        |
//! | closing | 1   | 0   | `n ≥ 0` | close requested, `n` still using it (0: the last has just released) |
//! | closed  | 1   | 1   | 0       | the kernel close has been issued     |
//!
//! The number itself sits in a plain field next to the word and never
//! changes: the word alone says whether it may be used. The word is
//! negative (as an `i32`) from the moment closing begins, so each
//! transition's test is a sign test, which on x86_64 the compiler folds
//! into the flags of the locked instruction itself (`lock inc`, then a
//! conditional jump).
//!
//! - [`State::acquire`] adds one to the count (no loop) and hands out `fd`
//!   if the word was open; otherwise it takes its one back (and, if that
//!   brings a closing word to zero, inherits the close), so no operation
//!   can start once closing has begun.
//! - [`State::close`] sets `C`: with no operation in flight the word goes
//!   straight to closed and the caller closes `fd`; otherwise the close is
//!   handed to the operations still running. For a descriptor with a wake
//!   kind (an eventfd, a timerfd), the closer also counts itself in, so
//!   that it holds the number while it wakes the waiters
//!   ([`Close::Wake`]).
//! - [`State::release`] subtracts one. A thread whose decrement found the
//!   word closing then tries to move it from `closing(0)` to closed with a
//!   compare-exchange, which only succeeds once every operation has
//!   released and only for one thread (a refused acquire may briefly lift
//!   the count again; its own decrement makes it try too). Exactly one
//!   party closes, after every operation handed `fd` has released it.
//! - [`State::take`] reads the word through `&mut self` (`Drop`,
//!   `into_raw`): no guard can be alive, so the owner gets `fd` back
//!   whether the word is open or closing. A count left over can only come
//!   from guards leaked with `mem::forget`, or from threads that do not
//!   exist in a child forked while they held a guard; neither can reach
//!   the descriptor any more, so `Drop` closes it.
//!
//! The count stays below `2^28`: guards that can be held in bulk or leaked
//! ([`Fd::borrow`](super::Fd::borrow), [`poll`](crate::poll)'s entries) are
//! taken with [`State::acquire_checked`], refused at `2^27`; every other
//! operation releases before it returns, so those add at most a few per
//! thread, and the kernel caps threads at `2^22` (`PID_MAX_LIMIT`).
//!
//! Under `--cfg iofd_loom` the atomic comes from `loom`, which explores
//! every interleaving of these transitions (see the `loom` tests below).

#[cfg(not(iofd_loom))]
use core::sync::atomic::AtomicU32;
#[cfg(iofd_loom)]
use loom::sync::atomic::AtomicU32;

use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

/// `C`: closing has begun.
const CLOSING: u32 = 1 << 31;
/// `D`: the kernel close has been issued (set only with `C`).
const DONE: u32 = 1 << 30;
/// Where the wake kind lives.
const WAKE_SHIFT: u32 = 28;
/// The wake kind's bits.
const WAKE_BITS: u32 = 3 << WAKE_SHIFT;
/// The in-flight count.
const COUNT: u32 = (1 << WAKE_SHIFT) - 1;
/// [`State::acquire_checked`] refuses a count with this bit set.
const CEILING: u32 = 1 << 27;

/// How a close wakes this crate's own waits blocked on the descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Wake {
    /// Nothing to wake (or nothing this crate can wake).
    None = 0,
    /// An eventfd: make its counter non-zero.
    EventFd = 1,
    /// A timerfd: make it expire.
    TimerFd = 2,
}

impl Wake {
    #[inline(always)]
    const fn bits(self) -> u32 {
        (self as u32) << WAKE_SHIFT
    }

    #[inline(always)]
    const fn of(word: u32) -> Wake {
        match (word & WAKE_BITS) >> WAKE_SHIFT {
            1 => Wake::EventFd,
            2 => Wake::TimerFd,
            _ => Wake::None,
        }
    }
}

/// Why [`State::acquire`] handed out no descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AcquireError {
    /// Closing has begun (or the handle never held a descriptor). `owed`
    /// is the descriptor if taking back the refused count finished a
    /// deferred close: the caller must then close it.
    Closed { owed: Option<i32> },
    /// `2^27` guards are alive; only reachable by leaking guards with
    /// `mem::forget`.
    TooManyOps,
}

/// What the caller of [`State::close`] must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Close {
    /// Nothing was in flight: the word is closed and the caller owns this
    /// descriptor, which it must close.
    Now(i32),
    /// Operations are in flight; the last one to finish closes.
    Deferred,
    /// Operations are in flight, and the caller has been counted in as one
    /// more: it must wake the waiters on this descriptor, then
    /// [`release`](State::release) like any operation.
    Wake(i32, Wake),
    /// Closing had already begun; nothing to do.
    Already,
}

/// What [`State::take`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Taken {
    /// The word was open: the caller owns the descriptor.
    Open(i32),
    /// Closing had begun but the kernel close was still owed (guards
    /// leaked, or a fork left a count behind): the caller must close it.
    Closing(i32),
    /// The kernel close has been issued, or there never was a descriptor.
    Closed,
}

/// The atomic word and the number it guards (see the module docs).
pub(crate) struct State {
    word: AtomicU32,
    /// The descriptor, or `-1`; never changes.
    fd: i32,
}

/// Marks the path that calls it as unlikely, so the compiler keeps the
/// hot path's values where the hot path wants them (as
/// `core::hint::cold_path`, which is stable only from Rust 1.95; an inlined
/// `#[cold]` function has the same effect on older compilers).
#[cold]
#[inline(always)]
pub(crate) fn cold_path() {}

/// The word as an `i32`: negative once closing has begun.
#[inline(always)]
const fn signed(word: u32) -> i32 {
    word as i32
}

/// The closed word, keeping the wake kind.
#[inline(always)]
const fn closed(word: u32) -> u32 {
    (word & WAKE_BITS) | CLOSING | DONE
}

impl State {
    /// An open word with no operation in flight; a negative `fd` yields
    /// the closed word.
    #[inline]
    pub(crate) fn new(fd: i32, wake: Wake) -> State {
        let word = if fd < 0 {
            closed(wake.bits())
        } else {
            wake.bits()
        };
        State {
            word: AtomicU32::new(word),
            fd: if fd < 0 { -1 } else { fd },
        }
    }

    /// The descriptor, or `-1` once closing has begun.
    #[inline(always)]
    pub(crate) fn raw(&self) -> i32 {
        // Branch-free: the word's sign spread over all bits is 0 while
        // open and -1 (all ones) from the moment closing begins.
        self.fd | (signed(self.word.load(Relaxed)) >> 31)
    }

    /// `true` until closing begins.
    #[inline(always)]
    pub(crate) fn is_open(&self) -> bool {
        signed(self.word.load(Relaxed)) >= 0
    }

    /// Whether closing has begun: for an operation still in flight, which
    /// may have consumed a close's wake-up and must then pass it on.
    #[inline(always)]
    pub(crate) fn is_closing(&self) -> bool {
        !self.is_open()
    }

    /// The wake kind (fixed at creation).
    #[inline]
    pub(crate) fn wake(&self) -> Wake {
        Wake::of(self.word.load(Relaxed))
    }

    /// Changes the wake kind of a word nobody else can see (adopting a
    /// descriptor as an eventfd or a timerfd).
    #[inline]
    pub(crate) fn set_wake(&mut self, wake: Wake) {
        self.with_mut(|w| *w = (*w & !WAKE_BITS) | wake.bits());
    }

    /// Begins an operation that releases before its caller returns: returns
    /// the descriptor, which stays open until the matching
    /// [`release`](State::release).
    ///
    /// One `fetch_add` and a sign test. Everything here is inlined, the
    /// refusal too: an out-of-line call that returns into the caller would
    /// make every caller keep its values in callee-saved registers.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    pub(crate) fn acquire(&self) -> Result<i32, AcquireError> {
        // Acquire: the operation that follows cannot be hoisted above the
        // point where it was counted.
        let prev = self.word.fetch_add(1, Acquire);
        if signed(prev) < 0 {
            cold_path();
            return Err(self.refused(prev));
        }
        Ok(self.fd)
    }

    /// [`acquire`](State::acquire) for a guard that may be held for long
    /// or leaked, or taken many times by one thread: refused at the
    /// ceiling, so the count can never reach the wake bits.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    pub(crate) fn acquire_checked(&self) -> Result<i32, AcquireError> {
        let prev = self.word.fetch_add(1, Acquire);
        if signed(prev) < 0 || prev & CEILING != 0 {
            return Err(self.refused(prev));
        }
        Ok(self.fd)
    }

    /// Takes back the one a refused acquire added. Inlined where speed is
    /// asked for (see [`acquire`](State::acquire)), out of line where size
    /// is (`opt-level = "s"` or `"z"`).
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, cold, inline(never))]
    fn refused(&self, prev: u32) -> AcquireError {
        // If the decrement takes a closing word to zero and wins the race
        // to finish it, the close is the caller's.
        let owed = self.release();
        if signed(prev) < 0 {
            AcquireError::Closed { owed }
        } else {
            AcquireError::TooManyOps
        }
    }

    /// Ends an operation begun by a successful acquire (or counted in by
    /// [`Close::Wake`]). Returns the descriptor if the caller was the last
    /// operation of a closing word: it must close it.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    pub(crate) fn release(&self) -> Option<i32> {
        self.release_closing().1
    }

    /// [`release`](State::release), telling the caller whether closing had
    /// begun while it was in flight (for waits, which then report
    /// `Closed`).
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, inline)]
    pub(crate) fn release_closing(&self) -> (bool, Option<i32>) {
        // Release: the operation that came before is ordered before whoever
        // finishes the close.
        let prev = self.word.fetch_sub(1, Release);
        if signed(prev) >= 0 {
            return (false, None);
        }
        cold_path();
        (true, self.finish(prev))
    }

    /// After a decrement of a word that was not open: try to finish the
    /// close; `Some(fd)` if the close is the caller's to issue.
    ///
    /// The compare-exchange succeeds only if the word is `closing(0)` right
    /// now: every operation handed `fd` has released, and nobody has
    /// claimed the close yet (once claimed, the word is closed for good).
    /// Any thread that decremented a closing word may be the one to see
    /// that, but only one can. A refused acquire may lift the count again
    /// in between; its own decrement brings it back, and it tries too.
    /// Inlined, for the reason given at [`acquire`](State::acquire), except
    /// where size is asked for.
    #[cfg_attr(not(iofd_small), inline(always))]
    #[cfg_attr(iofd_small, cold, inline(never))]
    fn finish(&self, prev: u32) -> Option<i32> {
        if prev & DONE != 0 {
            // A refused acquire's undo on a closed word: nothing owed.
            return None;
        }
        // The wake bits never change; reading them afresh (rather than
        // from the decrement's result) leaves the compiler free to keep
        // the caller's values where they are.
        let zero = (self.word.load(Relaxed) & WAKE_BITS) | CLOSING;
        // Acquire: every operation released into this word's chain of
        // read-modify-writes before this point happens before the close.
        match self
            .word
            .compare_exchange(zero, closed(zero), Acquire, Relaxed)
        {
            Ok(_) => Some(self.fd),
            Err(_) => None,
        }
    }

    /// Begins closing: from here on [`raw`](State::raw) is `-1` and every
    /// acquire fails.
    #[inline]
    pub(crate) fn close(&self) -> Close {
        let mut word = self.word.load(Relaxed);
        loop {
            if signed(word) < 0 {
                return Close::Already;
            }
            let wake = Wake::of(word);
            let (next, outcome) = if word & COUNT == 0 {
                (closed(word), Close::Now(self.fd))
            } else if wake != Wake::None {
                ((word + 1) | CLOSING, Close::Wake(self.fd, wake))
            } else {
                (word | CLOSING, Close::Deferred)
            };
            // AcqRel: if nothing is in flight we close next, after every
            // operation that released (Acquire); if something is, the last
            // operation closes after seeing this (Release).
            match self.word.compare_exchange_weak(word, next, AcqRel, Relaxed) {
                Ok(_) => return outcome,
                Err(now) => word = now,
            }
        }
    }

    /// Takes the descriptor out of a word nobody else can see (`drop`,
    /// `into_raw`), leaving it closed.
    ///
    /// `&mut self` proves no guard is alive (guards borrow the word), so no
    /// atomic read-modify-write is needed, and a count left behind cannot
    /// stop the owner: see the module docs.
    #[inline]
    pub(crate) fn take(&mut self) -> Taken {
        let word = self.with_mut(|w| core::mem::replace(w, closed(*w)));
        if signed(word) >= 0 {
            Taken::Open(self.fd)
        } else if word & DONE != 0 {
            Taken::Closed
        } else {
            Taken::Closing(self.fd)
        }
    }

    /// The plain word, through `&mut self`.
    #[cfg(not(iofd_loom))]
    #[inline(always)]
    fn with_mut<R>(&mut self, f: impl FnOnce(&mut u32) -> R) -> R {
        f(self.word.get_mut())
    }

    /// The plain word, through `&mut self` (loom's atomics have no
    /// `get_mut`; its `with_mut` is the same unsynchronised access).
    #[cfg(iofd_loom)]
    fn with_mut<R>(&mut self, f: impl FnOnce(&mut u32) -> R) -> R {
        self.word.with_mut(f)
    }
}

#[cfg(all(test, not(iofd_loom)))]
mod tests {
    use super::*;

    fn open(fd: i32) -> State {
        State::new(fd, Wake::None)
    }

    #[test]
    fn fresh_word_is_open_with_nothing_in_flight() {
        let s = open(7);
        assert_eq!(s.raw(), 7);
        assert!(s.is_open());
        assert_eq!(s.close(), Close::Now(7));
        assert_eq!(s.raw(), -1);
        assert!(s.is_closing());
        assert_eq!(s.close(), Close::Already);
    }

    #[test]
    fn negative_numbers_are_closed_words() {
        for fd in [-1, -2, i32::MIN] {
            let mut s = open(fd);
            assert_eq!(s.raw(), -1);
            assert_eq!(s.acquire(), Err(AcquireError::Closed { owed: None }));
            assert_eq!(s.close(), Close::Already);
            assert_eq!(s.take(), Taken::Closed);
        }
    }

    #[test]
    fn largest_descriptor_round_trips() {
        let fd = i32::MAX;
        let s = open(fd);
        assert_eq!(s.raw(), fd);
        assert_eq!(s.acquire(), Ok(fd));
        assert_eq!(s.release(), None);
        assert_eq!(s.close(), Close::Now(fd));
    }

    #[test]
    fn close_with_operations_in_flight_is_deferred_to_the_last() {
        let s = open(3);
        assert_eq!(s.acquire(), Ok(3));
        assert_eq!(s.acquire(), Ok(3));
        assert_eq!(s.close(), Close::Deferred);
        assert_eq!(s.raw(), -1);
        assert_eq!(s.acquire(), Err(AcquireError::Closed { owed: None }));
        assert_eq!(s.close(), Close::Already);
        assert_eq!(s.release(), None, "one operation is still running");
        assert_eq!(s.release(), Some(3), "the last operation must close");
        assert_eq!(s.close(), Close::Already);
        assert_eq!(s.acquire(), Err(AcquireError::Closed { owed: None }));
    }

    #[test]
    fn release_reports_a_close_that_began_in_flight() {
        let s = open(3);
        s.acquire().unwrap();
        s.acquire().unwrap();
        assert_eq!(s.release_closing(), (false, None));
        assert_eq!(s.close(), Close::Deferred);
        assert_eq!(s.release_closing(), (true, Some(3)));
    }

    #[test]
    fn operations_on_an_open_word_never_close() {
        let s = open(4);
        for _ in 0..3 {
            assert_eq!(s.acquire(), Ok(4));
        }
        for _ in 0..3 {
            assert_eq!(s.release(), None);
        }
        assert_eq!(s.close(), Close::Now(4));
    }

    #[test]
    fn a_wake_kind_counts_the_closer_in() {
        let s = State::new(5, Wake::EventFd);
        assert_eq!(s.wake(), Wake::EventFd);
        assert_eq!(s.close(), Close::Now(5), "nothing to wake");

        let s = State::new(5, Wake::TimerFd);
        assert_eq!(s.acquire(), Ok(5));
        assert_eq!(s.close(), Close::Wake(5, Wake::TimerFd));
        // The waiter returns first: the closer, still counted in, closes.
        assert_eq!(s.release(), None);
        assert_eq!(s.release(), Some(5));
        assert_eq!(s.wake(), Wake::TimerFd, "the kind survives the close");
    }

    #[test]
    fn count_ceiling_is_refused_not_wrapped() {
        let s = open(5);
        s.word.store(CEILING - 1, Relaxed);
        assert_eq!(s.acquire_checked(), Ok(5));
        assert_eq!(s.acquire_checked(), Err(AcquireError::TooManyOps));
        assert_eq!(s.raw(), 5, "the descriptor survives the refusal");
        assert_eq!(s.release(), None);
        assert_eq!(s.acquire_checked(), Ok(5), "room again after a release");
        // Operations that release before they return are not refused.
        assert_eq!(s.acquire(), Ok(5));
        assert_eq!(s.word.load(Relaxed) & COUNT, CEILING + 1);
    }

    #[test]
    fn a_refused_acquire_on_a_closed_word_leaves_it_closed() {
        let s = State::new(6, Wake::TimerFd);
        assert_eq!(s.close(), Close::Now(6));
        for _ in 0..3 {
            assert_eq!(s.acquire(), Err(AcquireError::Closed { owed: None }));
            assert_eq!(
                s.acquire_checked(),
                Err(AcquireError::Closed { owed: None })
            );
        }
        assert_eq!(s.word.load(Relaxed), closed(Wake::TimerFd.bits()));
    }

    #[test]
    fn set_wake_changes_only_the_kind() {
        let mut s = open(8);
        s.acquire().unwrap();
        s.set_wake(Wake::EventFd);
        assert_eq!(s.wake(), Wake::EventFd);
        assert_eq!((s.raw(), s.release()), (8, None));
        s.set_wake(Wake::None);
        assert_eq!(s.wake(), Wake::None);
        assert_eq!(s.close(), Close::Now(8));
    }

    #[test]
    fn take_leaves_a_closed_word() {
        let mut s = open(9);
        assert_eq!(s.take(), Taken::Open(9));
        assert_eq!(s.raw(), -1);
        assert_eq!(s.take(), Taken::Closed);
        assert_eq!(s.close(), Close::Already);
    }

    #[test]
    fn take_hands_over_a_descriptor_whose_guards_leaked() {
        // A count no guard can release any more (leaked with `mem::forget`)
        // does not keep the owner from the descriptor.
        let mut s = open(6);
        assert_eq!(s.acquire(), Ok(6));
        assert_eq!(s.take(), Taken::Open(6));
        assert_eq!(s.acquire(), Err(AcquireError::Closed { owed: None }));
    }

    #[test]
    fn take_after_close_with_a_leaked_guard_still_owes_the_close() {
        // The number stays in the closing word: the owner closes it.
        let mut s = open(6);
        assert_eq!(s.acquire(), Ok(6));
        assert_eq!(s.close(), Close::Deferred);
        assert_eq!(s.take(), Taken::Closing(6));
        assert_eq!(s.take(), Taken::Closed);
    }

    #[test]
    fn take_after_a_finished_deferred_close_gets_nothing() {
        // The close was handed to the operation in flight; the owner must
        // not close the number a second time.
        let mut s = open(8);
        assert_eq!(s.acquire(), Ok(8));
        assert_eq!(s.close(), Close::Deferred);
        assert_eq!(s.release(), Some(8));
        assert_eq!(s.take(), Taken::Closed);
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
        wakes: AtomicUsize,
    }

    impl Kernel {
        fn new(wake: Wake) -> Arc<Kernel> {
            Arc::new(Kernel {
                state: State::new(FD, wake),
                open: UnsafeCell::new(true),
                closes: AtomicUsize::new(0),
                ops: AtomicUsize::new(0),
                wakes: AtomicUsize::new(0),
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

        /// A system call on the number, which must still be open.
        fn use_number(&self, fd: i32) {
            assert_eq!(fd, FD);
            // SAFETY: loom checks this access for races.
            self.open
                .with(|open| assert!(unsafe { *open }, "system call on a closed number"));
        }

        /// One operation, as `Fd` performs it.
        fn operation(&self) {
            let fd = match self.state.acquire() {
                Ok(fd) => fd,
                Err(AcquireError::Closed { owed: Some(fd) }) => return self.kernel_close(fd),
                Err(_) => return,
            };
            self.use_number(fd);
            self.ops.fetch_add(1, SeqCst);
            if let Some(fd) = self.state.release() {
                self.kernel_close(fd);
            }
        }

        /// `Fd::close`, waking as `Close::Wake` asks.
        fn close(&self) {
            match self.state.close() {
                Close::Now(fd) => self.kernel_close(fd),
                Close::Wake(fd, _) => {
                    self.use_number(fd);
                    self.wakes.fetch_add(1, SeqCst);
                    if let Some(fd) = self.state.release() {
                        self.kernel_close(fd);
                    }
                }
                Close::Deferred | Close::Already => {}
            }
        }

        /// After every thread has finished: exactly one kernel close, and
        /// the word is closed for good.
        fn check_end(&self) {
            assert_eq!(self.closes.load(SeqCst), 1, "kernel close count");
            assert_eq!(self.state.raw(), -1);
            assert_eq!(
                self.state.acquire(),
                Err(AcquireError::Closed { owed: None })
            );
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
            let k = Kernel::new(Wake::None);
            let t = spawn(&k, Kernel::close);
            k.close();
            t.join().unwrap();
            k.check_end();
        });
    }

    #[test]
    fn loom_close_operation() {
        model("loom_close_operation", || {
            let k = Kernel::new(Wake::None);
            let t = spawn(&k, Kernel::operation);
            k.close();
            t.join().unwrap();
            k.check_end();
        });
    }

    #[test]
    fn loom_operation_operation_close() {
        model("loom_operation_operation_close", || {
            let k = Kernel::new(Wake::None);
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
            let k = Kernel::new(Wake::None);
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
            let k = Kernel::new(Wake::None);
            k.close();
            let t = spawn(&k, Kernel::operation);
            t.join().unwrap();
            assert_eq!(k.ops.load(SeqCst), 0);
            k.check_end();
        });
    }

    /// The closer of an eventfd wakes while an operation may be in flight:
    /// its wake-up system call must find the number open.
    #[test]
    fn loom_waking_close_operation() {
        model("loom_waking_close_operation", || {
            let k = Kernel::new(Wake::EventFd);
            let t = spawn(&k, Kernel::operation);
            k.close();
            t.join().unwrap();
            let ops = k.ops.load(SeqCst);
            let wakes = k.wakes.load(SeqCst);
            assert!(wakes <= ops, "a wake-up with nobody in flight");
            k.check_end();
        });
    }

    /// Two waking closers and two operations: one kernel close, every
    /// wake-up on an open number.
    #[test]
    fn loom_waking_close_close_operation() {
        model("loom_waking_close_close_operation", || {
            let k = Kernel::new(Wake::TimerFd);
            let a = spawn(&k, Kernel::operation);
            let b = spawn(&k, Kernel::close);
            k.close();
            a.join().unwrap();
            b.join().unwrap();
            assert!(k.wakes.load(SeqCst) <= 1, "only the first close wakes");
            k.check_end();
        });
    }

    /// A refused acquire racing the last release: whichever takes the
    /// closing word to zero last closes, exactly once.
    #[test]
    fn loom_refused_acquire_races_the_last_release() {
        model("loom_refused_acquire_races_the_last_release", || {
            let k = Kernel::new(Wake::None);
            let fd = k.state.acquire().unwrap();
            assert_eq!(k.state.close(), Close::Deferred);
            let t = spawn(&k, Kernel::operation); // refused, or never starts
            if let Some(fd) = k.state.release() {
                k.kernel_close(fd);
            }
            let _ = fd;
            t.join().unwrap();
            assert_eq!(k.ops.load(SeqCst), 0);
            k.check_end();
        });
    }

    /// A guard leaked with `mem::forget` before a close: the owner's
    /// `take` still gets the number to close.
    #[test]
    fn loom_leaked_guard_then_close_then_take() {
        model("loom_leaked_guard_then_close_then_take", || {
            let k = Kernel::new(Wake::None);
            let _leaked = k.state.acquire().unwrap();
            let t = spawn(&k, Kernel::close);
            let u = spawn(&k, Kernel::operation);
            t.join().unwrap();
            u.join().unwrap();
            assert_eq!(k.closes.load(SeqCst), 0);
            let mut k = Arc::try_unwrap(k).ok().expect("all threads joined");
            match k.state.take() {
                Taken::Closing(fd) => assert_eq!(fd, FD),
                other => panic!("expected the owed close, got {other:?}"),
            }
        });
    }
}
