//! `MappedRegion`: shared mappings, their lifetime, and the access rules.

use iofd::{ErrorKind, MemFd, Prot, Seals};

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

/// Whether `/proc/self/maps` lists a mapping starting at `addr`.
fn is_mapped(addr: *const u8) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let start = format!("{:x}-", addr as usize);
    maps.lines().any(|l| l.starts_with(&start))
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
    let region = m.mmap(page, Prot::READ).unwrap();
    assert_eq!(region.len(), page);
}

#[test]
fn mapping_survives_the_memfd() {
    let m = MemFd::new("outlives").unwrap();
    m.write(b"still here").unwrap();
    let region = m.mmap(iofd::page_size(), Prot::READ).unwrap();
    m.close().unwrap();
    drop(m);
    let mut buf = [0u8; 10];
    region.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"still here");
}

#[test]
fn sealed_file_gives_a_safe_slice() {
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
        let region = m.mmap(len, Prot::READ).unwrap();
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
    assert_eq!(kind(m.mmap(usize::MAX, Prot::READ)), ErrorKind::OutOfMemory);
    // A mapping must start inside the file; it may run past the end.
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, 2 * page as u64)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(m.mmap_at(page, Prot::READ, 1 << 30)),
        ErrorKind::InvalidInput
    );
    let past = m.mmap_at(2 * page, Prot::READ, page as u64).unwrap();
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
