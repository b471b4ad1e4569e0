//! `MemFd`: file I/O, size, names, every seal as the kernel enforces it,
//! and who may execute a memfd.

use std::process::Command;

use iofd::{ErrorKind, HugePageSize, MEMFD_NAME_MAX, MemFd, MemFdFlags, Prot, Seals};

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

fn errno<T: std::fmt::Debug>(r: iofd::Result<T>) -> i32 {
    r.expect_err("expected an error").raw_os_error()
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap()
}

/// Whether the kernel knows `MFD_NOEXEC_SEAL` (Linux 6.3), asked through
/// libc rather than the crate: `Seals::EXEC`, which that flag puts on every
/// memfd the constructors make, or nothing on an older kernel.
fn noexec_seal() -> Seals {
    // SAFETY: a NUL-terminated name; the flags are plain bits.
    let fd = unsafe { libc::memfd_create(c"probe".as_ptr(), libc::MFD_NOEXEC_SEAL) };
    if fd < 0 {
        assert_eq!(last_errno(), libc::EINVAL, "memfd_create(MFD_NOEXEC_SEAL)");
        println!("this kernel predates MFD_NOEXEC_SEAL (Linux 6.3)");
        return Seals::empty();
    }
    // SAFETY: `fd` was just opened here and is closed once.
    unsafe { libc::close(fd) };
    Seals::EXEC
}

/// `vm.memfd_noexec` of this process's pid namespace; `None` before 6.3.
fn memfd_noexec_sysctl() -> Option<u8> {
    let v = std::fs::read_to_string("/proc/sys/vm/memfd_noexec").ok()?;
    Some(v.trim().parse().unwrap())
}

/// qemu-user provides no vDSO, so no `AT_SYSINFO_EHDR`; every native
/// Linux process has one.
fn emulated() -> bool {
    // SAFETY: getauxval(3) reads the process's auxiliary vector.
    unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) == 0 }
}

/// The permission bits of the file behind `fd`.
fn mode(fd: i32) -> u32 {
    // SAFETY: a zeroed `stat` is a valid value to fill in.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `st` valid for writing.
    assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0);
    st.st_mode & 0o7777
}

