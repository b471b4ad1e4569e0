//! memfd: write 4 KiB at offset 0 (pwrite64(2)), then read them back
//! (pread64(2)).

use std::fs::File;
use std::hint::black_box;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::FileExt;

use iofd::raw::{self, Sysno};
use iofd::{FdGuard, MemFd};

use super::{arg, owned_from_libc, owned_from_syscall};
use crate::{Shape, Variant};

/// The bytes written and read back per iteration.
const SIZE: usize = 4096;

/// The name every memfd here is created with (it only labels the file).
const NAME: &std::ffi::CStr = c"iofd-bench";

/// A variant's file and its two buffers: what it writes, where it reads.
///
/// Both buffers start on a page of their own, in every variant: the
/// kernel's copies to and from user memory run at speeds that depend on
/// the buffers' offsets in their pages, which would otherwise differ from
/// one variant's allocation to the next and show up as differences
/// between the variants.
#[repr(C, align(4096))]
struct Io<F> {
    out: [u8; SIZE],
    back: [u8; SIZE],
    file: F,
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
    vec![
        floor(),
        iofd(),
        held_guard_loop(),
        rustix(),
        libc(),
        nix(),
        std(),
        Variant::call("floor", Io::new(raw_memfd("memfd/call/floor")), |io| {
            floor_write_read(&io.file, &io.out, &mut io.back)
        }),
        Variant::call("iofd", Io::new(iofd_memfd("memfd/call/iofd")), |io| {
            iofd_write_read(&io.file, &io.out, &mut io.back)
        }),
        held_guard_call(),
        Variant::call("rustix", Io::new(rustix_memfd("memfd/call/rustix")), |io| {
            rustix_write_read(&io.file, &io.out, &mut io.back)
        }),
        Variant::call("libc", Io::new(libc_memfd("memfd/call/libc")), |io| {
            libc_write_read(&io.file, &io.out, &mut io.back)
        }),
    ]
}

/// A memfd created with memfd_create(2) through `iofd::raw`.
fn raw_memfd(what: &str) -> OwnedFd {
    let (name, flags) = (
        arg::ptr(NAME.to_bytes_with_nul()),
        arg::uint(libc::MFD_CLOEXEC),
    );
    // SAFETY: `name` points to a NUL-terminated string the kernel reads.
    let ret = unsafe { raw::syscall2_readonly(Sysno::memfd_create, name, flags) };
    owned_from_syscall(what, ret)
}

fn iofd_memfd(what: &str) -> MemFd {
    MemFd::new("iofd-bench").unwrap_or_else(|e| panic!("{what}: MemFd::new: {e}"))
}

fn rustix_memfd(what: &str) -> OwnedFd {
    use rustix::fs::{MemfdFlags, memfd_create};

    memfd_create(NAME, MemfdFlags::CLOEXEC).unwrap_or_else(|e| panic!("{what}: memfd_create: {e}"))
}

/// A memfd created with libc's `memfd_create`.
fn libc_memfd(what: &str) -> File {
    // SAFETY: `NAME` is a NUL-terminated string.
    File::from(owned_from_libc(what, unsafe {
        libc::memfd_create(NAME.as_ptr(), libc::MFD_CLOEXEC)
    }))
}

