//! The operations that `cargo bench` compares, each in one variant per
//! implementation: the bare system call (the **floor**), iofd, rustix,
//! libc, nix and std.
//!
//! The bench (`benches/peers.rs`) and the instruction-count driver
//! (`src/bin/instr.rs`) run the very same variant code from here, so the
//! timings and the instruction counts measure one thing.
//!
//! Every variant owns the descriptors it works on, created up front and
//! independently of the other variants, and checks the result of every
//! iteration: the work cannot be optimised away, and a broken variant
//! panics with a message that names it.
//!
//! A new operation is a file in `src/ops/` whose `variants()` returns its
//! variants, and a line in [`OPERATIONS`]: the bench, the report and
//! `scripts/instr-count.sh` find it there.

// The benchmarks are Linux programs; elsewhere the package is empty.
#![cfg_attr(not(target_os = "linux"), no_std)]
#![cfg(target_os = "linux")]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]
#![warn(missing_debug_implementations, rust_2018_idioms)]

pub mod harness;
mod ops;
pub mod report;

use std::fmt;
use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// How an iteration's code sits in the measured loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// The operation's code compiled into the loop, its inputs through
    /// `black_box`: the compiler sees every iteration at once and may keep
    /// work that does not change (a converted constant, a loaded field)
    /// out of the iterations.
    Loop,
    /// The operation in an `#[inline(never)]` function that the loop calls
    /// once per iteration (a direct call, not through `dyn`): the shape of
    /// user code calling a library, where each call starts from nothing.
    Call,
}

impl Shape {
    /// Every shape, in report order.
    pub const ALL: [Shape; 2] = [Shape::Loop, Shape::Call];

    /// `loop` or `call`, as in a variant's [`id`](Variant::id).
    pub fn name(self) -> &'static str {
        match self {
            Shape::Loop => "loop",
            Shape::Call => "call",
        }
    }

    /// The shape called `name`.
    pub fn from_name(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|shape| shape.name() == name)
    }
}

/// A variant's name and shape: what the report's columns and the
/// instruction-count driver select it by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// The implementation: `floor`, `iofd`, `rustix`, `libc`, `nix`, `std`,
    /// or one an operation defines (its summary says what it is).
    pub name: &'static str,
    /// How it sits in the measured loop.
    pub shape: Shape,
}

impl Key {
    /// The floor of `shape`, which every variant of that shape is compared
    /// with.
    pub fn floor(shape: Shape) -> Key {
        Key { name: FLOOR, shape }
    }
}

impl fmt::Display for Key {
    /// `shape/name`: `loop/iofd`, `call/floor`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.shape.name(), self.name)
    }
}

/// One way of doing an operation: a name, a shape, and a timed run of a
/// batch of iterations.
pub struct Variant {
    key: Key,
    threads: usize,
    run: Box<dyn FnMut(u64) -> Sample>,
}

/// One timed batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The batch's time: the thread's CPU time for a variant on one
    /// thread, the wall-clock time for one on several.
    pub time: Duration,
    /// The CPU time all its threads used (the same as `time` on one
    /// thread): `cpu / time` says how many of them really ran at once.
    pub cpu: Duration,
}

