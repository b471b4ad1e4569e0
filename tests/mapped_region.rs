//! `MappedRegion`: mappings, their lifetime, the access rules, and what
//! can still abort a copy.

use iofd::{ErrorKind, MemFd, MemFdFlags, Prot, Seals};

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

/// The line of `/proc/self/maps` for the mapping starting at `addr`.
fn maps_line(addr: *const u8) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let start = format!("{:x}-", addr as usize);
    maps.lines()
        .find(|l| l.starts_with(&start))
        .map(str::to_owned)
}

/// Whether `/proc/self/maps` lists a mapping starting at `addr`.
fn is_mapped(addr: *const u8) -> bool {
    maps_line(addr).is_some()
}

/// The length and the `rwxp`/`rwxs` permissions of the mapping at `addr`.
fn mapping_of(addr: *const u8) -> (usize, String) {
    let line = maps_line(addr).expect("mapped");
    let mut fields = line.split_whitespace();
    let (start, end) = fields.next().unwrap().split_once('-').unwrap();
    let len = usize::from_str_radix(end, 16).unwrap() - usize::from_str_radix(start, 16).unwrap();
    (len, fields.next().unwrap().to_owned())
}

/// How many mappings `/proc/self/maps` lists for memfds named `name`.
fn memfd_mappings(name: &str) -> usize {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let path = format!("/memfd:{name} ");
    maps.lines().filter(|l| l.contains(&path)).count()
}

/// Keeps a child that is meant to die of `SIGBUS` from writing a core file.
fn no_core_dump() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `none` is a valid `rlimit` the kernel only reads.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
}

/// Forks; the child runs `f` and exits with its value. `Ok(exit code)`, or
/// `Err(signal)` if a signal ended the child.
fn in_child(f: impl FnOnce() -> i32) -> Result<i32, i32> {
    // SAFETY: the child runs only `f` (system calls and copies, no
    // allocation) and leaves with `_exit`, never returning into the test
    // harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        no_core_dump();
        let code = f();
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: `status` is valid for the `int` waitpid writes.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    if libc::WIFSIGNALED(status) {
        Err(libc::WTERMSIG(status))
    } else {
        Ok(libc::WEXITSTATUS(status))
    }
}

/// A fork copies every mapping of the process into the child, and while a
/// copy of a shared mapping lives, the kernel refuses to seal its file
/// `WRITE` (`EBUSY`). Tests that fork take this lock exclusively, tests
/// that seal `WRITE` after mapping take it shared, so no fork copies a
/// mapping of a file another test is about to seal.
static FORKS: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// The lock of a test that forks.
fn forking() -> std::sync::RwLockWriteGuard<'static, ()> {
    FORKS.write().unwrap_or_else(|e| e.into_inner())
}

