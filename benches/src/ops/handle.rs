//! What an `Fd` costs when no system call is needed: reading its number
//! (`raw()` + `is_valid()`), and refusing an operation once it is closed.

use std::hint::black_box;
use std::os::fd::{AsRawFd, OwnedFd};

use iofd::raw::{self, Sysno};
use iofd::{ErrorKind, Fd};

use super::arg;
use super::eventfd::libc_eventfd;
use crate::Variant;

pub(crate) fn raw_variants() -> Vec<Variant> {
    vec![
        raw_floor(),
        raw_iofd(),
        raw_std(),
        Variant::call("floor", 3i32, |number| floor_number(number)),
        Variant::call(
            "iofd",
            iofd::pipe().expect("raw/call/iofd: pipe"),
            |(rx, _tx)| iofd_number(rx),
        ),
        Variant::call("std", libc_eventfd("raw/call/std: eventfd", 0), |fd| {
            std_number(fd)
        }),
    ]
}

pub(crate) fn closed_variants() -> Vec<Variant> {
    vec![
        closed_floor(),
        closed_iofd(),
        closed_libc(),
        Variant::call("floor", (-1, BYTES), |(fd, bytes)| {
            floor_write_closed(*fd, bytes)
        }),
        Variant::call(
            "iofd",
            closed_pipe("closed/call/iofd"),
            |(_rx, tx, bytes)| iofd_write_closed(tx, bytes),
        ),
        Variant::call("libc", (-1, BYTES), |(fd, bytes)| {
            libc_write_closed(*fd, bytes)
        }),
    ]
}

/// A pipe whose write end is closed, and the bytes to write to it.
fn closed_pipe(what: &str) -> (Fd, Fd, [u8; 8]) {
    let (rx, tx) = iofd::pipe().unwrap_or_else(|e| panic!("{what}: pipe: {e}"));
    tx.close().unwrap_or_else(|e| panic!("{what}: close: {e}"));
    assert_eq!(tx.raw(), -1, "{what}: a closed Fd reports -1");
    (rx, tx, BYTES)
}

/// A plain `i32` read through `black_box`: the cost of the load alone.
fn raw_floor() -> Variant {
    Variant::new("floor", 3i32, |number| {
        let number = *black_box(&*number);
        assert!(black_box(number) >= 0, "raw/floor: {number}");
    })
}

fn raw_iofd() -> Variant {
    let (rx, tx) = iofd::pipe().expect("raw/iofd: pipe");
    Variant::new("iofd", (rx, tx), |(rx, _tx)| {
        let fd = black_box(&*rx);
        let (number, valid) = (fd.raw(), fd.is_valid());
        assert!(
            black_box(number) >= 0 && black_box(valid),
            "raw/iofd: {number}, {valid}"
        );
    })
}

/// `AsRawFd::as_raw_fd` on an `OwnedFd` (std has no closed state).
fn raw_std() -> Variant {
    Variant::new("std", libc_eventfd("raw/std: eventfd", 0), |fd| {
        let number = black_box(&*fd).as_raw_fd();
        assert!(black_box(number) >= 0, "raw/std: {number}");
    })
}

/// The 8 bytes every variant tries to write.
const BYTES: [u8; 8] = 1u64.to_ne_bytes();

/// write(2) on descriptor -1, which the kernel refuses with `EBADF`: what
/// a write on a closed descriptor costs when it reaches the kernel.
fn closed_floor() -> Variant {
    Variant::new("floor", BYTES, |bytes| {
        let (fd, buf) = (arg::int(black_box(-1)), arg::ptr(black_box(&*bytes)));
        // SAFETY: descriptor -1 is never open, and `buf` is 8 readable
        // bytes; write(2) writes no memory.
        let ret = unsafe { raw::syscall3_readonly(Sysno::write, fd, buf, arg::len(8)) };
        let errno = raw::result(black_box(ret)).map_err(|e| e.raw_os_error());
        assert_eq!(errno, Err(libc::EBADF), "closed/floor: write(-1)");
    })
}

/// `Fd::write` after `Fd::close`: refused with `Closed` before any system
/// call (the closed `Fd` holds no number to pass to the kernel).
fn closed_iofd() -> Variant {
    Variant::new(
        "iofd",
        closed_pipe("closed/iofd"),
        |(_rx, tx, bytes): &mut (Fd, Fd, _)| {
            let err = black_box(&*tx)
                .write(black_box(&*bytes))
                .expect_err("closed/iofd: write on a closed Fd succeeded");
            assert_eq!(
                black_box(err).kind(),
                ErrorKind::Closed,
                "closed/iofd: write"
            );
        },
    )
}

/// libc's `write` on descriptor -1, and its `errno`.
fn closed_libc() -> Variant {
    Variant::new("libc", BYTES, |bytes| {
        let buf = black_box(&*bytes);
        // SAFETY: descriptor -1 is never open, and `buf` is 8 readable bytes.
        let ret = unsafe { libc::write(black_box(-1), buf.as_ptr().cast(), buf.len()) };
        let errno = std::io::Error::last_os_error().raw_os_error();
        assert!(
            black_box(ret) == -1 && errno == Some(libc::EBADF),
            "closed/libc: write(-1) returned {ret}, errno {errno:?}"
        );
    })
}

/// The floor's number check in a function of its own.
#[inline(never)]
fn floor_number(number: &i32) {
    assert!(*number >= 0, "raw/call/floor: negative");
}

/// `Fd::raw()` + `is_valid()`, as a user writes them.
#[inline(never)]
fn iofd_number(fd: &Fd) {
    let (number, valid) = (fd.raw(), fd.is_valid());
    assert!(number >= 0 && valid, "raw/call/iofd: closed");
}

/// `AsRawFd::as_raw_fd` on an `OwnedFd`.
#[inline(never)]
fn std_number(fd: &OwnedFd) {
    let number = fd.as_raw_fd();
    assert!(number >= 0, "raw/call/std: negative");
}

/// write(2) through `iofd::raw` on `fd` (-1), which must fail with `EBADF`.
#[inline(never)]
fn floor_write_closed(fd: i32, bytes: &[u8; 8]) {
    let (fd, buf, len) = (arg::int(fd), arg::ptr(bytes), arg::len(bytes.len()));
    // SAFETY: `buf` is `len` readable bytes; write(2) writes no memory.
    let ret = unsafe { raw::syscall3_readonly(Sysno::write, fd, buf, len) };
    let errno = raw::result(ret).map_err(|e| e.raw_os_error());
    assert_eq!(errno, Err(libc::EBADF), "closed/call/floor: write(-1)");
}

/// `Fd::write` on a closed `Fd`, which must fail with `Closed`.
#[inline(never)]
fn iofd_write_closed(fd: &Fd, bytes: &[u8; 8]) {
    let err = fd
        .write(bytes)
        .expect_err("closed/call/iofd: write on a closed Fd succeeded");
    assert_eq!(err.kind(), ErrorKind::Closed, "closed/call/iofd: write");
}

/// libc's `write` on `fd` (-1), which must fail with `EBADF`.
#[inline(never)]
fn libc_write_closed(fd: i32, bytes: &[u8; 8]) {
    // SAFETY: `bytes` is 8 readable bytes.
    let ret = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    let errno = std::io::Error::last_os_error().raw_os_error();
    assert!(
        ret == -1 && errno == Some(libc::EBADF),
        "closed/call/libc: write(-1) did not fail with EBADF"
    );
}
