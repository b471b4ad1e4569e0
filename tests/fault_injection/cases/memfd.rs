//! `MemFd` and `MappedRegion`.

use iofd::raw::Sysno;
use iofd::{MemFd, MemFdFlags, Prot, Seals};

use super::{Api, closed_for_good, still_open};
use crate::child::Cx;
use crate::syscalls::*;

/// One page: the size of every mapping here. Read during setup: the
/// first call reads the auxiliary vector, which is no part of the API
/// under test.
fn page() -> usize {
    iofd::page_size()
}

pub const APIS: &[Api] = &[
    api("MemFd::new", &[MEMFD_CREATE], new),
    api("MemFd::new_sealable", &[MEMFD_CREATE], new_sealable),
    api("MemFd::new_hugetlb", &[MEMFD_CREATE], new_hugetlb),
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
    // F_GET_SEALS, then statx for the size, then mmap: each a row.
    api("MemFd::mmap", &[FCNTL, STATX, MMAP], mmap),
    api("MemFd::mmap_at", &[FCNTL, STATX, MMAP], mmap_at),
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

fn new(cx: &mut Cx) {
    let r = cx.call(|| MemFd::new("fault"));
    cx.injected(r);
}

fn new_sealable(cx: &mut Cx) {
    let r = cx.call(|| MemFd::new_sealable("fault"));
    cx.injected(r);
}

fn new_hugetlb(cx: &mut Cx) {
    let r = cx.call(|| MemFd::new_hugetlb("fault"));
    cx.injected(r);
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