/// The lock of a test that seals `WRITE`.
fn sealing() -> std::sync::RwLockReadGuard<'static, ()> {
    FORKS.read().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn mapping_sees_writes_through_the_descriptor_and_back() {
    let (m, page) = (MemFd::new("shared").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let region = m.mmap(page, Prot::READ | Prot::WRITE).unwrap();
    assert_eq!(region.len(), page);
    assert!(!region.is_empty());
    assert_eq!(region.prot(), Prot::READ | Prot::WRITE);

    m.write_at(b"from the fd", 10).unwrap();
    let mut buf = [0u8; 11];
    region.read_at(10, &mut buf).unwrap();
    assert_eq!(&buf, b"from the fd");

    region.write_at(2000, b"from the map").unwrap();
    let mut buf = [0u8; 12];
    m.read_at(&mut buf, 2000).unwrap();
    assert_eq!(&buf, b"from the map");
}

#[test]
fn two_mappings_share_the_same_pages() {
    let (m, page) = (MemFd::new("twice").unwrap(), iofd::page_size());
    m.truncate(2 * page as u64).unwrap();
    let a = m.mmap(2 * page, Prot::READ | Prot::WRITE).unwrap();
    let b = m.mmap_at(page, Prot::READ, page as u64).unwrap();
    assert_ne!(a.as_ptr(), b.as_ptr());
    a.write_at(page + 7, b"page two").unwrap();
    let mut buf = [0u8; 8];
    b.read_at(7, &mut buf).unwrap();
    assert_eq!(&buf, b"page two");
}

#[test]
fn an_empty_file_has_nothing_to_map() {
    let (m, page) = (MemFd::new("empty").unwrap(), iofd::page_size());
    assert_eq!(kind(m.mmap(page, Prot::READ)), ErrorKind::InvalidInput);
    m.truncate(1).unwrap();
    assert_eq!(kind(m.mmap(page, Prot::READ)), ErrorKind::InvalidInput);
    let region = m.mmap(1, Prot::READ).unwrap();
    assert_eq!((region.len(), region.backed_len()), (1, 1));
}

#[test]
fn mappings_past_the_end_are_refused_unless_asked_for() {
    let page = iofd::page_size();
    let m = MemFd::new("refused-past-end").unwrap();
    m.truncate(page as u64).unwrap();
    let before = memfd_mappings("refused-past-end");
    for (len, offset) in [
        (2 * page, 0),
        (page + 1, 0),
        (page, page as u64),
        (1, 1 << 30),
    ] {
        let err = m.mmap_at(len, Prot::READ, offset).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{len} at {offset}");
        assert_eq!(err.raw_os_error(), libc::EINVAL);
    }
    assert_eq!(
        memfd_mappings("refused-past-end"),
        before,
        "a refused mapping was made"
    );

    // Asked for: the copies reach what lay within the file, and no more,
    // so that touching the rest is an error instead of SIGBUS.
    let region = m
        .mmap_past_end(2 * page, Prot::READ | Prot::WRITE, 0)
        .unwrap();
    assert_eq!((region.len(), region.backed_len()), (2 * page, page));
    assert_eq!(memfd_mappings("refused-past-end"), before + 1);
    region.write_at(page - 6, b"edge!!").unwrap();
    assert_eq!(
        kind(region.read_at(page, &mut [0; 1])),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(region.write_at(page - 5, b"over!!")),
        ErrorKind::InvalidInput
    );
    assert_eq!(region.as_slice(), None);
    // Growing the file does not widen what the copies reach.
    m.truncate(2 * page as u64).unwrap();
    assert_eq!(region.backed_len(), page);
    assert_eq!(
        kind(region.read_at(page, &mut [0; 1])),
        ErrorKind::InvalidInput
    );
    match m.mmap_past_end(page, Prot::READ, 1 << 30) {
        Ok(nothing) => {
            assert_eq!(nothing.backed_len(), 0);
            nothing.read_at(0, &mut []).unwrap();
            assert_eq!(
                kind(nothing.read_at(0, &mut [0; 1])),
                ErrorKind::InvalidInput
            );
        }
        // qemu-user 7.2 emulating pages larger than its host's
        // (qemu-loongarch64: 16 KiB on 4 KiB) refuses a file mapping that
        // starts at or past the end of the file, which the kernel allows.
        // qemu maps no vDSO; every kernel this crate supports does.
        Err(e) if page > 4096 && no_vdso() => assert_eq!(e.kind(), ErrorKind::OutOfMemory),
        Err(e) => panic!("a mapping wholly past the end: {e:?}"),
    }
}

/// Whether the process has no vDSO (`AT_SYSINFO_EHDR`): under qemu-user.
fn no_vdso() -> bool {
    // SAFETY: getauxval has no preconditions.
    unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) == 0 }
}

#[test]
fn mapping_survives_the_memfd() {
    let m = MemFd::new("outlives").unwrap();
    m.write(b"still here").unwrap();
    let region = m.mmap(10, Prot::READ).unwrap();
    m.close().unwrap();
    drop(m);
    let mut buf = [0u8; 10];
    region.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"still here");
}

#[test]
fn sealed_file_gives_a_safe_slice() {
    let _lock = sealing();
    let m = MemFd::new_sealable("sealed").unwrap();
    m.write(b"immutable bytes").unwrap();
    m.seal(Seals::WRITE | Seals::SHRINK).unwrap();
    let region = m.mmap(15, Prot::READ).unwrap();
    assert!(region.is_immutable());
    assert_eq!(region.as_slice(), Some(&b"immutable bytes"[..]));
    // Growing is still allowed and does not disturb the view.
    m.truncate(1 << 20).unwrap();
    assert_eq!(region.as_slice(), Some(&b"immutable bytes"[..]));
}