impl Variant {
    /// A [`Shape::Loop`] variant that owns `state` and runs `body` on it
    /// once per iteration; the body is compiled into the loop.
    pub fn new<S: 'static>(
        name: &'static str,
        mut state: S,
        mut body: impl FnMut(&mut S) + 'static,
    ) -> Variant {
        Variant::batch(name, Shape::Loop, move |n| {
            for _ in 0..n {
                body(&mut state);
            }
        })
    }

    /// A [`Shape::Call`] variant: the loop passes `state` through
    /// `black_box` to `call` once per iteration, and `call` must do nothing
    /// but call one `#[inline(never)]` function, the operation as a user
    /// writes it (e.g. `|ev| round_trip(ev)`).
    pub fn call<S: 'static>(
        name: &'static str,
        mut state: S,
        mut call: impl FnMut(&mut S) + 'static,
    ) -> Variant {
        Variant::batch(name, Shape::Call, move |n| {
            for _ in 0..n {
                call(black_box(&mut state));
            }
        })
    }

    /// A variant whose `batch(n)` runs all `n` iterations itself, for work
    /// done once per batch (taking one guard for all of them); `shape`
    /// says how each iteration sits in its loop.
    ///
    /// The batch is timed on the thread's CPU clock (see [`thread_time`]).
    pub fn batch(
        name: &'static str,
        shape: Shape,
        mut batch: impl FnMut(u64) + 'static,
    ) -> Variant {
        let run = move |n: u64| {
            let start = thread_time();
            batch(n);
            let time = thread_time().saturating_sub(start);
            Sample { time, cpu: time }
        };
        Variant {
            key: Key { name, shape },
            threads: 1,
            run: Box::new(run),
        }
    }

    /// A variant run by `threads` threads at once on one shared `state`:
    /// each runs `batch(&state, n)`, all starting together (a barrier), and
    /// the time is the wall-clock time from the start until the last one
    /// finishes (a throughput, which the threads' waits for each other are
    /// part of). The threads are started before the clock and are not
    /// timed. Each thread also reads its CPU clock around its batch, so
    /// that the [`Sample`] tells whether they really ran at once.
    ///
    /// # Panics
    /// If `threads` is zero.
    pub fn threaded<S: Send + Sync + 'static>(
        name: &'static str,
        shape: Shape,
        threads: usize,
        state: S,
        batch: impl Fn(&S, u64) + Send + Sync + 'static,
    ) -> Variant {
        assert!(threads > 0, "{name}: a variant needs at least one thread");
        let run = move |n: u64| {
            let barrier = Barrier::new(threads);
            let (state, batch, barrier) = (&state, &batch, &barrier);
            // One thread's batch: its end on the wall clock, and its CPU time.
            let timed = move || {
                let cpu = thread_time();
                batch(state, n);
                (Instant::now(), thread_time().saturating_sub(cpu))
            };
            std::thread::scope(|scope| {
                let others: Vec<_> = (1..threads)
                    .map(|_| {
                        scope.spawn(move || {
                            barrier.wait();
                            timed()
                        })
                    })
                    .collect();
                barrier.wait();
                let start = Instant::now();
                let (mut end, mut cpu) = timed();
                for other in others {
                    let (finished, used) = other.join().unwrap_or_else(|panic| {
                        std::panic::resume_unwind(panic);
                    });
                    end = end.max(finished);
                    cpu += used;
                }
                Sample {
                    time: end.saturating_duration_since(start),
                    cpu,
                }
            })
        };
        Variant {
            key: Key { name, shape },
            threads,
            run: Box::new(run),
        }
    }

    /// The implementation's name: `floor`, `iofd`, `rustix`, `libc`, `nix`,
    /// `std`, or one its operation defines.
    pub fn name(&self) -> &'static str {
        self.key.name
    }

    /// The name and the shape.
    pub fn key(&self) -> Key {
        self.key
    }

    /// How many threads run each iteration at once (1 but for contention).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs the operation `iterations` times (on each thread) and returns
    /// the time it took.
    pub fn run(&mut self, iterations: u64) -> Sample {
        (self.run)(iterations)
    }
}

/// The CPU time the calling thread has used, in user space and in the
/// kernel (`CLOCK_THREAD_CPUTIME_ID`, which the kernel keeps to the
/// nanosecond).
///
/// Timing a batch on it rather than on the wall clock leaves out the time
/// the thread waited while other processes ran: on a machine shared by
/// several, most of a wall-clock batch can be someone else's.
///
/// # Panics
/// If the kernel refuses the clock (Linux has had it since 2.6.12).
pub fn thread_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is one writable timespec that nothing borrows.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(r, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    let secs = u64::try_from(ts.tv_sec).unwrap_or_default();
    let nanos = u32::try_from(ts.tv_nsec).unwrap_or_default();
    Duration::new(secs, nanos)
}

