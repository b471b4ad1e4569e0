//! `MemFd` and `MappedRegion`.

use iofd::raw::Sysno;
use iofd::{HugePageSize, MemFd, MemFdFlags, Prot, Seals};

use super::{Api, closed_for_good, ensure, still_open};
use crate::child::Cx;
use crate::syscalls::*;

/// One page: the size of every mapping here. Read during setup: the
/// first call reads the auxiliary vector, which is no part of the API
/// under test.
fn page() -> usize {
    iofd::page_size()
}

/// memfd_create with `MFD_NOEXEC_SEAL` (falling back without it), then
/// `F_ADD_SEALS` with `F_SEAL_SEAL`.
const UNSEALABLE_NOEXEC: &[Target] = &[MEMFD_CREATE, MEMFD_CREATE_NOEXEC, FCNTL];
/// `F_GET_SEALS`, statx for the size, fstatfs for hugetlbfs, then mmap.
const MAPS: &[Target] = &[FCNTL, STATX, FSTATFS, MMAP];

pub const APIS: &[Api] = &[
    api("MemFd::new", UNSEALABLE_NOEXEC, new),
    api(
        "MemFd::new_sealable",
        &[MEMFD_CREATE, MEMFD_CREATE_NOEXEC],
        new_sealable,
    ),
    api(
        "MemFd::new_executable",
        &[MEMFD_CREATE, MEMFD_CREATE_EXEC],
        new_executable,
    ),
    api("MemFd::new_hugetlb", UNSEALABLE_NOEXEC, new_hugetlb),
    api(
        "MemFd::new_hugetlb_sized",
        UNSEALABLE_NOEXEC,
        new_hugetlb_sized,
    ),
    api("MemFd::with_flags", &[MEMFD_CREATE], with_flags),
    api("MemFd::read", &[READ], read),
    api("MemFd::write", &[WRITE], write),
    api("MemFd::read_at", &[PREAD64], read_at),
    api("MemFd::write_at", &[PWRITE64], write_at),
    api("MemFd::truncate", &[FTRUNCATE], truncate),
    api("io::Seek for MemFd", &[LSEEK], seek),
    api("MemFd::size", &[STATX], size),
    api("MemFd::seal", &[FCNTL], seal),
    api("MemFd::seals", &[FCNTL], seals),
    // F_GET_SEALS decides; a refusal hands the descriptor back.
    api("MemFd::try_from(Fd)", &[FCNTL], try_from),
    api("MemFd::mmap", MAPS, mmap),
    api("MemFd::mmap_at", MAPS, mmap_at),
    api("MemFd::mmap_past_end", MAPS, mmap_past_end),
    // Refused before mmap: nothing to unmap, nothing to leak.
    api("MemFd::mmap_at past the end", &[FCNTL, STATX], mmap_refused),
    api("MemFd::close", &[CLOSE], close),
    api("drop(MemFd)", &[CLOSE], drop_memfd),
    api("MappedRegion::unmap", &[MUNMAP], unmap),
    api("drop(MappedRegion)", &[MUNMAP], drop_region),
];

const fn api(name: &'static str, issues: &'static [Target], run: fn(&mut Cx)) -> Api {
    Api {
        name,
        issues,
        skip: &[],
        run,
    }
}

fn memfd(cx: &Cx) -> MemFd {
    cx.setup("memfd_create", MemFd::new("fault"))
}

/// A memfd one page long.
fn one_page(cx: &Cx) -> MemFd {
    let m = memfd(cx);
    cx.setup("ftruncate", m.truncate(page() as u64));
    m
}

/// Whether the cell fails memfd_create with `flag` set with `EINVAL`: the
/// answer of a kernel that lacks the flag, after which the constructor
/// must fall back to a call without it.
fn lacks(cx: &Cx, flag: Target) -> bool {
    cx.row() == Some(flag) && !cx.counting() && cx.errno() == libc::EINVAL
}

/// A constructor under test: the injected error, or, where the kernel
/// "lacks" the flag, the file made without it, whose seals are `want`
/// (the handle is closed inside the call, so no descriptor is left).
fn construct(cx: &mut Cx, flag: Target, want: Seals, make: fn() -> iofd::Result<MemFd>) {
    if lacks(cx, flag) {
        let r = cx.call(|| make().and_then(|m| m.seals()));
        ensure!(
            cx,
            r == Ok(want),
            "without the flag: {r:?}, expected Ok({want:?})"
        );
    } else {
        let r = cx.call(make);
        cx.injected(r);
    }
}

fn new(cx: &mut Cx) {
    construct(cx, MEMFD_CREATE_NOEXEC, Seals::SEAL, || MemFd::new("fault"));
}

fn new_sealable(cx: &mut Cx) {
    construct(cx, MEMFD_CREATE_NOEXEC, Seals::empty(), || {
        MemFd::new_sealable("fault")
    });
}

