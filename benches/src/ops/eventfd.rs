//! eventfd round trip: add 1 to the counter (an 8-byte write(2)), then take
//! it back (an 8-byte read(2)), on a non-blocking eventfd.
//!
//! The per-call functions (`*_round_trip`) are also what each thread of
//! the contention benchmark runs.

use std::fs::File;
use std::hint::black_box;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};

use iofd::raw::{self, Sysno};
use iofd::{EventFd, FdGuard};

use super::{NONBLOCK_CLOEXEC, arg, owned_from_libc, owned_from_syscall};
use crate::{Shape, Variant};

/// The size of every eventfd read and write.
const COUNTER: usize = 8;

pub(crate) fn variants() -> Vec<Variant> {
    vec![
        floor(),
        floor_guard(),
        iofd(),
        held_guard_loop(),
        rustix(),
        libc(),
        nix(),
        std(),
        Variant::call("floor", raw_eventfd("eventfd/call/floor", 0), |fd| {
            floor_round_trip(fd)
        }),
        floor_guard_call(),
        Variant::call("iofd", iofd_eventfd("eventfd/call/iofd"), |ev| {
            iofd_round_trip(ev)
        }),
        held_guard_call(),
        Variant::call("rustix", rustix_eventfd("eventfd/call/rustix"), |fd| {
            rustix_round_trip(fd)
        }),
        Variant::call("libc", libc_eventfd("eventfd/call/libc", 0), |fd| {
            libc_round_trip(fd)
        }),
    ]
}

/// A non-blocking eventfd created with eventfd2(2) through `iofd::raw`,
/// with `extra` flags (`EFD_SEMAPHORE`).
pub(crate) fn raw_eventfd(what: &str, extra: libc::c_int) -> OwnedFd {
    let flags = arg::int(NONBLOCK_CLOEXEC | extra);
    // SAFETY: eventfd2 takes no memory argument.
    let ret = unsafe { raw::syscall2_readonly(Sysno::eventfd2, 0, flags) };
    owned_from_syscall(what, ret)
}

/// A non-blocking eventfd created with libc's `eventfd`, with `extra`
/// flags (`EFD_SEMAPHORE`).
pub(crate) fn libc_eventfd(what: &str, extra: libc::c_int) -> OwnedFd {
    // SAFETY: eventfd takes no pointer.
    owned_from_libc(what, unsafe { libc::eventfd(0, NONBLOCK_CLOEXEC | extra) })
}

fn iofd_eventfd(what: &str) -> EventFd {
    EventFd::new(0).unwrap_or_else(|e| panic!("{what}: EventFd::new: {e}"))
}

fn rustix_eventfd(what: &str) -> OwnedFd {
    use rustix::event::{EventfdFlags, eventfd};

    let flags = EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC;
    eventfd(0, flags).unwrap_or_else(|e| panic!("{what}: eventfd: {e}"))
}

/// The floor's round trip in a function of its own, as a user of
/// `iofd::raw` writes it.
#[inline(never)]
pub(crate) fn floor_round_trip(fd: &OwnedFd) {
    let fd = arg::int(fd.as_raw_fd());
    let one = 1u64;
    // SAFETY: `fd` is an open eventfd the caller owns, and `one` is
    // `COUNTER` readable bytes; write(2) writes no memory.
    let w = unsafe { raw::syscall3_readonly(Sysno::write, fd, arg::ptr(&one), COUNTER) };
    let mut count = 0u64;
    // SAFETY: `count` is `COUNTER` writable bytes that nothing borrows.
    let r = unsafe { raw::syscall3(Sysno::read, fd, arg::ptr_mut(&mut count), COUNTER) };
    assert!(
        w == COUNTER && r == COUNTER && count == 1,
        "eventfd/call/floor: write, read or count wrong"
    );
}

/// iofd's round trip, as its documentation shows it.
#[inline(never)]
pub(crate) fn iofd_round_trip(ev: &EventFd) {
    ev.signal(1).expect("eventfd/call/iofd: signal");
    let count = ev.wait().expect("eventfd/call/iofd: wait");
    assert_eq!(count, 1, "eventfd/call/iofd: wait");
}

/// The floor's round trip with each call under its own guard: what the
/// guard alone costs a call.
#[inline(never)]
fn floor_guard_round_trip(fd: &iofd::Fd) {
    let one = 1u64;
    let guard = fd.borrow().expect("eventfd/call/floor+guard: borrow");
    // SAFETY: the guard keeps the eventfd open, and `one` is `COUNTER`
    // readable bytes; write(2) writes no memory.
    let w = unsafe {
        raw::syscall3_readonly(Sysno::write, arg::int(guard.raw()), arg::ptr(&one), COUNTER)
    };
    drop(guard);
    let mut count = 0u64;
    let guard = fd.borrow().expect("eventfd/call/floor+guard: borrow");
    let buf = arg::ptr_mut(&mut count);
    // SAFETY: the guard keeps the eventfd open, and `count` is `COUNTER`
    // writable bytes that nothing borrows.
    let r = unsafe { raw::syscall3(Sysno::read, arg::int(guard.raw()), buf, COUNTER) };
    drop(guard);
    assert!(
        w == COUNTER && r == COUNTER && count == 1,
        "eventfd/call/floor+guard: write, read or count wrong"
    );
}

