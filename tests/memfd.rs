//! `MemFd`: file I/O, size, names, and every seal as the kernel enforces it.

use iofd::{ErrorKind, MEMFD_NAME_MAX, MemFd, MemFdFlags, Prot, Seals};

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

fn errno<T: std::fmt::Debug>(r: iofd::Result<T>) -> i32 {
    r.expect_err("expected an error").raw_os_error()
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
    let m = MemFd::new("plain").unwrap();
    assert_eq!(m.seals().unwrap(), Seals::SEAL);
    assert_eq!(errno(m.seal(Seals::WRITE)), libc::EPERM);
    assert_eq!(kind(m.seal(Seals::GROW)), ErrorKind::PermissionDenied);
}

#[test]
fn seals_accumulate() {
    let m = MemFd::new_sealable("acc").unwrap();
    assert_eq!(m.seals().unwrap(), Seals::empty());
    m.seal(Seals::GROW).unwrap();
    m.seal(Seals::SHRINK).unwrap();
    assert_eq!(m.seals().unwrap(), Seals::GROW | Seals::SHRINK);
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
    assert_eq!(m.seals().unwrap(), Seals::SEAL);
}

#[test]
fn hugetlb_memfd_is_created_or_refused_with_a_kernel_errno() {
    // Huge pages depend on the kernel configuration; what must hold is
    // that the flag reaches the kernel and a refusal is a clean error.
    match MemFd::new_hugetlb("huge") {
        Ok(m) => {
            assert_eq!(m.name(), "huge");
            // A huge-page file cannot be sized to a non-multiple of the
            // huge page size, unlike a normal memfd.
            assert_eq!(kind(m.write(b"x")), ErrorKind::InvalidInput);
        }
        Err(e) => assert!(
            matches!(e.raw_os_error(), libc::EINVAL | libc::ENOENT | libc::ENOSYS),
            "{e:?}"
        ),
    }
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
    let n = sealable.raw();
    let adopted = MemFd::try_from(Fd::from(sealable)).unwrap();
    assert_eq!(adopted.raw(), n, "the same descriptor");
    assert_eq!(adopted.name(), "", "the creation name does not travel");
    assert_eq!(adopted.seals().unwrap(), Seals::GROW);
    assert_eq!(adopted.size().unwrap(), 4);
    // Not sealable: the kernel still answers F_GET_SEALS (with SEAL).
    let plain = MemFd::try_from(Fd::from(MemFd::new("plain").unwrap())).unwrap();
    assert_eq!(plain.seals().unwrap(), Seals::SEAL);
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
