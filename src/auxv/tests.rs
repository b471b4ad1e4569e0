//! The choice between copies of the vector, the parsers, and the cache
//! (pure logic, also under Miri); the copies themselves, natively and
//! under qemu-user.

use std::vec::Vec;

use super::*;

/// Two distinct, page-aligned, non-zero vDSO addresses (the low 32 bits
/// on the 32-bit targets).
const X: usize = 0x7fff_1234_5000_u64 as usize;
const Y: usize = 0x7ffe_0001_0000_u64 as usize;

fn entries(vdso: usize, page_size: usize) -> Entries {
    Entries { vdso, page_size }
}

/// A copy of a vector, as the kernel writes it: (type, value) words,
/// `AT_NULL`, then (in prctl's copy) zeros.
fn vector(pairs: &[(usize, usize)], zeros: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for &(kind, value) in pairs.iter().chain(&[(AT_NULL, 0)]) {
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(&value.to_ne_bytes());
    }
    v.resize(v.len() + zeros, 0);
    v
}

#[test]
fn the_vdso_comes_from_procfs_only_and_only_if_prctl_agrees() {
    let page = 4096;
    let cases = [
        // Both agree: native Linux 6.4+.
        (Some(entries(X, page)), Some(entries(X, page)), X),
        // Linux before 6.4, or qemu-user: prctl fails.
        (Some(entries(X, page)), None, X),
        // valgrind 3.19: its /proc/self/auxv has no vDSO, prctl names the
        // host's, which valgrind has unmapped.
        (Some(entries(0, page)), Some(entries(X, page)), 0),
        // A /proc/self/auxv that names another vDSO than the kernel.
        (Some(entries(Y, page)), Some(entries(X, page)), 0),
        (Some(entries(X, page)), Some(entries(0, page)), 0),
        // No /proc/self/auxv: prctl alone cannot tell whose vector it is.
        (None, Some(entries(X, page)), 0),
        (None, None, 0),
    ];
    for (procfs, prctl, vdso) in cases {
        assert_eq!(choose(procfs, prctl).vdso, vdso, "{procfs:?} {prctl:?}");
    }
}

#[test]
fn the_page_size_comes_from_the_first_valid_copy_else_4096() {
    let cases = [
        (Some(entries(0, 16384)), Some(entries(0, 4096)), 16384),
        (None, Some(entries(0, 65536)), 65536),
        (Some(entries(0, 0)), Some(entries(0, 16384)), 16384),
        (Some(entries(0, 12288)), None, 4096), // not a power of two
        (Some(entries(0, 2048)), None, 4096),  // below any Linux page
        (None, None, 4096),
    ];
    for (procfs, prctl, page_size) in cases {
        assert_eq!(choose(procfs, prctl).page_size, page_size);
    }
}

#[test]
fn prctl_is_asked_only_to_check_a_vdso_or_for_a_missing_page_size() {
    assert!(wants_prctl(None));
    assert!(wants_prctl(Some(entries(X, 4096))));
    assert!(wants_prctl(Some(entries(0, 0))));
    assert!(!wants_prctl(Some(entries(0, 4096))));
}

#[test]
fn only_procfs_is_trusted_with_the_vdso_address() {
    let v = vector(&[(AT_SYSINFO_EHDR, X), (AT_PAGESZ, 16384)], 0);
    assert_eq!(Entries::from_file(&v, true), entries(X, 16384));
    // Any other file at that path (a chroot's, an emulator's): its page
    // size, but no address to call.
    assert_eq!(Entries::from_file(&v, false), entries(0, 16384));
}

#[test]
fn a_copy_is_read_up_to_at_null() {
    let v = vector(
        &[(16, 0xbfeb), (AT_SYSINFO_EHDR, X), (AT_PAGESZ, 16384)],
        64,
    );
    assert_eq!(Entries::parse(&v), entries(X, 16384));
    // Entries after AT_NULL are not the vector's.
    let mut late = vector(&[(AT_PAGESZ, 4096)], 0);
    late.extend_from_slice(&vector(&[(AT_SYSINFO_EHDR, X)], 0));
    assert_eq!(Entries::parse(&late), entries(0, 4096));
    // Cut short (prctl's copy larger than the buffer): what is there counts,
    // a half pair does not.
    let v = vector(&[(AT_SYSINFO_EHDR, X), (AT_PAGESZ, 4096)], 0);
    assert_eq!(Entries::parse(&v[..2 * WORD]), entries(X, 0));
    assert_eq!(Entries::parse(&v[..3 * WORD]), entries(X, 0));
    assert_eq!(Entries::parse(&v[..3 * WORD + 3]), entries(X, 0));
    assert_eq!(Entries::parse(&[]), entries(0, 0));
}

#[test]
fn the_initial_stack_is_read_past_argv_and_envp() {
    let (arg, env) = (0x1000, 0x2000);
    #[rustfmt::skip]
    let stack: [usize; 14] = [
        2, arg, arg, 0,             // argc, argv, NULL
        env, env, env, 0,           // envp, NULL
        AT_SYSINFO_EHDR, X,
        AT_PAGESZ, 65536,
        AT_NULL, 0,
    ];
    // SAFETY: `stack` is laid out as the kernel lays out the initial stack.
    let e = unsafe { from_stack(stack.as_ptr()) };
    assert_eq!(e, entries(X, 65536));
    #[rustfmt::skip]
    let bare: [usize; 6] = [0, 0, 0, AT_PAGESZ, 4096, AT_NULL];
    // SAFETY: as above: no arguments, no environment.
    assert_eq!(unsafe { from_stack(bare.as_ptr()) }, entries(0, 4096));
}

#[test]
fn the_cache_computes_once_and_publishes_both_words_together() {
    let cache = Cache::new();
    let mut calls = 0;
    let read = || {
        calls += 1;
        entries(X, 16384)
    };
    assert_eq!(cache.get(read), entries(X, 16384));
    assert_eq!(
        cache.get(|| unreachable!("computed twice")),
        entries(X, 16384)
    );
    assert_eq!(calls, 1);
}

#[test]
fn threads_racing_to_fill_the_cache_all_see_whole_values() {
    let cache = Cache::new();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let e = cache.get(|| entries(X, 4096));
                // A page size seen non-zero comes with its vDSO address.
                assert_eq!(e, entries(X, 4096));
                assert_eq!(cache.get(|| entries(X, 4096)), entries(X, 4096));
            });
        }
    });
}

/// The copies the kernel gives agree with what libc read at start-up.
#[test]
#[cfg(not(miri))]
fn the_kernels_copies_agree_with_getauxval() {
    // SAFETY: getauxval has no preconditions.
    let (vdso, page) = unsafe {
        (
            libc::getauxval(libc::AT_SYSINFO_EHDR) as usize,
            libc::getauxval(libc::AT_PAGESZ) as usize,
        )
    };
    let procfs = from_procfs().expect("/proc/self/auxv");
    assert_eq!(procfs, entries(vdso, page));
    // Linux 6.4 natively; qemu-user refuses the request.
    if let Some(prctl) = from_prctl() {
        assert_eq!(prctl, entries(vdso, page));
    }
    assert_eq!(from_kernel(), entries(vdso, page));
    assert_eq!(page_size(), page);
    assert_eq!(sysinfo_ehdr(), vdso);
}

#[test]
fn at_constants_are_the_kernels() {
    assert_eq!(AT_NULL, libc::AT_NULL as usize);
    assert_eq!(AT_PAGESZ, libc::AT_PAGESZ as usize);
    assert_eq!(AT_SYSINFO_EHDR, libc::AT_SYSINFO_EHDR as usize);
}