#[test]
fn no_slice_without_both_seals_or_past_the_end() {
    let _lock = sealing();
    let page = iofd::page_size();
    let cases: [(Seals, u64, usize); 4] = [
        (Seals::empty(), page as u64, page),
        (Seals::WRITE, page as u64, page), // may shrink: SIGBUS possible
        (Seals::SHRINK, page as u64, page), // may change under the slice
        (Seals::WRITE | Seals::SHRINK, 100, page), // maps past the end of the file
    ];
    for (seals, size, len) in cases {
        let m = MemFd::new_sealable("partial").unwrap();
        m.truncate(size).unwrap();
        m.seal(seals).unwrap();
        let region = m.mmap_past_end(len, Prot::READ, 0).unwrap();
        assert!(!region.is_immutable(), "{seals:?} size {size} len {len}");
        assert_eq!(region.as_slice(), None);
        // Copies stay available within the file.
        let mut buf = [1u8; 8];
        region.read_at(0, &mut buf).unwrap();
        assert_eq!(buf, [0; 8]);
    }
}

#[test]
fn copies_are_bounds_checked() {
    let (m, page) = (MemFd::new("bounds").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let region = m.mmap(page, Prot::READ | Prot::WRITE).unwrap();
    assert_eq!(
        kind(region.read_at(page - 6, &mut [0u8; 7])),
        ErrorKind::InvalidInput
    );
    assert_eq!(kind(region.write_at(page, b"x")), ErrorKind::InvalidInput);
    assert_eq!(
        kind(region.write_at(usize::MAX, b"x")),
        ErrorKind::InvalidInput
    );
    region.read_at(page - 7, &mut [0u8; 7]).unwrap();
    region.write_at(page, b"").unwrap();
}

#[test]
fn copies_respect_the_protection() {
    let (m, page) = (MemFd::new("prot").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let ro = m.mmap(page, Prot::READ).unwrap();
    let err = ro.write_at(0, b"x").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(err.raw_os_error(), libc::EACCES);
    let wo = m.mmap(page, Prot::WRITE).unwrap();
    assert_eq!(
        kind(wo.read_at(0, &mut [0u8; 1])),
        ErrorKind::PermissionDenied
    );
}

#[test]
fn unmap_and_drop_remove_the_mapping() {
    let (m, page) = (MemFd::new("unmap").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let region = m.mmap(page, Prot::READ).unwrap();
    let addr = region.as_ptr();
    assert!(is_mapped(addr));
    region.unmap().unwrap();
    assert!(!is_mapped(addr));

    let region = m.mmap(page, Prot::READ).unwrap();
    let addr = region.as_ptr();
    assert!(is_mapped(addr));
    drop(region);
    assert!(!is_mapped(addr));
}

#[test]
fn unchecked_slices_see_the_bytes() {
    let (m, page) = (MemFd::new("unchecked").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let mut region = m.mmap(page, Prot::READ | Prot::WRITE).unwrap();
    // SAFETY: this test is the only user of the file and of the mapping,
    // which is readable and writable and lies within the file.
    unsafe {
        region.as_mut_slice_unchecked()[..3].copy_from_slice(b"abc");
        assert_eq!(&region.as_slice_unchecked()[..3], b"abc");
    }
    let mut buf = [0u8; 3];
    m.read_at(&mut buf, 0).unwrap();
    assert_eq!(&buf, b"abc");
}

#[test]
fn bad_mapping_arguments() {
    let _lock = sealing();
    let (m, page) = (MemFd::new_sealable("args").unwrap(), iofd::page_size());
    m.truncate(2 * page as u64).unwrap();
    assert_eq!(kind(m.mmap(0, Prot::READ)), ErrorKind::InvalidInput);
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, 1)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, page as u64 - 1)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, i64::MAX as u64 + 1)),
        ErrorKind::InvalidInput
    );
    // A mapping must lie within the file, unless asked to run past it.
    assert_eq!(
        kind(m.mmap(usize::MAX, Prot::READ)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(m.mmap_past_end(usize::MAX, Prot::READ, 0)),
        ErrorKind::OutOfMemory
    );
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, 2 * page as u64)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, 1 << 30)),
        ErrorKind::InvalidInput
    );
    let past = m.mmap_past_end(2 * page, Prot::READ, page as u64).unwrap();
    assert!(!past.is_immutable());
    // Any shared mapping made while the file was writable could be
    // mprotect()ed to writable, so the kernel refuses the WRITE seal.
    assert_eq!(
        m.seal(Seals::WRITE).unwrap_err().raw_os_error(),
        libc::EBUSY
    );
    drop(past);
    m.seal(Seals::WRITE).unwrap();
    assert_eq!(kind(m.mmap(page, Prot::WRITE)), ErrorKind::PermissionDenied);
}

