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

/// One way of doing an operation: a name and a loop over its body.
pub struct Variant {
    name: &'static str,
    run: Box<dyn FnMut(u64)>,
}

impl Variant {
    /// A variant that owns `state` and runs `body` on it once per
    /// iteration; the body is compiled into the loop, so a batch costs one
    /// indirect call.
    pub fn new<S: 'static>(
        name: &'static str,
        mut state: S,
        mut body: impl FnMut(&mut S) + 'static,
    ) -> Variant {
        let run = move |iterations: u64| {
            for _ in 0..iterations {
                body(&mut state);
            }
        };
        Variant {
            name,
            run: Box::new(run),
        }
    }

    /// The implementation's name: `floor`, `iofd`, `rustix`, `libc`, `nix`
    /// or `std`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the operation `iterations` times.
    pub fn run(&mut self, iterations: u64) {
        (self.run)(iterations);
    }
}

impl fmt::Debug for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variant").field("name", &self.name).finish()
    }
}

/// An operation and the constructor of its variants.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// The short name used to select it (`eventfd`, `timerfd`, …).
    pub name: &'static str,
    /// What one iteration does, in markdown, for the report.
    pub summary: &'static str,
    /// Creates the variants, each with its own descriptors. The first is
    /// always the floor.
    pub variants: fn() -> Vec<Variant>,
}

impl Operation {
    /// The operation called `name`, if there is one.
    pub fn find(name: &str) -> Option<Operation> {
        OPERATIONS.iter().copied().find(|op| op.name == name)
    }
}

/// The name of the variant every other one is compared with.
pub const FLOOR: &str = "floor";

/// Every operation, in report order.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        name: "eventfd",
        summary: "`EventFd::signal(1)` + `wait()`: write(2) + read(2) of 8 bytes on a non-blocking eventfd",
        variants: ops::eventfd::variants,
    },
    Operation {
        name: "timerfd",
        summary: "`TimerFd::arm(1 s, 0)` + `get_time()`: timerfd_settime(2) + timerfd_gettime(2)",
        variants: ops::timerfd::variants,
    },
    Operation {
        name: "memfd",
        summary: "`MemFd::write_at` + `read_at` of 4 KiB at offset 0: pwrite64(2) + pread64(2)",
        variants: ops::memfd::variants,
    },
    Operation {
        name: "dup",
        summary: "`Fd::dup()` + `close()`: fcntl(2) `F_DUPFD_CLOEXEC` + close(2)",
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
        name: "closed",
        summary: "`Fd::write` after `close()`: `Closed` with no system call; the floor is write(2) on descriptor -1 (`EBADF`)",
        variants: ops::handle::closed_variants,
    },
];