/// Writes a shell script into `m`, then runs it as another process would:
/// through a read-only descriptor of this process (the writable one is
/// closed first, as exec refuses a file open for writing with `ETXTBSY`).
/// `Ok(exit code)`, or `Err(errno)` of the exec.
fn run_as_script(m: MemFd) -> Result<i32, i32> {
    m.write(b"#!/bin/sh\nexit 42\n").unwrap();
    let path = format!("/proc/self/fd/{}", m.raw());
    let ro = std::fs::File::open(path).unwrap();
    drop(m);
    use std::os::fd::AsRawFd;
    let path = format!("/proc/{}/fd/{}", std::process::id(), ro.as_raw_fd());
    // qemu-user runs the spawn's vfork as a fork: a copy of this process
    // until the exec.
    let _lock = forking();
    match Command::new(&path).status() {
        Ok(status) => Ok(status.code().unwrap()),
        Err(e) => Err(e.raw_os_error().unwrap()),
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
fn read_write_and_positional_io() {
    let m = MemFd::new("io").unwrap();
    assert_eq!(m.write(b"hello world").unwrap(), 11);
    assert_eq!(m.write_at(b"HELLO", 0).unwrap(), 5);
    let mut buf = [0u8; 5];
    assert_eq!(m.read_at(&mut buf, 6).unwrap(), 5);
    assert_eq!(&buf, b"world");
    // The file offset is at the end after the plain write.
    assert_eq!(m.read(&mut buf).unwrap(), 0);
    assert_eq!(m.size().unwrap(), 11);
    let mut all = [0u8; 11];
    m.read_at(&mut all, 0).unwrap();
    assert_eq!(&all, b"HELLO world");
}

#[test]
fn truncate_sets_the_size_and_zero_fills() {
    let m = MemFd::new("size").unwrap();
    assert_eq!(m.size().unwrap(), 0);
    m.truncate(8192).unwrap();
    assert_eq!(m.size().unwrap(), 8192);
    let mut buf = [0xffu8; 16];
    m.read_at(&mut buf, 4000).unwrap();
    assert_eq!(buf, [0; 16]);
    m.write_at(b"tail", 100).unwrap();
    m.truncate(102).unwrap();
    assert_eq!(m.size().unwrap(), 102);
    assert_eq!(m.read_at(&mut buf, 100).unwrap(), 2);
    assert_eq!(&buf[..2], b"ta");
    assert_eq!(
        kind(m.truncate(i64::MAX as u64 + 1)),
        ErrorKind::InvalidInput
    );
}

#[test]
fn names_are_kept_and_shown_by_the_kernel() {
    let m = MemFd::new("my-buffer").unwrap();
    assert_eq!(m.name(), "my-buffer");
    let link = std::fs::read_link(format!("/proc/self/fd/{}", m.raw())).unwrap();
    assert!(
        link.to_string_lossy().starts_with("/memfd:my-buffer"),
        "{link:?}"
    );

    let longest = "n".repeat(MEMFD_NAME_MAX);
    assert_eq!(MemFd::new(&longest).unwrap().name(), longest);
    assert_eq!(MemFd::new("").unwrap().name(), "");
    assert_eq!(MemFd::new("ünïcødé ✓").unwrap().name(), "ünïcødé ✓");
}

#[test]
fn bad_names_are_refused_before_the_kernel() {
    for name in [
        "n".repeat(MEMFD_NAME_MAX + 1),
        "a\0b".to_owned(),
        "\0".to_owned(),
    ] {
        let err = MemFd::new(&name).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{name:?}");
        assert_eq!(kind(MemFd::new_sealable(&name)), ErrorKind::InvalidInput);
    }
}

#[test]
fn cloexec_by_default_and_blocking() {
    let m = MemFd::new("flags").unwrap();
    assert!(m.fd().is_cloexec().unwrap());
    assert!(!m.fd().is_nonblocking().unwrap());
    let plain = MemFd::with_flags("flags", MemFdFlags::empty()).unwrap();
    assert!(!plain.fd().is_cloexec().unwrap());
}

#[test]
fn unsealable_memfd_refuses_seals() {
    let exec = noexec_seal();
    for m in [
        MemFd::new("plain").unwrap(),
        MemFd::with_flags("exact", MemFdFlags::CLOEXEC | MemFdFlags::EXEC)
            .or_else(|_| MemFd::with_flags("exact", MemFdFlags::CLOEXEC))
            .unwrap(),
    ] {
        assert!(m.seals().unwrap().contains(Seals::SEAL), "{m:?}");
        assert_eq!(errno(m.seal(Seals::WRITE)), libc::EPERM);
        assert_eq!(kind(m.seal(Seals::GROW)), ErrorKind::PermissionDenied);
    }
    // MFD_NOEXEC_SEAL made `new`'s file sealable; `new` sealed it again.
    assert_eq!(
        MemFd::new("plain").unwrap().seals().unwrap(),
        Seals::SEAL | exec
    );
}

#[test]
fn seals_accumulate() {
    let exec = noexec_seal();
    let m = MemFd::new_sealable("acc").unwrap();
    assert_eq!(m.seals().unwrap(), exec);
    m.seal(Seals::GROW).unwrap();
    m.seal(Seals::SHRINK).unwrap();
    assert_eq!(m.seals().unwrap(), exec | Seals::GROW | Seals::SHRINK);
}

#[test]
fn constructors_make_files_nobody_can_execute() {
    let exec = noexec_seal();
    for m in [
        MemFd::new("noexec").unwrap(),
        MemFd::new_sealable("noexec").unwrap(),
    ] {
        let fd = m.raw();
        if exec.is_empty() {
            // Before Linux 6.3 every memfd is created executable.
            assert_eq!(mode(fd) & 0o111, 0o111);
            continue;
        }
        assert_eq!(mode(fd) & 0o111, 0, "{m:?}");
        assert!(m.seals().unwrap().contains(Seals::EXEC));
        // F_SEAL_EXEC: the mode cannot be made executable again.
        // SAFETY: `fd` is open; fchmod reads no memory.
        assert_eq!(unsafe { libc::fchmod(fd, 0o755) }, -1);
        assert_eq!(last_errno(), libc::EPERM);
        assert_eq!(mode(fd) & 0o111, 0);
        // Not even root may execute a file without an execute bit.
        let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}")).unwrap();
        // SAFETY: a NUL-terminated path; access(2) only reads it.
        assert_eq!(unsafe { libc::access(path.as_ptr(), libc::X_OK) }, -1);
        assert_eq!(last_errno(), libc::EACCES);
        match run_as_script(m) {
            // qemu-user reports a failed exec as the child's exit status.
            Ok(127) if emulated() => {}
            ran => assert_eq!(ran, Err(libc::EACCES)),
        }
    }
}

#[test]
fn new_executable_makes_a_file_that_runs() {
    match MemFd::new_executable("program") {
        Ok(m) => {
            assert_eq!(mode(m.raw()) & 0o111, 0o111);
            let path = std::ffi::CString::new(format!("/proc/self/fd/{}", m.raw())).unwrap();
            // SAFETY: a NUL-terminated path; access(2) only reads it.
            assert_eq!(unsafe { libc::access(path.as_ptr(), libc::X_OK) }, 0);
            assert_eq!(m.seals().unwrap(), Seals::SEAL, "MFD_EXEC is not sealable");
            assert_eq!(run_as_script(m), Ok(42));
        }
        Err(e) => {
            // Only vm.memfd_noexec = 2 refuses MFD_EXEC.
            assert_eq!(e.raw_os_error(), libc::EACCES);
            assert_eq!(e.kind(), ErrorKind::PermissionDenied);
            assert_eq!(memfd_noexec_sysctl(), Some(2));
            println!("vm.memfd_noexec = 2 here: executable memfds are refused");
        }
    }
}

#[test]
fn shrink_seal_forbids_shrinking_only() {
    let m = MemFd::new_sealable("shrink").unwrap();
    m.truncate(100).unwrap();
    m.seal(Seals::SHRINK).unwrap();
    assert_eq!(errno(m.truncate(50)), libc::EPERM);
    m.truncate(200).unwrap();
    assert_eq!(m.size().unwrap(), 200);
}

#[test]
fn grow_seal_forbids_growing_only() {
    let m = MemFd::new_sealable("grow").unwrap();
    m.truncate(100).unwrap();
    m.seal(Seals::GROW).unwrap();
    assert_eq!(errno(m.truncate(101)), libc::EPERM);
    assert_eq!(
        errno(m.write_at(b"x", 100)),
        libc::EPERM,
        "writing past the end grows"
    );
    m.write_at(b"inside", 0).unwrap();
    m.truncate(10).unwrap();
    assert_eq!(m.size().unwrap(), 10);
}

#[test]
fn write_seal_forbids_every_write() {
    let _lock = sealing();
    let m = MemFd::new_sealable("write").unwrap();
    m.write(b"frozen").unwrap();
    m.seal(Seals::WRITE).unwrap();
    assert_eq!(errno(m.write(b"x")), libc::EPERM);
    assert_eq!(errno(m.write_at(b"x", 0)), libc::EPERM);
    assert_eq!(
        kind(m.mmap(6, Prot::READ | Prot::WRITE)),
        ErrorKind::PermissionDenied
    );
    let mut buf = [0u8; 6];
    m.read_at(&mut buf, 0).unwrap();
    assert_eq!(&buf, b"frozen");
}

#[test]
fn write_seal_is_refused_while_a_writable_mapping_exists() {
    let _lock = sealing();
    let (m, page) = (MemFd::new_sealable("busy").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let region = m.mmap(page, Prot::READ | Prot::WRITE).unwrap();
    assert_eq!(errno(m.seal(Seals::WRITE)), libc::EBUSY);
    region.unmap().unwrap();
    m.seal(Seals::WRITE).unwrap();
}

#[test]
fn future_write_seal_spares_existing_writable_mappings() {
    let (m, page) = (MemFd::new_sealable("future").unwrap(), iofd::page_size());
    m.truncate(page as u64).unwrap();
    let region = m.mmap(page, Prot::READ | Prot::WRITE).unwrap();
    m.seal(Seals::FUTURE_WRITE).unwrap();
    assert_eq!(errno(m.write_at(b"x", 0)), libc::EPERM);
    assert_eq!(
        kind(m.mmap(page, Prot::READ | Prot::WRITE)),
        ErrorKind::PermissionDenied
    );
    // The mapping made before the seal still writes through to the file,
    // which is why FUTURE_WRITE does not make a mapping immutable.
    region.write_at(0, b"still").unwrap();
    let mut buf = [0u8; 5];
    m.read_at(&mut buf, 0).unwrap();
    assert_eq!(&buf, b"still");
    let ro = m.mmap(page, Prot::READ).unwrap();
    assert!(!ro.is_immutable());
}

#[test]
fn seal_seal_forbids_further_seals() {
    let m = MemFd::new_sealable("final").unwrap();
    m.seal(Seals::SEAL).unwrap();
    assert_eq!(errno(m.seal(Seals::GROW)), libc::EPERM);
    assert_eq!(m.seals().unwrap(), Seals::SEAL | noexec_seal());
}

/// The huge page sizes this machine's kernel has pools for.
fn huge_page_sizes() -> Vec<u64> {
    let Ok(dir) = std::fs::read_dir("/sys/kernel/mm/hugepages") else {
        return Vec::new();
    };
    dir.map(|e| {
        let name = e.unwrap().file_name().into_string().unwrap();
        let kb = name
            .strip_prefix("hugepages-")
            .unwrap()
            .strip_suffix("kB")
            .unwrap();
        kb.parse::<u64>().unwrap() << 10
    })
    .collect()
}

/// `st_blksize` and `f_bsize` of the file behind `fd`, and whether it
/// lives on hugetlbfs.
fn block_sizes(fd: i32) -> (u64, u64, bool) {
    // SAFETY: zeroed `stat`/`statfs` are valid values to fill in.
    let (mut st, mut fs): (libc::stat, libc::statfs) = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open; both buffers are valid for writing.
    assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0);
    // SAFETY: as above.
    assert_eq!(unsafe { libc::fstatfs(fd, &mut fs) }, 0);
    let huge = fs.f_type as u64 == libc::HUGETLBFS_MAGIC as u64;
    (st.st_blksize as u64, fs.f_bsize as u64, huge)
}

#[test]
fn hugetlb_memfd_is_created_or_refused_with_a_kernel_errno() {
    // Huge pages depend on the kernel configuration; what must hold is
    // that the flag reaches the kernel and a refusal is a clean error.
    match MemFd::new_hugetlb("huge") {
        Ok(m) => {
            assert_eq!(m.name(), "huge");
            // hugetlbfs has no write(2), only mappings.
            assert_eq!(kind(m.write(b"x")), ErrorKind::InvalidInput);
            let (blksize, bsize, on_hugetlbfs) = block_sizes(m.raw());
            assert!(on_hugetlbfs);
            // Both sizes are the huge page size; the size must be a
            // multiple of it.
            assert_eq!(blksize, bsize);
            assert!(huge_page_sizes().contains(&bsize), "{bsize}");
            assert_eq!(kind(m.truncate(bsize / 2)), ErrorKind::InvalidInput);
            m.truncate(bsize).unwrap();
            // Not executable, and not sealable, as `new`'s.
            assert_eq!(mode(m.raw()) & 0o111 == 0, !noexec_seal().is_empty());
            assert_eq!(m.seals().unwrap(), Seals::SEAL | noexec_seal());
        }
        Err(e) => assert!(
            matches!(e.raw_os_error(), libc::ENOENT | libc::ENOSYS),
            "{e:?}"
        ),
    }
}

#[test]
fn every_huge_page_size_is_created_or_refused_as_the_machine_has_it() {
    let present = huge_page_sizes();
    println!("huge page sizes here: {present:?}");
    for size in HugePageSize::ALL {
        match MemFd::new_hugetlb_sized("sized", size) {
            Ok(m) => {
                assert!(present.contains(&size.bytes()), "{size:?}");
                let (blksize, bsize, on_hugetlbfs) = block_sizes(m.raw());
                assert!(on_hugetlbfs);
                assert_eq!((blksize, bsize), (size.bytes(), size.bytes()));
                assert_eq!(m.seals().unwrap(), Seals::SEAL | noexec_seal());
            }
            // No pool of that size (ENODEV), or no hugetlbfs for it.
            Err(e) => {
                assert!(!present.contains(&size.bytes()), "{size:?}: {e:?}");
                assert!(
                    matches!(e.raw_os_error(), libc::ENODEV | libc::ENOENT | libc::ENOSYS),
                    "{size:?}: {e:?}"
                );
            }
        }
    }
}

#[test]
fn an_ordinary_memfd_is_not_on_hugetlbfs() {
    let m = MemFd::new("small").unwrap();
    let (_, _, on_hugetlbfs) = block_sizes(m.raw());
    assert!(!on_hugetlbfs);
}

#[test]
fn closed_memfd_reports_closed() {
    let m = MemFd::new_sealable("closed").unwrap();
    m.close().unwrap();
    assert_eq!(m.name(), "closed");
    assert_eq!(kind(m.read(&mut [0; 1])), ErrorKind::Closed);
    assert_eq!(kind(m.write(b"x")), ErrorKind::Closed);
    assert_eq!(kind(m.read_at(&mut [0; 1], 0)), ErrorKind::Closed);
    assert_eq!(kind(m.write_at(b"x", 0)), ErrorKind::Closed);
    assert_eq!(kind(m.truncate(1)), ErrorKind::Closed);
    assert_eq!(kind(m.size()), ErrorKind::Closed);
    assert_eq!(kind(m.seal(Seals::GROW)), ErrorKind::Closed);
    assert_eq!(kind(m.seals()), ErrorKind::Closed);
    assert_eq!(
        kind(m.mmap(iofd::page_size(), Prot::READ)),
        ErrorKind::Closed
    );
}

#[test]
fn try_from_adopts_a_memfd_made_elsewhere() {
    use iofd::Fd;
    let sealable = MemFd::new_sealable("elsewhere").unwrap();
    sealable.write(b"kept").unwrap();
    sealable.seal(Seals::GROW).unwrap();
    let sealed = sealable.seals().unwrap();
    assert_eq!(sealed, Seals::GROW | noexec_seal());
    let n = sealable.raw();
    let adopted = MemFd::try_from(Fd::from(sealable)).unwrap();
    assert_eq!(adopted.raw(), n, "the same descriptor");
    assert_eq!(adopted.name(), "", "the creation name does not travel");
    assert_eq!(adopted.seals().unwrap(), sealed);
    assert_eq!(adopted.size().unwrap(), 4);
    // Not sealable: the kernel still answers F_GET_SEALS (with SEAL).
    let plain = MemFd::try_from(Fd::from(MemFd::new("plain").unwrap())).unwrap();
    assert_eq!(plain.seals().unwrap(), Seals::SEAL | noexec_seal());
}

#[test]
fn try_from_accepts_any_tmpfs_file() {
    // /dev/shm is tmpfs on Linux: its files keep seals as memfds do.
    let path = format!("/dev/shm/iofd-try-from-{}", std::process::id());
    let file = std::fs::File::create(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mem = MemFd::try_from(iofd::Fd::from(std::os::fd::OwnedFd::from(file))).unwrap();
    assert_eq!(
        mem.seals().unwrap(),
        Seals::SEAL,
        "not sealable, like a plain memfd"
    );
    mem.write(b"shm").unwrap();
    assert_eq!(mem.size().unwrap(), 3);
}

#[test]
fn try_from_refuses_other_files_and_hands_them_back_open() {
    use iofd::{EventFd, Fd};
    let disk = std::fs::File::create(concat!(env!("CARGO_TARGET_TMPDIR"), "/try-from")).unwrap();
    let (rx, _tx) = iofd::pipe().unwrap();
    let others = [
        Fd::from(EventFd::new(0).unwrap()),
        rx,
        Fd::from(std::os::fd::OwnedFd::from(disk)),
    ];
    for fd in others {
        let n = fd.raw();
        let refused = MemFd::try_from(fd).unwrap_err();
        assert_eq!(refused.error().raw_os_error(), libc::EINVAL, "fd {n}");
        assert_eq!(refused.error().kind(), ErrorKind::InvalidInput);
        assert!(refused.to_string().contains("refused as a memfd"));
        let back = refused.into_fd();
        assert_eq!(back.raw(), n);
        back.is_cloexec().expect("still open");
    }
    // A closed `Fd` is refused before the kernel, and comes back closed.
    let closed = Fd::from(MemFd::new("closed").unwrap());
    closed.close().unwrap();
    let refused = MemFd::try_from(closed).unwrap_err();
    assert_eq!(refused.error().kind(), ErrorKind::Closed);
    assert!(!refused.fd().is_valid());
    // `?` keeps the errno (and drops the descriptor).
    let via_question_mark =
        || -> iofd::Result<MemFd> { Ok(MemFd::try_from(Fd::from(EventFd::new(0)?))?) };
    assert_eq!(kind(via_question_mark()), ErrorKind::InvalidInput);
}

/// Forks; the child runs `f` and exits with its value. Returns the exit
/// code, or 128 + the signal that ended the child.
fn in_child(f: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child only runs `f`, which makes system calls and
    // allocates through glibc (whose fork handlers keep malloc usable),
    // and leaves with `_exit`, never returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(101);
        // SAFETY: ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: `status` is valid for the `int` waitpid writes.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    }
}

/// What each constructor makes under `vm.memfd_noexec` = `level`, checked
/// in a pid namespace of its own; 0, or the number of the failed check.
fn constructors_under(level: u8) -> i32 {
    if std::fs::write("/proc/sys/vm/memfd_noexec", level.to_string()).is_err() {
        return 10;
    }
    if memfd_noexec_sysctl() != Some(level) {
        return 11;
    }
    let not_executable = |m: &MemFd| mode(m.raw()) & 0o111 == 0;
    // Ours ask for MFD_NOEXEC_SEAL themselves: unaffected.
    match MemFd::new("n") {
        Ok(m) if not_executable(&m) && m.seals() == Ok(Seals::SEAL | Seals::EXEC) => {}
        _ => return 12,
    }
    match MemFd::new_sealable("s") {
        Ok(m) if not_executable(&m) && m.seals() == Ok(Seals::EXEC) => {}
        _ => return 13,
    }
    let exact = MemFd::with_flags("w", MemFdFlags::CLOEXEC);
    let executable = MemFd::new_executable("x");
    match level {
        // Neither flag means MFD_NOEXEC_SEAL, which also makes it sealable.
        1 => match exact {
            Ok(m) if not_executable(&m) && m.seals() == Ok(Seals::EXEC) => {}
            _ => return 14,
        },
        // The same from Linux 6.6; refused with EACCES before.
        _ => match exact {
            Ok(m) if not_executable(&m) => {}
            Err(e) if e.raw_os_error() == libc::EACCES => {}
            _ => return 15,
        },
    }
    match (level, executable) {
        (1, Ok(m)) if !not_executable(&m) => {}
        (2, Err(e)) if e.kind() == ErrorKind::PermissionDenied => {}
        _ => return 16,
    }
    0
}

#[test]
fn vm_memfd_noexec_decides_only_what_the_constructors_leave_open() {
    let _lock = forking();
    let Some(level) = memfd_noexec_sysctl() else {
        println!("no vm.memfd_noexec before Linux 6.3; nothing to check");
        assert!(noexec_seal().is_empty());
        return;
    };
    if level > 0 {
        println!("vm.memfd_noexec = {level} here: only higher levels are tried");
    }
    // The sysctl belongs to the pid namespace: setting it in a new one
    // leaves the rest of the machine alone. It takes CAP_SYS_ADMIN.
    let code = in_child(|| {
        // SAFETY: unshare(2) reads no memory.
        if unsafe { libc::unshare(libc::CLONE_NEWPID) } != 0 {
            return 99;
        }
        // The first child after unshare is process 1 of the namespace.
        in_child(|| {
            for try_level in (level.max(1))..=2 {
                let failed = constructors_under(try_level);
                if failed != 0 {
                    return i32::from(try_level) * 20 + failed;
                }
            }
            0
        })
    });
    if code == 99 {
        println!(
            "cannot make a pid namespace here (not root, or emulated): \
             checked only vm.memfd_noexec = {level} through the other tests"
        );
        return;
    }
    assert_eq!(code, 0, "check {} failed at level {}", code % 20, code / 20);
}