#[test]
fn regions_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<iofd::MappedRegion>();
    let (m, page) = (MemFd::new("threads").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let region = m.mmap(page, Prot::READ | Prot::WRITE).unwrap();
    std::thread::scope(|s| {
        for i in 0..4u8 {
            let region = &region;
            s.spawn(move || region.write_at(usize::from(i) * 8, &[i; 8]).unwrap());
        }
    });
    let mut buf = [0u8; 32];
    region.read_at(0, &mut buf).unwrap();
    for i in 0..4u8 {
        assert_eq!(buf[usize::from(i) * 8..][..8], [i; 8]);
    }
}

#[test]
fn read_only_views_of_write_sealed_files_are_private() {
    let _lock = sealing();
    let page = iofd::page_size();
    let m = MemFd::new_sealable("private-view").unwrap();
    m.truncate(2 * page as u64).unwrap();
    m.write_at(b"sealed bytes", page as u64).unwrap();
    let rw = m.mmap(2 * page, Prot::READ | Prot::WRITE).unwrap();
    assert!(
        mapping_of(rw.as_ptr()).1.ends_with('s'),
        "shared while writable"
    );
    drop(rw);
    m.seal(Seals::WRITE | Seals::SHRINK).unwrap();

    // Linux before 6.7 refuses a shared mapping of this file; the private
    // one shows the same bytes and gives the safe slice.
    let view = m.mmap_at(page, Prot::READ, page as u64).unwrap();
    assert_eq!(mapping_of(view.as_ptr()), (page, "r--p".to_owned()));
    assert!(view.is_immutable());
    assert_eq!(&view.as_slice().unwrap()[..12], b"sealed bytes");
    let exec_view = m.mmap(2 * page, Prot::READ | Prot::EXEC).unwrap();
    assert_eq!(mapping_of(exec_view.as_ptr()).1, "r-xp");

    // Writable views stay shared, so the kernel refuses them.
    assert_eq!(
        kind(m.mmap(2 * page, Prot::READ | Prot::WRITE)),
        ErrorKind::PermissionDenied
    );
    // Without the WRITE seal, read-only views are shared, seeing writes.
    let open = MemFd::new_sealable("shared-view").unwrap();
    open.truncate(page as u64).unwrap();
    open.seal(Seals::SHRINK | Seals::FUTURE_WRITE).unwrap();
    let ro = open.mmap(page, Prot::READ).unwrap();
    assert_eq!(mapping_of(ro.as_ptr()).1, "r--s");
    assert!(!ro.is_immutable());
}

#[test]
fn a_private_view_cannot_be_written_into_the_file() {
    let _lock = sealing();
    let m = MemFd::new_sealable("mprotect").unwrap();
    m.write(b"original").unwrap();
    m.seal(Seals::WRITE | Seals::SHRINK).unwrap();
    let view = m.mmap(8, Prot::READ).unwrap();
    assert_eq!(kind(view.write_at(0, b"x")), ErrorKind::PermissionDenied);
    // Made writable by hand, the view writes into a private copy only.
    // SAFETY: the view's page is this test's alone; no slice of it lives.
    let r = unsafe {
        libc::mprotect(
            view.as_ptr() as *mut _,
            iofd::page_size(),
            libc::PROT_READ | libc::PROT_WRITE,
        )
    };
    assert_eq!(r, 0, "{}", std::io::Error::last_os_error());
    // SAFETY: now writable, and nothing else refers to the byte.
    unsafe { view.as_mut_ptr().write_volatile(b'X') };
    let mut buf = [0u8; 8];
    m.read_at(&mut buf, 0).unwrap();
    assert_eq!(&buf, b"original");
    let other = m.mmap(8, Prot::READ).unwrap();
    assert_eq!(other.as_slice(), Some(&b"original"[..]));
}