impl fmt::Debug for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variant")
            .field("key", &self.key)
            .field("threads", &self.threads)
            .finish()
    }
}

/// An operation and the constructor of its variants.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// The short name used to select it (`eventfd`, `timerfd`, …).
    pub name: &'static str,
    /// What one iteration does, in markdown, for the report; it also says
    /// what any variant of the operation's own is.
    pub summary: &'static str,
    /// Creates the variants, each with its own descriptors. The first is
    /// a floor, and every shape that has variants has a floor.
    pub variants: fn() -> Vec<Variant>,
}

impl Operation {
    /// The operation called `name`, if there is one.
    pub fn find(name: &str) -> Option<Operation> {
        OPERATIONS.iter().copied().find(|op| op.name == name)
    }
}

/// The name of the variant every other one of its shape is compared with.
pub const FLOOR: &str = "floor";

/// Every operation, in report order.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        name: "eventfd",
        summary: "`EventFd::signal(1)` + `wait()`: write(2) + read(2) of 8 bytes on a non-blocking \
                  eventfd. **floor+guard** is the floor with each call under its own \
                  `Fd::borrow()` guard; **held-guard** takes one guard per batch and does every \
                  round trip with `FdGuard::write` + `FdGuard::read`",
        variants: ops::eventfd::variants,
    },
    Operation {
        name: "timerfd",
        summary: "`TimerFd::arm(1 s, 0)` + `get_time()`: timerfd_settime(2) + timerfd_gettime(2)",
        variants: ops::timerfd::variants,
    },
    Operation {
        name: "memfd",
        summary: "`MemFd::write_at` + `read_at` of 4 KiB at offset 0: pwrite64(2) + pread64(2). \
                  **held-guard** takes one guard per batch and uses `FdGuard::write_at` + \
                  `FdGuard::read_at`",
        variants: ops::memfd::variants,
    },
    Operation {
        name: "dup",
        summary: "`Fd::dup()` + `close_owned()`: fcntl(2) `F_DUPFD_CLOEXEC` + close(2). \
                  **close-ref** closes the duplicate with `close(&self)` instead, the close any \
                  thread may race (an atomic read-modify-write)",
        variants: ops::dup::variants,
    },
    Operation {
        name: "raw",
        summary: "`Fd::raw()` + `is_valid()`, no system call; the floor reads a plain `i32`",
        variants: ops::handle::raw_variants,
    },
    Operation {
        name: "clock",
        summary: "`clock_now(Clock::Monotonic)`: clock_gettime(2) of `CLOCK_MONOTONIC`; the floor is the system call, the others read the vDSO",
        variants: ops::clock::variants,
    },
    Operation {
        name: "deadline",
        summary: "`TimerFd::arm_at(clock_now(timer.clock())? + 1 s, 0)`: a clock read of \
                  `CLOCK_MONOTONIC` and timerfd_settime(2) with `TFD_TIMER_ABSTIME`; the floor \
                  reads the clock with the system call, the others through the vDSO",
        variants: ops::timerfd::deadline_variants,
    },
    Operation {
        name: "closed",
        summary: "`Fd::write` after `close()`: `Closed` with no system call; the floor is write(2) \
                  on descriptor -1 (`EBADF`)",
        variants: ops::handle::closed_variants,
    },
    Operation {
        name: "contention",
        summary: "`signal(1)` + `wait()` round trips (the per-call functions of **eventfd**) by \
                  two threads at once on one shared non-blocking eventfd, in semaphore mode so \
                  that every read finds a count its own thread wrote and takes 1: both threads do \
                  the same work, which is shared through the one eventfd in the kernel (and, for \
                  iofd, through the handle's state word, which both threads update on every \
                  call). **held-guard**: each thread takes one guard per batch",
        variants: ops::contention::variants,
    },
];