/// The round trip on a held guard: the bare system calls.
#[inline(never)]
pub(crate) fn guard_round_trip(g: &FdGuard<'_>) {
    let w = g
        .write(&1u64.to_ne_bytes())
        .expect("eventfd/call/held-guard: write");
    let mut buf = [0u8; COUNTER];
    let r = g.read(&mut buf).expect("eventfd/call/held-guard: read");
    let count = u64::from_ne_bytes(buf);
    assert!(
        w == COUNTER && r == COUNTER && count == 1,
        "eventfd/call/held-guard: write, read or count wrong"
    );
}

/// rustix's round trip.
#[inline(never)]
pub(crate) fn rustix_round_trip(fd: &OwnedFd) {
    let w = rustix::io::write(fd, &1u64.to_ne_bytes()).expect("eventfd/call/rustix: write");
    let mut buf = [0u8; COUNTER];
    let r = rustix::io::read(fd, &mut buf).expect("eventfd/call/rustix: read");
    let count = u64::from_ne_bytes(buf);
    assert!(
        w == COUNTER && r == COUNTER && count == 1,
        "eventfd/call/rustix: write, read or count wrong"
    );
}

/// libc's round trip.
#[inline(never)]
pub(crate) fn libc_round_trip(fd: &OwnedFd) {
    let fd = fd.as_raw_fd();
    let one = 1u64;
    // SAFETY: `fd` is an open eventfd the caller owns, and `one` is
    // `COUNTER` readable bytes.
    let w = unsafe { libc::write(fd, (&raw const one).cast(), COUNTER) };
    let mut count = 0u64;
    // SAFETY: `count` is `COUNTER` writable bytes that nothing borrows.
    let r = unsafe { libc::read(fd, (&raw mut count).cast(), COUNTER) };
    assert!(
        w == 8 && r == 8 && count == 1,
        "eventfd/call/libc: write, read or count wrong"
    );
}

/// iofd with one guard held for a whole batch: each round trip is
/// `FdGuard::write` + `FdGuard::read`, the bare system calls, written in
/// the loop.
fn held_guard_loop() -> Variant {
    let ev = iofd_eventfd("eventfd/held-guard");
    Variant::batch("held-guard", Shape::Loop, move |n| {
        let g = black_box(&ev)
            .fd()
            .borrow()
            .expect("eventfd/held-guard: borrow");
        for _ in 0..n {
            let w = g
                .write(&black_box(1u64).to_ne_bytes())
                .expect("eventfd/held-guard: write");
            let mut buf = [0u8; COUNTER];
            let r = g.read(&mut buf).expect("eventfd/held-guard: read");
            let count = u64::from_ne_bytes(buf);
            assert!(
                black_box(w) == COUNTER && black_box(r) == COUNTER && count == 1,
                "eventfd/held-guard: write {w}, read {r}, count {count}"
            );
        }
    })
}

/// [`held_guard_loop`] with each round trip a call of [`guard_round_trip`].
fn held_guard_call() -> Variant {
    let ev = iofd_eventfd("eventfd/call/held-guard");
    Variant::batch("held-guard", Shape::Call, move |n| {
        let g = black_box(&ev)
            .fd()
            .borrow()
            .expect("eventfd/call/held-guard: borrow");
        for _ in 0..n {
            guard_round_trip(black_box(&g));
        }
    })
}

fn floor() -> Variant {
    Variant::new("floor", raw_eventfd("eventfd/floor", 0), |fd| {
        let fd = arg::int(black_box(fd.as_raw_fd()));
        let one = black_box(1u64);
        // SAFETY: `fd` is this variant's open eventfd, and `one` is
        // `COUNTER` readable bytes; write(2) writes no memory.
        let w = unsafe { raw::syscall3_readonly(Sysno::write, fd, arg::ptr(&one), COUNTER) };
        let mut count = 0u64;
        // SAFETY: `count` is `COUNTER` writable bytes that nothing borrows.
        let r = unsafe { raw::syscall3(Sysno::read, fd, arg::ptr_mut(&mut count), COUNTER) };
        let (w, r) = (black_box(w), black_box(r));
        assert!(
            w == COUNTER && r == COUNTER && count == 1,
            "eventfd/floor: write {w:#x}, read {r:#x}, count {count}"
        );
    })
}