/// Starts a child holding `region`; the child waits until the parent has
/// done `act` (whose result lives until the child has ended), then reads
/// the region's last backed byte. Returns how the child ended: `Ok(0)` if
/// it read, `Err(SIGBUS)` if the read aborted.
fn read_after<T>(region: &iofd::MappedRegion, act: impl FnOnce() -> T) -> Result<i32, i32> {
    let (rx, tx) = iofd::pipe().unwrap();
    rx.set_nonblocking(false).unwrap(); // the child waits for the parent
    let last = region.backed_len() - 1;
    // SAFETY: see `in_child`; the child reads a pipe and copies a byte.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        no_core_dump();
        let mut go = [0u8; 1];
        let code = match rx.read(&mut go) {
            Ok(1) => i32::from(region.read_at(last, &mut [0u8; 1]).is_err()),
            _ => 2,
        };
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let _kept = act();
    tx.write(b"g").unwrap();
    let mut status = 0;
    // SAFETY: `status` is valid for the `int` waitpid writes.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    if libc::WIFSIGNALED(status) {
        Err(libc::WTERMSIG(status))
    } else {
        Ok(libc::WEXITSTATUS(status))
    }
}

/// Two pages, and one: the sizes the abort tests shrink files between.
fn two_pages_and_one() -> (u64, u64) {
    let page = iofd::page_size() as u64;
    (2 * page, page)
}

#[test]
fn another_holder_shrinking_the_file_aborts_copies_with_sigbus() {
    let _lock = forking();
    // The child maps nothing itself: it reads a region made before the
    // fork, while the parent (another holder of the file) shrinks it.
    let (two, one) = two_pages_and_one();
    let m = MemFd::new("shrunk").unwrap();
    m.truncate(two).unwrap();
    let region = m.mmap(two as usize, Prot::READ).unwrap();
    assert_eq!(
        read_after(&region, || m.truncate(one).unwrap()),
        Err(libc::SIGBUS)
    );
    // Private views of write-sealed files lose their pages the same way.
    let sealed = MemFd::new_sealable("shrunk-sealed").unwrap();
    sealed.truncate(two).unwrap();
    sealed.seal(Seals::WRITE).unwrap();
    let view = sealed.mmap(two as usize, Prot::READ).unwrap();
    assert_eq!(mapping_of(view.as_ptr()).1, "r--p");
    assert_eq!(
        read_after(&view, || sealed.truncate(one).unwrap()),
        Err(libc::SIGBUS)
    );
}

#[test]
fn a_shrink_seal_rules_the_abort_out() {
    let _lock = forking();
    let (two, one) = two_pages_and_one();
    let m = MemFd::new_sealable("unshrinkable").unwrap();
    m.truncate(two).unwrap();
    m.seal(Seals::SHRINK).unwrap();
    let region = m.mmap(two as usize, Prot::READ | Prot::WRITE).unwrap();
    let refused = read_after(&region, || {
        assert_eq!(m.truncate(one).unwrap_err().raw_os_error(), libc::EPERM);
    });
    assert_eq!(refused, Ok(0));
}

