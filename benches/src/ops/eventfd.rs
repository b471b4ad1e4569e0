//! eventfd round trip: add 1 to the counter (an 8-byte write(2)), then take
//! it back (an 8-byte read(2)), on a non-blocking eventfd.

use std::fs::File;
use std::hint::black_box;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};

use iofd::raw::{self, Sysno};

use super::{NONBLOCK_CLOEXEC, arg, owned_from_libc, owned_from_syscall};
use crate::Variant;

/// The size of every eventfd read and write.
const COUNTER: usize = 8;

pub(crate) fn variants() -> Vec<Variant> {
    vec![
        floor(),
        floor_guard(),
        iofd(),
        rustix(),
        libc(),
        nix(),
        std(),
    ]
}

/// An eventfd created with eventfd2(2) through `iofd::raw`.
pub(crate) fn raw_eventfd(what: &str) -> OwnedFd {
    // SAFETY: eventfd2 takes no memory argument.
    let ret = unsafe { raw::syscall2_readonly(Sysno::eventfd2, 0, arg::int(NONBLOCK_CLOEXEC)) };
    owned_from_syscall(what, ret)
}

/// An eventfd created with libc's `eventfd`.
pub(crate) fn libc_eventfd(what: &str) -> OwnedFd {
    // SAFETY: eventfd takes no pointer.
    owned_from_libc(what, unsafe { libc::eventfd(0, NONBLOCK_CLOEXEC) })
}

fn floor() -> Variant {
    Variant::new("floor", raw_eventfd("eventfd/floor"), |fd| {
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
    let owned = raw_eventfd("eventfd/floor+guard");
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

fn iofd() -> Variant {
    let ev = iofd::EventFd::new(0).expect("eventfd/iofd: EventFd::new");
    Variant::new("iofd", ev, |ev| {
        let ev = black_box(&*ev);
        ev.signal(black_box(1)).expect("eventfd/iofd: signal");
        let count = black_box(ev.wait().expect("eventfd/iofd: wait"));
        assert_eq!(count, 1, "eventfd/iofd: wait");
    })
}

fn rustix() -> Variant {
    use rustix::event::{EventfdFlags, eventfd};

    let flags = EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC;
    let fd = eventfd(0, flags).expect("eventfd/rustix: eventfd");
    Variant::new("rustix", fd, |fd| {
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
    Variant::new("libc", libc_eventfd("eventfd/libc"), |fd| {
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
    let file = File::from(libc_eventfd("eventfd/std"));
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