fn new_executable(cx: &mut Cx) {
    construct(cx, MEMFD_CREATE_EXEC, Seals::SEAL, || {
        MemFd::new_executable("fault")
    });
}

fn new_hugetlb(cx: &mut Cx) {
    construct(cx, MEMFD_CREATE_NOEXEC, Seals::SEAL, || {
        MemFd::new_hugetlb("fault")
    });
}

fn new_hugetlb_sized(cx: &mut Cx) {
    construct(cx, MEMFD_CREATE_NOEXEC, Seals::SEAL, || {
        MemFd::new_hugetlb_sized("fault", HugePageSize::HUGE_2MB)
    });
}

fn with_flags(cx: &mut Cx) {
    let r = cx.call(|| MemFd::with_flags("fault", MemFdFlags::CLOEXEC));
    cx.injected(r);
}

fn seek(cx: &mut Cx) {
    use std::io::Seek;
    let mut m = memfd(cx);
    let raw = m.raw();
    let r = cx.call(|| m.seek(std::io::SeekFrom::Start(0)));
    cx.injected(super::from_io(r));
    still_open(cx, &m, raw);
}

fn read(cx: &mut Cx) {
    let m = memfd(cx);
    let raw = m.raw();
    let r = cx.call(|| m.read(&mut [0; 8]));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn write(cx: &mut Cx) {
    let m = memfd(cx);
    let raw = m.raw();
    let r = cx.call(|| m.write(b"x"));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn read_at(cx: &mut Cx) {
    let m = memfd(cx);
    let raw = m.raw();
    let r = cx.call(|| m.read_at(&mut [0; 8], 0));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn write_at(cx: &mut Cx) {
    let m = memfd(cx);
    let raw = m.raw();
    let r = cx.call(|| m.write_at(b"x", 0));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn truncate(cx: &mut Cx) {
    let (m, len) = (memfd(cx), page() as u64);
    let raw = m.raw();
    let r = cx.call(|| m.truncate(len));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn size(cx: &mut Cx) {
    let m = memfd(cx);
    let raw = m.raw();
    let r = cx.call(|| m.size());
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn seal(cx: &mut Cx) {
    let m = cx.setup("memfd_create", MemFd::new_sealable("fault"));
    let raw = m.raw();
    let r = cx.call(|| m.seal(Seals::GROW));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn seals(cx: &mut Cx) {
    let m = memfd(cx);
    let raw = m.raw();
    let r = cx.call(|| m.seals());
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn try_from(cx: &mut Cx) {
    let fd = iofd::Fd::from(memfd(cx));
    let raw = fd.raw();
    let r = cx.call(|| MemFd::try_from(fd));
    match r {
        Ok(m) => cx.fail(format_args!("accepted {m:?} although F_GET_SEALS failed")),
        Err(refused) => {
            cx.injected(Err::<(), _>(refused.error()));
            still_open(cx, &refused.into_fd(), raw);
        }
    }
}

fn mmap(cx: &mut Cx) {
    let (m, len) = (one_page(cx), page());
    let raw = m.raw();
    // A failed mmap returns no region (nothing to unmap, nothing to use)
    // and leaves the memfd usable.
    let r = cx.call(|| m.mmap(len, Prot::READ));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn mmap_at(cx: &mut Cx) {
    let (m, len) = (one_page(cx), page());
    let raw = m.raw();
    let r = cx.call(|| m.mmap_at(len, Prot::READ | Prot::WRITE, 0));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn mmap_past_end(cx: &mut Cx) {
    let (m, len) = (one_page(cx), 2 * page());
    let raw = m.raw();
    let r = cx.call(|| m.mmap_past_end(len, Prot::READ, 0));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn mmap_refused(cx: &mut Cx) {
    let (m, len) = (one_page(cx), 2 * page());
    let raw = m.raw();
    // In a sweep, the refusal itself: `EINVAL` without mmap (forbidden).
    let r = cx.call(|| m.mmap_at(len, Prot::READ, 0));
    cx.injected(r);
    still_open(cx, &m, raw);
}

fn close(cx: &mut Cx) {
    let m = memfd(cx);
    let n = m.raw();
    let r = cx.call(|| m.close());
    cx.injected(r);
    closed_for_good(cx, &m, n, || m.size());
}

fn drop_memfd(cx: &mut Cx) {
    let m = memfd(cx);
    cx.call(|| drop(m));
}

fn unmap(cx: &mut Cx) {
    let m = one_page(cx);
    let region = cx.setup("mmap", m.mmap(page(), Prot::READ | Prot::WRITE));
    let addr = region.as_ptr() as u64;
    let r = cx.call(|| region.unmap());
    cx.injected(r);
    // `unmap` consumed the region: nothing may unmap the address again.
    cx.forbid(Sysno::munmap, addr);
}

fn drop_region(cx: &mut Cx) {
    let m = one_page(cx);
    let region = cx.setup("mmap", m.mmap(page(), Prot::READ));
    cx.call(|| drop(region));
}