fn floor() -> Variant {
    Variant::new("floor", Io::new(raw_memfd("memfd/floor")), |io| {
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
    Variant::new("iofd", Io::new(iofd_memfd("memfd/iofd")), |io| {
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

/// iofd with one guard held for a whole batch: each iteration is
/// `FdGuard::write_at` + `FdGuard::read_at`, the bare system calls.
fn held_guard_loop() -> Variant {
    let mut io = Io::new(iofd_memfd("memfd/held-guard"));
    Variant::batch("held-guard", Shape::Loop, move |n| {
        let io = &mut io;
        let g = black_box(&io.file)
            .fd()
            .borrow()
            .expect("memfd/held-guard: borrow");
        for _ in 0..n {
            let w = g
                .write_at(black_box(&io.out), black_box(0))
                .expect("memfd/held-guard: write_at");
            let r = g
                .read_at(black_box(&mut io.back), black_box(0))
                .expect("memfd/held-guard: read_at");
            assert!(
                black_box(moved_all(&io.back, w, r)),
                "memfd/held-guard: wrote {w}, read {r}"
            );
        }
    })
}

/// [`held_guard_loop`] with each iteration a call of [`guard_write_read`].
fn held_guard_call() -> Variant {
    let mut io = Io::new(iofd_memfd("memfd/call/held-guard"));
    Variant::batch("held-guard", Shape::Call, move |n| {
        let io = black_box(&mut io);
        let g = io
            .file
            .fd()
            .borrow()
            .expect("memfd/call/held-guard: borrow");
        for _ in 0..n {
            guard_write_read(black_box(&g), &io.out, &mut io.back);
        }
    })
}

fn rustix() -> Variant {
    Variant::new("rustix", Io::new(rustix_memfd("memfd/rustix")), |io| {
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

/// Whether a per-call round went right: both calls moved `SIZE` bytes,
/// and the last byte read back is the one written. (Each caller asserts
/// it with a message of its own and no formatted values, as user code
/// checks: nothing for the message is computed on the way.)
#[inline(always)]
fn moved_all(back: &[u8; SIZE], written: usize, read: usize) -> bool {
    written == SIZE && read == SIZE && back[SIZE - 1] == 0x5a
}

/// The floor's write + read-back in a function of its own.
#[inline(never)]
fn floor_write_read(fd: &OwnedFd, out: &[u8; SIZE], back: &mut [u8; SIZE]) {
    let (fd, len, at) = (arg::int(fd.as_raw_fd()), arg::len(SIZE), 0);
    // SAFETY: `fd` is an open memfd the caller owns, and `out` is `len`
    // readable bytes; pwrite64 writes no memory.
    let w = unsafe { raw::syscall4_readonly(Sysno::pwrite64, fd, arg::ptr(out), len, at) };
    // SAFETY: `back` is `len` writable bytes that nothing else borrows.
    let r = unsafe { raw::syscall4(Sysno::pread64, fd, arg::ptr_mut(back), len, at) };
    assert!(
        moved_all(back, w, r),
        "memfd/call/floor: short write or read"
    );
}

/// iofd's write + read-back, as a user writes it.
#[inline(never)]
fn iofd_write_read(file: &MemFd, out: &[u8; SIZE], back: &mut [u8; SIZE]) {
    let w = file.write_at(out, 0).expect("memfd/call/iofd: write_at");
    let r = file.read_at(back, 0).expect("memfd/call/iofd: read_at");
    assert!(
        moved_all(back, w, r),
        "memfd/call/iofd: short write or read"
    );
}

/// The write + read-back on a held guard: the bare system calls.
#[inline(never)]
fn guard_write_read(g: &FdGuard<'_>, out: &[u8; SIZE], back: &mut [u8; SIZE]) {
    let w = g.write_at(out, 0).expect("memfd/call/held-guard: write_at");
    let r = g.read_at(back, 0).expect("memfd/call/held-guard: read_at");
    assert!(
        moved_all(back, w, r),
        "memfd/call/held-guard: short write or read"
    );
}

/// rustix's write + read-back.
#[inline(never)]
fn rustix_write_read(fd: &OwnedFd, out: &[u8; SIZE], back: &mut [u8; SIZE]) {
    let w = rustix::io::pwrite(fd, out, 0).expect("memfd/call/rustix: pwrite");
    let r = rustix::io::pread(fd, &mut back[..], 0).expect("memfd/call/rustix: pread");
    assert!(
        moved_all(back, w, r),
        "memfd/call/rustix: short write or read"
    );
}

/// libc's write + read-back.
#[inline(never)]
fn libc_write_read(file: &File, out: &[u8; SIZE], back: &mut [u8; SIZE]) {
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is an open memfd the caller owns, and `out` is `SIZE`
    // readable bytes.
    let w = unsafe { libc::pwrite(fd, out.as_ptr().cast(), SIZE, 0) };
    // SAFETY: `back` is `SIZE` writable bytes that nothing else borrows.
    let r = unsafe { libc::pread(fd, back.as_mut_ptr().cast(), SIZE, 0) };
    let w = usize::try_from(w).expect("memfd/call/libc: pwrite");
    let r = usize::try_from(r).expect("memfd/call/libc: pread");
    assert!(
        moved_all(back, w, r),
        "memfd/call/libc: short write or read"
    );
}