#[test]
fn this_process_shrinking_the_file_aborts_its_own_copies() {
    let _lock = forking();
    let (two, one) = two_pages_and_one();
    let last = two as usize - 1;
    let got = in_child(|| {
        let Ok(m) = MemFd::new("own-truncate") else {
            return 2;
        };
        let Ok(region) = m
            .truncate(two)
            .and_then(|()| m.mmap(two as usize, Prot::READ))
        else {
            return 3;
        };
        if region.read_at(last, &mut [0u8; 1]).is_err() || m.truncate(one).is_err() {
            return 4;
        }
        let _ = region.read_at(last, &mut [0u8; 1]); // SIGBUS here
        0
    });
    assert_eq!(got, Err(libc::SIGBUS));
    // Growing back in time makes the pages readable again (as zeros).
    let m = MemFd::new("regrown").unwrap();
    m.truncate(two).unwrap();
    let region = m.mmap(two as usize, Prot::READ).unwrap();
    m.truncate(one).unwrap();
    m.truncate(two).unwrap();
    let mut byte = [1u8; 1];
    region.read_at(last, &mut byte).unwrap();
    assert_eq!(byte, [0]);
}

#[test]
fn flags_of_a_sealable_noexec_file_allow_private_views_too() {
    let _lock = sealing();
    // `with_flags` with NOEXEC_SEAL makes a sealable file like
    // `new_sealable`'s (where the kernel has the flag).
    let Ok(m) = MemFd::with_flags("flags", MemFdFlags::CLOEXEC | MemFdFlags::NOEXEC_SEAL) else {
        println!("no MFD_NOEXEC_SEAL before Linux 6.3");
        return;
    };
    m.write(b"x").unwrap();
    m.seal(Seals::WRITE).unwrap();
    let view = m.mmap(1, Prot::READ).unwrap();
    assert_eq!(mapping_of(view.as_ptr()).1, "r--p");
}

/// A `/proc/meminfo` value: `HugePages_Free`, `Hugepagesize` (in kB), ...
fn meminfo(key: &str) -> u64 {
    let info = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = info.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Waits up to 5 s for `HugePages_Free` to be `want` (a child of a
/// concurrent test may still hold a copy of a mapping for a moment).
fn wait_for_free_huge_pages(want: u64) -> u64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let free = meminfo("HugePages_Free:");
        if free == want || std::time::Instant::now() > deadline {
            return free;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// At least `want` free huge pages of the default size, raising
/// `vm.nr_hugepages` if needed. A guardian process writes the old value
/// back when the pool is dropped, or when this process dies without
/// dropping it (its end of a pipe closes either way).
struct HugePool {
    /// Restores the old value when dropped; `None` if nothing was raised.
    _restorer: Option<Guardian>,
}

struct Guardian {
    old: String,
    pid: i32,
    alive: Option<iofd::Fd>,
}

const NR_HUGEPAGES: &str = "/proc/sys/vm/nr_hugepages";

impl HugePool {
    fn reserve(want: u64) -> Result<HugePool, String> {
        let free = meminfo("HugePages_Free:");
        if free >= want {
            return Ok(HugePool { _restorer: None });
        }
        let old =
            std::fs::read_to_string(NR_HUGEPAGES).map_err(|e| format!("{NR_HUGEPAGES}: {e}"))?;
        let old = old.trim().to_owned();
        let total: u64 = old.parse().unwrap();
        let pool = HugePool {
            _restorer: Some(Guardian::start(&old)),
        };
        std::fs::write(NR_HUGEPAGES, (total + want - free).to_string())
            .map_err(|e| format!("writing {NR_HUGEPAGES}: {e}"))?;
        let free = meminfo("HugePages_Free:");
        if free < want {
            return Err(format!("the kernel found only {free} free huge pages"));
        }
        println!("hugetlb: raised vm.nr_hugepages from {total} for this test");
        Ok(pool)
    }
}

impl Guardian {
    /// Forks the process that restores `old` once the pipe closes.
    fn start(old: &str) -> Guardian {
        let (rx, tx) = iofd::pipe().unwrap();
        rx.set_nonblocking(false).unwrap();
        let path = std::ffi::CString::new(NR_HUGEPAGES).unwrap();
        // SAFETY: the child only reads a pipe, writes a file with raw
        // system calls and leaves with `_exit`.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            drop(tx);
            // Read until every copy of the write end is closed.
            while rx.read(&mut [0u8; 1]).is_ok_and(|n| n > 0) {}
            // SAFETY: a NUL-terminated path; a buffer of `old.len()` bytes.
            let ok = unsafe {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY);
                fd >= 0 && libc::write(fd, old.as_ptr().cast(), old.len()) == old.len() as isize
            };
            // SAFETY: ends the child without running the parent's destructors.
            unsafe { libc::_exit(i32::from(!ok)) };
        }
        Guardian {
            old: old.to_owned(),
            pid,
            alive: Some(tx),
        }
    }
}

impl Drop for Guardian {
    fn drop(&mut self) {
        drop(self.alive.take());
        let mut status = 0;
        // SAFETY: `status` is valid for the `int` waitpid writes.
        assert_eq!(unsafe { libc::waitpid(self.pid, &mut status, 0) }, self.pid);
        // Without the privilege to raise it, the value never changed (and
        // the guardian's write failed too): it is the old one either way.
        let now = std::fs::read_to_string(NR_HUGEPAGES).unwrap();
        assert_eq!(
            now.trim(),
            self.old,
            "vm.nr_hugepages restored (guardian: {status:#x})"
        );
        println!("hugetlb: vm.nr_hugepages is {} again", self.old);
    }
}

/// qemu-user provides no vDSO, so no `AT_SYSINFO_EHDR`; every native
/// Linux process has one.
fn emulated() -> bool {
    // SAFETY: getauxval(3) reads the process's auxiliary vector.
    unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) == 0 }
}

