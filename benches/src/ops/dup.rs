//! dup + close: duplicate a descriptor with fcntl(2) `F_DUPFD_CLOEXEC`
//! (the lowest free number), then close(2) the duplicate.
//!
//! Every variant duplicates an eventfd of its own; the kind of file makes
//! no difference to either call.

use std::fs::File;
use std::hint::black_box;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};

use iofd::raw::{self, Sysno};

use super::arg;
use super::eventfd::{libc_eventfd, raw_eventfd};
use crate::Variant;

pub(crate) fn variants() -> Vec<Variant> {
    vec![floor(), iofd(), rustix(), libc(), nix(), std()]
}

fn floor() -> Variant {
    Variant::new("floor", raw_eventfd("dup/floor: eventfd2"), |fd| {
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
    let ev = iofd::EventFd::new(0).expect("dup/iofd: EventFd::new");
    Variant::new("iofd", ev, |ev| {
        let dup = black_box(&*ev).fd().dup().expect("dup/iofd: dup");
        black_box(&dup).close().expect("dup/iofd: close");
    })
}

fn rustix() -> Variant {
    use rustix::event::{EventfdFlags, eventfd};

    let flags = EventfdFlags::NONBLOCK | EventfdFlags::CLOEXEC;
    let fd = eventfd(0, flags).expect("dup/rustix: eventfd");
    Variant::new("rustix", fd, |fd| {
        let dup = rustix::io::fcntl_dupfd_cloexec(black_box(&*fd), 0).expect("dup/rustix: fcntl");
        // Closed with rustix's own close(2), not `OwnedFd`'s drop (libc's).
        // SAFETY: `into_raw_fd` gave up ownership of the duplicate, which
        // nothing uses after this call.
        unsafe { rustix::io::close(black_box(dup.into_raw_fd())) };
    })
}

fn libc() -> Variant {
    Variant::new("libc", libc_eventfd("dup/libc: eventfd"), |fd| {
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
    let file = File::from(libc_eventfd("dup/std: eventfd"));
    Variant::new("std", file, |file| {
        // `try_clone` is fcntl F_DUPFD_CLOEXEC; the drop closes.
        let dup = black_box(&*file).try_clone().expect("dup/std: try_clone");
        drop(black_box(dup));
    })
}
