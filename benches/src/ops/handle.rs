//! What an `Fd` costs when no system call is needed: reading its number
//! (`raw()` + `is_valid()`), and refusing an operation once it is closed.

use std::hint::black_box;
use std::os::fd::AsRawFd;

use iofd::raw::{self, Sysno};
use iofd::{ErrorKind, Fd};

use super::arg;
use super::eventfd::libc_eventfd;
use crate::Variant;

pub(crate) fn raw_variants() -> Vec<Variant> {
    vec![raw_floor(), raw_iofd(), raw_std()]
}

pub(crate) fn closed_variants() -> Vec<Variant> {
    vec![closed_floor(), closed_iofd(), closed_libc()]
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
    Variant::new("std", libc_eventfd("raw/std: eventfd"), |fd| {
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
    let (rx, tx) = iofd::pipe().expect("closed/iofd: pipe");
    tx.close().expect("closed/iofd: close");
    assert_eq!(tx.raw(), -1, "closed/iofd: a closed Fd reports -1");
    Variant::new(
        "iofd",
        (rx, tx, BYTES),
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
