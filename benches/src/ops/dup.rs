//! dup + close: duplicate a descriptor with fcntl(2) `F_DUPFD_CLOEXEC`
//! (the lowest free number), then close(2) the duplicate.
//!
//! Every variant duplicates an eventfd of its own; the kind of file makes
//! no difference to either call. iofd's duplicate is owned, so it closes
//! with `Fd::close_owned`, the bare system call; **close-ref** closes it
//! with `close(&self)`, which any thread may race and so pays an atomic
//! read-modify-write.

use std::fs::File;
use std::hint::black_box;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};

use iofd::EventFd;
use iofd::raw::{self, Sysno};

use super::arg;
use super::eventfd::{libc_eventfd, raw_eventfd};
use crate::Variant;

pub(crate) fn variants() -> Vec<Variant> {
    vec![
        floor(),
        iofd(),
        close_ref(),
        rustix(),
        libc(),
        nix(),
        std(),
        Variant::call("floor", raw_eventfd("dup/call/floor", 0), |fd| {
            floor_dup_close(fd)
        }),
        Variant::call("iofd", iofd_eventfd("dup/call/iofd"), |ev| {
            iofd_dup_close(ev)
        }),
        Variant::call("close-ref", iofd_eventfd("dup/call/close-ref"), |ev| {
            iofd_dup_close_ref(ev)
        }),
        Variant::call("rustix", rustix_eventfd("dup/call/rustix"), |fd| {
            rustix_dup_close(fd)
        }),
        Variant::call("libc", libc_eventfd("dup/call/libc", 0), |fd| {
            libc_dup_close(fd)
        }),
    ]
}

fn iofd_eventfd(what: &str) -> EventFd {
    EventFd::new(0).unwrap_or_else(|e| panic!("{what}: EventFd::new: {e}"))
}

fn rustix_eventfd(what: &str) -> OwnedFd {
    use rustix::event::{EventfdFlags, eventfd};

    let flags = EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC;
    eventfd(0, flags).unwrap_or_else(|e| panic!("{what}: eventfd: {e}"))
}

fn floor() -> Variant {
    Variant::new("floor", raw_eventfd("dup/floor: eventfd2", 0), |fd| {
        let fd = arg::int(black_box(fd.as_raw_fd()));
        let cmd = arg::int(libc::F_DUPFD_CLOEXEC);
        // SAFETY: `fd` is this variant's open eventfd; no memory argument.
        let dup = unsafe { raw::syscall3_readonly(Sysno::fcntl, fd, cmd, 0) };
        let dup = raw::result(black_box(dup)).expect("dup/floor: fcntl");
        // SAFETY: `dup` was just created here and is used by nothing else;
        // no memory argument.
        let closed = unsafe { raw::syscall1_readonly(Sysno::close, dup) };
        assert_eq!(black_box(closed), 0, "dup/floor: close");
    })
}

fn iofd() -> Variant {
    Variant::new("iofd", iofd_eventfd("dup/iofd"), |ev| {
        let dup = black_box(&*ev).fd().dup().expect("dup/iofd: dup");
        black_box(dup).close_owned().expect("dup/iofd: close_owned");
    })
}

fn close_ref() -> Variant {
    Variant::new("close-ref", iofd_eventfd("dup/close-ref"), |ev| {
        let dup = black_box(&*ev).fd().dup().expect("dup/close-ref: dup");
        black_box(&dup).close().expect("dup/close-ref: close");
    })
}

fn rustix() -> Variant {
    Variant::new("rustix", rustix_eventfd("dup/rustix"), |fd| {
        let dup = rustix::io::fcntl_dupfd_cloexec(black_box(&*fd), 0).expect("dup/rustix: fcntl");
        // Closed with rustix's own close(2), not `OwnedFd`'s drop (libc's).
        // SAFETY: `into_raw_fd` gave up ownership of the duplicate, which
        // nothing uses after this call.
        unsafe { rustix::io::close(black_box(dup.into_raw_fd())) };
    })
}