/// The floor plus the price of iofd's race-free close alone: each system
/// call is issued under its own `Fd::borrow()` guard (a compare-exchange
/// that counts the call in, a fetch-sub that counts it out), and nothing
/// else of iofd runs. It splits iofd's time into the guard and the rest.
fn floor_guard() -> Variant {
    let owned = raw_eventfd("eventfd/floor+guard", 0);
    // SAFETY: `owned` gives up the descriptor, which the `Fd` now owns.
    let fd = unsafe { iofd::Fd::from_raw(owned.into_raw_fd()) };
    Variant::new("floor+guard", fd, |fd| {
        let fd = black_box(&*fd);
        let one = black_box(1u64);
        let guard = fd.borrow().expect("eventfd/floor+guard: borrow");
        // SAFETY: the guard keeps this variant's eventfd open, and `one` is
        // `COUNTER` readable bytes; write(2) writes no memory.
        let w = unsafe {
            raw::syscall3_readonly(Sysno::write, arg::int(guard.raw()), arg::ptr(&one), COUNTER)
        };
        drop(guard);
        let mut count = 0u64;
        let guard = fd.borrow().expect("eventfd/floor+guard: borrow");
        let buf = arg::ptr_mut(&mut count);
        // SAFETY: the guard keeps the eventfd open, and `count` is
        // `COUNTER` writable bytes that nothing borrows.
        let r = unsafe { raw::syscall3(Sysno::read, arg::int(guard.raw()), buf, COUNTER) };
        drop(guard);
        let (w, r) = (black_box(w), black_box(r));
        assert!(
            w == COUNTER && r == COUNTER && count == 1,
            "eventfd/floor+guard: write {w:#x}, read {r:#x}, count {count}"
        );
    })
}

/// [`floor_guard`] with each iteration a call of
/// [`floor_guard_round_trip`].
fn floor_guard_call() -> Variant {
    let owned = raw_eventfd("eventfd/call/floor+guard", 0);
    // SAFETY: `owned` gives up the descriptor, which the `Fd` now owns.
    let fd = unsafe { iofd::Fd::from_raw(owned.into_raw_fd()) };
    Variant::call("floor+guard", fd, |fd| floor_guard_round_trip(fd))
}

fn iofd() -> Variant {
    Variant::new("iofd", iofd_eventfd("eventfd/iofd"), |ev| {
        let ev = black_box(&*ev);
        ev.signal(black_box(1)).expect("eventfd/iofd: signal");
        let count = black_box(ev.wait().expect("eventfd/iofd: wait"));
        assert_eq!(count, 1, "eventfd/iofd: wait");
    })
}

fn rustix() -> Variant {
    Variant::new("rustix", rustix_eventfd("eventfd/rustix"), |fd| {
        let fd = black_box(&*fd);
        let w =
            rustix::io::write(fd, &black_box(1u64).to_ne_bytes()).expect("eventfd/rustix: write");
        let mut buf = [0u8; COUNTER];
        let r = rustix::io::read(fd, &mut buf[..]).expect("eventfd/rustix: read");
        let count = u64::from_ne_bytes(buf);
        assert!(
            black_box(w) == COUNTER && black_box(r) == COUNTER && count == 1,
            "eventfd/rustix: write {w}, read {r}, count {count}"
        );
    })
}

fn libc() -> Variant {
    Variant::new("libc", libc_eventfd("eventfd/libc", 0), |fd| {
        let fd = black_box(fd.as_raw_fd());
        let one = black_box(1u64);
        // SAFETY: `fd` is this variant's open eventfd, and `one` is
        // `COUNTER` readable bytes.
        let w = unsafe { libc::write(fd, (&raw const one).cast(), COUNTER) };
        let mut count = 0u64;
        // SAFETY: `count` is `COUNTER` writable bytes that nothing borrows.
        let r = unsafe { libc::read(fd, (&raw mut count).cast(), COUNTER) };
        assert!(
            black_box(w) == 8 && black_box(r) == 8 && count == 1,
            "eventfd/libc: write {w}, read {r}, count {count}"
        );
    })
}

fn nix() -> Variant {
    use nix::sys::eventfd::{EfdFlags, EventFd};

    let flags = EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_CLOEXEC;
    let ev = EventFd::from_value_and_flags(0, flags).expect("eventfd/nix: EventFd");
    Variant::new("nix", ev, |ev| {
        let ev = black_box(&*ev);
        let w = ev.write(black_box(1)).expect("eventfd/nix: write");
        let count = ev.read().expect("eventfd/nix: read");
        assert!(
            black_box(w) == COUNTER && black_box(count) == 1,
            "eventfd/nix: write {w}, count {count}"
        );
    })
}

fn std() -> Variant {
    let file = File::from(libc_eventfd("eventfd/std", 0));
    Variant::new("std", file, |file| {
        let mut file = black_box(&*file);
        let w = file
            .write(&black_box(1u64).to_ne_bytes())
            .expect("eventfd/std: write");
        let mut buf = [0u8; COUNTER];
        let r = file.read(&mut buf).expect("eventfd/std: read");
        let count = u64::from_ne_bytes(buf);
        assert!(
            black_box(w) == COUNTER && black_box(r) == COUNTER && count == 1,
            "eventfd/std: write {w}, read {r}, count {count}"
        );
    })
}
