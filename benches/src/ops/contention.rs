//! Two threads on one eventfd: each thread runs the per-call round trip
//! of the eventfd benchmark (`signal(1)` + `wait()`) on the same
//! descriptor, at the same time, for the same number of iterations.
//!
//! The eventfd is in semaphore mode (`EFD_SEMAPHORE`), so every read takes
//! exactly 1. A thread reads only after its own write, and neither thread
//! ever takes more than it has put in, so every read finds the counter at
//! 1 or more: no read fails with `EAGAIN`, every iteration is the same
//! pair of calls in every variant, and the only thing shared is the
//! eventfd (its counter and wait-queue lock in the kernel) and, for iofd,
//! the handle's state word, which both threads update on every call.

use std::hint::black_box;

use iofd::{EventFd, EventFdFlags};

use super::eventfd::{
    floor_round_trip, guard_round_trip, iofd_round_trip, libc_eventfd, libc_round_trip,
    raw_eventfd, rustix_round_trip,
};
use crate::{Shape, Variant};

/// The threads that hammer the one eventfd.
const THREADS: usize = 2;

pub(crate) fn variants() -> Vec<Variant> {
    let semaphore = libc::EFD_SEMAPHORE;
    vec![
        per_call(
            "floor",
            raw_eventfd("contention/floor", semaphore),
            floor_round_trip,
        ),
        per_call("iofd", iofd_semaphore("contention/iofd"), iofd_round_trip),
        Variant::threaded(
            "held-guard",
            Shape::Call,
            THREADS,
            iofd_semaphore("contention/held-guard"),
            |ev, n| {
                let g = ev.fd().borrow().expect("contention/held-guard: borrow");
                for _ in 0..n {
                    guard_round_trip(black_box(&g));
                }
            },
        ),
        per_call(
            "rustix",
            rustix_semaphore("contention/rustix"),
            rustix_round_trip,
        ),
        per_call(
            "libc",
            libc_eventfd("contention/libc", semaphore),
            libc_round_trip,
        ),
    ]
}

/// A variant whose threads each call `round_trip` (a function item, so a
/// direct call) once per iteration.
fn per_call<S: Send + Sync + 'static>(
    name: &'static str,
    state: S,
    round_trip: impl Fn(&S) + Send + Sync + 'static,
) -> Variant {
    Variant::threaded(name, Shape::Call, THREADS, state, move |state, n| {
        for _ in 0..n {
            round_trip(black_box(state));
        }
    })
}

fn iofd_semaphore(what: &str) -> EventFd {
    let flags = EventFdFlags::NONBLOCK | EventFdFlags::CLOEXEC | EventFdFlags::SEMAPHORE;
    EventFd::with_flags(0, flags).unwrap_or_else(|e| panic!("{what}: EventFd::with_flags: {e}"))
}

fn rustix_semaphore(what: &str) -> std::os::fd::OwnedFd {
    use rustix::event::{EventfdFlags, eventfd};

    let flags = EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC | EventfdFlags::SEMAPHORE;
    eventfd(0, flags).unwrap_or_else(|e| panic!("{what}: eventfd: {e}"))
}