fn libc() -> Variant {
    Variant::new("libc", libc_eventfd("dup/libc: eventfd", 0), |fd| {
        let fd = black_box(fd.as_raw_fd());
        // SAFETY: `fd` is this variant's open eventfd; no pointer.
        let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        assert!(black_box(dup) >= 0, "dup/libc: fcntl");
        // SAFETY: `dup` was just created here and is used by nothing else.
        let closed = unsafe { libc::close(dup) };
        assert_eq!(black_box(closed), 0, "dup/libc: close");
    })
}

fn nix() -> Variant {
    use nix::fcntl::{FcntlArg, fcntl};
    use nix::sys::eventfd::{EfdFlags, EventFd};

    let flags = EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_CLOEXEC;
    let ev = EventFd::from_value_and_flags(0, flags).expect("dup/nix: EventFd");
    Variant::new("nix", ev, |ev| {
        let dup = fcntl(black_box(&*ev), FcntlArg::F_DUPFD_CLOEXEC(0)).expect("dup/nix: fcntl");
        // SAFETY: fcntl just created `dup`, and nothing else owns it.
        let dup = unsafe { OwnedFd::from_raw_fd(black_box(dup)) };
        nix::unistd::close(dup).expect("dup/nix: close");
    })
}

fn std() -> Variant {
    let file = File::from(libc_eventfd("dup/std: eventfd", 0));
    Variant::new("std", file, |file| {
        // `try_clone` is fcntl F_DUPFD_CLOEXEC; the drop closes.
        let dup = black_box(&*file).try_clone().expect("dup/std: try_clone");
        drop(black_box(dup));
    })
}

/// The floor's dup + close in a function of its own.
#[inline(never)]
fn floor_dup_close(fd: &OwnedFd) {
    let (fd, cmd) = (arg::int(fd.as_raw_fd()), arg::int(libc::F_DUPFD_CLOEXEC));
    // SAFETY: `fd` is an open eventfd the caller owns; no memory argument.
    let dup = unsafe { raw::syscall3_readonly(Sysno::fcntl, fd, cmd, 0) };
    let dup = raw::result(dup).expect("dup/call/floor: fcntl");
    // SAFETY: `dup` was just created here and is used by nothing else; no
    // memory argument.
    let closed = unsafe { raw::syscall1_readonly(Sysno::close, dup) };
    assert_eq!(closed, 0, "dup/call/floor: close");
}

/// iofd's dup + close of the owned duplicate, as a user writes it.
#[inline(never)]
fn iofd_dup_close(ev: &EventFd) {
    let dup = ev.fd().dup().expect("dup/call/iofd: dup");
    dup.close_owned().expect("dup/call/iofd: close_owned");
}

/// iofd's dup + `close(&self)`, then the drop of the closed `Fd`.
#[inline(never)]
fn iofd_dup_close_ref(ev: &EventFd) {
    let dup = ev.fd().dup().expect("dup/call/close-ref: dup");
    dup.close().expect("dup/call/close-ref: close");
}

/// rustix's dup + close (rustix's own close(2)).
#[inline(never)]
fn rustix_dup_close(fd: &OwnedFd) {
    let dup = rustix::io::fcntl_dupfd_cloexec(fd, 0).expect("dup/call/rustix: fcntl");
    // SAFETY: `into_raw_fd` gave up ownership of the duplicate, which
    // nothing uses after this call.
    unsafe { rustix::io::close(dup.into_raw_fd()) };
}

/// libc's dup + close.
#[inline(never)]
fn libc_dup_close(fd: &OwnedFd) {
    // SAFETY: `fd` is an open eventfd the caller owns; no pointer.
    let dup = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    assert!(dup >= 0, "dup/call/libc: fcntl");
    // SAFETY: `dup` was just created here and is used by nothing else.
    let closed = unsafe { libc::close(dup) };
    assert_eq!(closed, 0, "dup/call/libc: close");
}
