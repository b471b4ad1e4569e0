//! memfd: write 4 KiB at offset 0 (pwrite64(2)), then read them back
//! (pread64(2)).

use std::fs::File;
use std::hint::black_box;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

use iofd::raw::{self, Sysno};

use super::{arg, owned_from_libc, owned_from_syscall};
use crate::Variant;

/// The bytes written and read back per iteration.
const SIZE: usize = 4096;

/// The name every memfd here is created with (it only labels the file).
const NAME: &std::ffi::CStr = c"iofd-bench";

/// A variant's file and its two buffers: what it writes, where it reads.
struct Io<F> {
    file: F,
    out: [u8; SIZE],
    back: [u8; SIZE],
}

impl<F> Io<F> {
    fn new(file: F) -> Io<F> {
        Io {
            file,
            out: [0x5a; SIZE],
            back: [0; SIZE],
        }
    }
}

/// Checks one round: both calls moved `SIZE` bytes, and the last byte
/// read back is the one written.
#[track_caller]
fn check<F>(variant: &str, io: &Io<F>, written: usize, read: usize) {
    assert!(
        black_box(written) == SIZE && black_box(read) == SIZE && io.back[SIZE - 1] == 0x5a,
        "memfd/{variant}: wrote {written}, read {read}"
    );
}

pub(crate) fn variants() -> Vec<Variant> {
    vec![floor(), iofd(), rustix(), libc(), nix(), std()]
}

/// A memfd created with libc's `memfd_create`.
fn libc_memfd(what: &str) -> File {
    // SAFETY: `NAME` is a NUL-terminated string.
    File::from(owned_from_libc(what, unsafe {
        libc::memfd_create(NAME.as_ptr(), libc::MFD_CLOEXEC)
    }))
}

fn floor() -> Variant {
    let (name, flags) = (
        arg::ptr(NAME.to_bytes_with_nul()),
        arg::uint(libc::MFD_CLOEXEC),
    );
    // SAFETY: `name` points to a NUL-terminated string the kernel reads.
    let ret = unsafe { raw::syscall2_readonly(Sysno::memfd_create, name, flags) };
    let fd = owned_from_syscall("memfd/floor: memfd_create", ret);
    Variant::new("floor", Io::new(fd), |io| {
        let fd = arg::int(black_box(io.file.as_raw_fd()));
        let (out, len, at) = (arg::ptr(black_box(&io.out)), arg::len(SIZE), 0);
        // SAFETY: `fd` is this variant's open memfd, and `out` is `len`
        // readable bytes; pwrite64 writes no memory.
        let w = unsafe { raw::syscall4_readonly(Sysno::pwrite64, fd, out, len, at) };
        let back = arg::ptr_mut(black_box(&mut io.back));
        // SAFETY: `back` is `len` writable bytes that nothing else borrows.
        let r = unsafe { raw::syscall4(Sysno::pread64, fd, back, len, at) };
        check("floor", io, w, r);
    })
}

fn iofd() -> Variant {
    let file = iofd::MemFd::new("iofd-bench").expect("memfd/iofd: MemFd::new");
    Variant::new("iofd", Io::new(file), |io| {
        let file = black_box(&io.file);
        let w = file
            .write_at(black_box(&io.out), black_box(0))
            .expect("memfd/iofd: write_at");
        let r = file
            .read_at(black_box(&mut io.back), black_box(0))
            .expect("memfd/iofd: read_at");
        check("iofd", io, w, r);
    })
}

fn rustix() -> Variant {
    use rustix::fs::{MemfdFlags, memfd_create};

    let fd = memfd_create(NAME, MemfdFlags::CLOEXEC).expect("memfd/rustix: memfd_create");
    Variant::new("rustix", Io::new(fd), |io| {
        let fd = black_box(&io.file);
        let w =
            rustix::io::pwrite(fd, black_box(&io.out), black_box(0)).expect("memfd/rustix: pwrite");
        let back = &mut black_box(&mut io.back)[..];
        let r = rustix::io::pread(fd, back, black_box(0)).expect("memfd/rustix: pread");
        check("rustix", io, w, r);
    })
}

fn libc() -> Variant {
    let fd = libc_memfd("memfd/libc: memfd_create");
    Variant::new("libc", Io::new(fd), |io| {
        let fd = black_box(io.file.as_raw_fd());
        let out = black_box(&io.out);
        // SAFETY: `fd` is this variant's open memfd, and `out` is `SIZE`
        // readable bytes.
        let w = unsafe { libc::pwrite(fd, out.as_ptr().cast(), SIZE, black_box(0)) };
        let back = black_box(&mut io.back);
        // SAFETY: `back` is `SIZE` writable bytes that nothing else borrows.
        let r = unsafe { libc::pread(fd, back.as_mut_ptr().cast(), SIZE, black_box(0)) };
        let (w, r) = (usize::try_from(w), usize::try_from(r));
        let (w, r) = (
            w.expect("memfd/libc: pwrite"),
            r.expect("memfd/libc: pread"),
        );
        check("libc", io, w, r);
    })
}

fn nix() -> Variant {
    use nix::sys::memfd::{MFdFlags, memfd_create};
    use nix::sys::uio::{pread, pwrite};

    let fd = memfd_create(NAME, MFdFlags::MFD_CLOEXEC).expect("memfd/nix: memfd_create");
    Variant::new("nix", Io::new(fd), |io| {
        let fd = black_box(&io.file);
        let w = pwrite(fd, black_box(&io.out), black_box(0)).expect("memfd/nix: pwrite");
        let r = pread(fd, black_box(&mut io.back), black_box(0)).expect("memfd/nix: pread");
        check("nix", io, w, r);
    })
}

fn std() -> Variant {
    let file = libc_memfd("memfd/std: memfd_create");
    Variant::new("std", Io::new(file), |io| {
        let file = black_box(&io.file);
        let w = file
            .write_at(black_box(&io.out), black_box(0))
            .expect("memfd/std: write_at");
        let r = file
            .read_at(black_box(&mut io.back), black_box(0))
            .expect("memfd/std: read_at");
        check("std", io, w, r);
    })
}