#[test]
fn hugetlb_regions_unmap_whole_huge_pages_and_give_them_back() {
    let _lock = forking();
    let Ok(probe) = MemFd::new_hugetlb("huge-probe") else {
        println!("hugetlb: no hugetlbfs here; nothing to map");
        return;
    };
    drop(probe);
    let huge = meminfo("Hugepagesize:") << 10;
    let page = iofd::page_size();
    let pool = match HugePool::reserve(2) {
        Ok(pool) => pool,
        Err(why) => {
            println!(
                "hugetlb: cannot reserve huge pages here ({why}): checking only that mapping one fails cleanly"
            );
            let free = meminfo("HugePages_Free:");
            let m = MemFd::new_hugetlb("huge-unreserved").unwrap();
            m.truncate(huge).unwrap();
            if free == 0 {
                let err = m.mmap(page, Prot::READ | Prot::WRITE).unwrap_err();
                println!("hugetlb: mapping without free huge pages: {err}");
                assert_eq!(memfd_mappings("huge-unreserved"), 0);
            }
            return;
        }
    };
    let (free0, rsvd0) = (meminfo("HugePages_Free:"), meminfo("HugePages_Rsvd:"));
    let m = MemFd::new_hugetlb("huge-region").unwrap();
    m.truncate(huge).unwrap();
    let region = match m.mmap(page, Prot::READ | Prot::WRITE) {
        Ok(region) => region,
        Err(e) if emulated() => {
            // qemu-user places mappings itself (MAP_FIXED), at addresses
            // hugetlbfs refuses unless they are huge-page aligned.
            println!(
                "hugetlb: mapping huge pages fails under emulation ({e}); checked only that the failure is clean"
            );
            assert_eq!(memfd_mappings("huge-region"), 0);
            return;
        }
        Err(e) => panic!("mmap of a hugetlb memfd with free huge pages: {e:?}"),
    };
    // One huge page, reserved at mmap, allocated at the first touch.
    assert_eq!(region.len(), page);
    assert_eq!(
        mapping_of(region.as_ptr()),
        (huge as usize, "rw-s".to_owned())
    );
    assert_eq!(meminfo("HugePages_Rsvd:"), rsvd0 + 1);
    region.write_at(0, b"huge").unwrap();
    assert_eq!(meminfo("HugePages_Free:"), free0 - 1);
    // The copies cover the bytes asked for, not the whole huge page.
    assert_eq!(kind(region.write_at(page, b"x")), ErrorKind::InvalidInput);
    let addr = region.as_ptr();
    drop(region);
    assert!(!is_mapped(addr), "drop unmapped the whole huge page");
    drop(m);
    assert_eq!(
        wait_for_free_huge_pages(free0),
        free0,
        "the huge page came back"
    );
    assert_eq!(meminfo("HugePages_Rsvd:"), rsvd0);

    // `unmap` reports success, for a mapping of more than one huge page.
    let m = MemFd::new_hugetlb("huge-unmap").unwrap();
    m.truncate(2 * huge).unwrap();
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, page as u64)),
        ErrorKind::InvalidInput
    );
    let region = m.mmap(huge as usize + 1, Prot::READ | Prot::WRITE).unwrap();
    assert_eq!(mapping_of(region.as_ptr()).0, 2 * huge as usize);
    region.write_at(huge as usize, b"2").unwrap(); // the last byte: in the second page
    let addr = region.as_ptr();
    assert_eq!(region.unmap(), Ok(()));
    assert!(!is_mapped(addr));
    drop(m);
    assert_eq!(wait_for_free_huge_pages(free0), free0);

    // A writable mapping past the end grows a hugetlb file to cover it;
    // the copies still stop where the file ended.
    let m = MemFd::new_hugetlb("huge-grown").unwrap();
    m.truncate(huge).unwrap();
    let region = m
        .mmap_past_end(huge as usize + 1, Prot::READ | Prot::WRITE, 0)
        .unwrap();
    assert_eq!(m.size().unwrap(), 2 * huge);
    assert_eq!(region.backed_len(), huge as usize);
    assert_eq!(
        kind(region.write_at(huge as usize, b"x")),
        ErrorKind::InvalidInput
    );
    drop((region, m));
    assert_eq!(wait_for_free_huge_pages(free0), free0);

    // A write-sealed hugetlb file: a private view, and no hole punching.
    let flags = MemFdFlags::CLOEXEC | MemFdFlags::HUGETLB | MemFdFlags::ALLOW_SEALING;
    let m = MemFd::with_flags("huge-sealed", flags).unwrap();
    m.truncate(huge).unwrap();
    let w = m.mmap(huge as usize, Prot::READ | Prot::WRITE).unwrap();
    w.write_at(0, b"sealed huge").unwrap();
    drop(w);
    m.seal(Seals::WRITE | Seals::SHRINK).unwrap();
    let view = m.mmap(page, Prot::READ).unwrap();
    assert_eq!(
        mapping_of(view.as_ptr()),
        (huge as usize, "r--p".to_owned())
    );
    assert_eq!(&view.as_slice().unwrap()[..11], b"sealed huge");
    // SAFETY: fallocate(2) reads no memory.
    let punched = unsafe { libc::fallocate64(m.raw(), PUNCH_HOLE, 0, huge as i64) };
    assert_eq!(
        (punched, std::io::Error::last_os_error().raw_os_error()),
        (-1, Some(libc::EPERM))
    );
    drop((view, m));
    assert_eq!(wait_for_free_huge_pages(free0), free0);

    // Another holder punches a hole under a region of an unsealed file
    // and the pool has no page to spare: the next touch raises SIGBUS.
    if std::fs::read_to_string("/proc/sys/vm/nr_overcommit_hugepages")
        .unwrap()
        .trim()
        != "0"
    {
        println!(
            "hugetlb: vm.nr_overcommit_hugepages is set, so a fault can always get a page; not checking the hole-punch abort"
        );
    } else {
        let m = MemFd::new_hugetlb("huge-punched").unwrap();
        m.truncate(huge).unwrap();
        let region = m.mmap(huge as usize, Prot::READ | Prot::WRITE).unwrap();
        region.write_at(0, b"x").unwrap();
        let got = read_after(&region, || {
            // SAFETY: fallocate(2) reads no memory.
            assert_eq!(
                unsafe { libc::fallocate64(m.raw(), PUNCH_HOLE, 0, huge as i64) },
                0
            );
            // Take every free page, reserved by a mapping of another file.
            let free = meminfo("HugePages_Free:") - meminfo("HugePages_Rsvd:");
            let hog = MemFd::new_hugetlb("huge-hog").unwrap();
            hog.truncate(free * huge).unwrap();
            let all = hog.mmap((free * huge) as usize, Prot::READ).unwrap();
            assert_eq!(meminfo("HugePages_Free:"), meminfo("HugePages_Rsvd:"));
            (hog, all)
        });
        assert_eq!(got, Err(libc::SIGBUS));
    }
    drop(pool);
}

/// `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`.
const PUNCH_HOLE: i32 = libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE;
