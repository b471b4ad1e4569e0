//! No descriptor leaks: every public API, success and error paths, run
//! scenario by scenario while `/proc/self/fd` is compared before and after.
//!
//! One `#[test]` in its own binary, so no other test opens descriptors
//! meanwhile and the comparison is exact.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::time::Duration;

use iofd::*;

/// Descriptor number → what it refers to.
fn open_descriptors() -> BTreeMap<i32, String> {
    // Listing the directory opens one descriptor; it is in every snapshot
    // at the same number, so it cancels out.
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let n = e.file_name().to_str()?.parse().ok()?;
            let target = std::fs::read_link(e.path()).ok()?;
            Some((n, target.to_string_lossy().into_owned()))
        })
        .collect()
}

fn fd_lifecycle() {
    let (rx, tx) = pipe().unwrap();
    let d = tx.dup().unwrap();
    let g = d.borrow().unwrap();
    d.close().unwrap(); // deferred
    drop(g);
    let raw = rx.into_raw();
    // SAFETY: `into_raw` gave ownership back.
    let rx = unsafe { Fd::from_raw(raw) };
    let _ = rx.read(&mut [0; 4]).unwrap_err();
    tx.close().unwrap();
    let _ = tx.write(b"x").unwrap_err();
}

fn eventfd_ops() {
    let ev = EventFd::new(0).unwrap();
    let sem = EventFd::new_semaphore(3).unwrap();
    ev.signal(2).unwrap();
    ev.wait().unwrap();
    let _ = ev.wait().unwrap_err();
    let _ = ev.signal(u64::MAX).unwrap_err();
    let _ = ev.read(&mut [0; 7]).unwrap_err();
    sem.wait().unwrap();
    ev.close().unwrap();
}

fn timerfd_ops() {
    let t = TimerFd::new().unwrap();
    let _r = TimerFd::new_realtime().unwrap();
    let _b = TimerFd::new_boottime().unwrap();
    t.arm(Duration::from_millis(1), Duration::ZERO).unwrap();
    t.wait_blocking().unwrap();
    t.get_time().unwrap();
    let _ = t.arm(Duration::MAX, Duration::ZERO).unwrap_err();
    t.disarm().unwrap();
}

fn pidfd_ops() {
    let me = PidFd::open(getpid()).unwrap();
    let (_rx, tx) = pipe().unwrap();
    drop(me.get_fd(tx.raw()).unwrap());
    let _ = me.get_fd(1 << 20).unwrap_err();
    let _ = PidFd::open(0).unwrap_err();
    let _ = PidFd::open(i32::MAX).unwrap_err();
    me.send_signal(0).unwrap();
}

fn memfd_ops() {
    let m = MemFd::new_sealable("leaks").unwrap();
    m.write(b"data").unwrap();
    let rw = m.mmap(iofd::page_size(), Prot::READ | Prot::WRITE).unwrap();
    let _ = m.seal(Seals::WRITE).unwrap_err(); // EBUSY: a shared mapping
    drop(rw);
    m.seal(Seals::WRITE | Seals::SHRINK).unwrap();
    let _ = m.mmap(iofd::page_size(), Prot::WRITE).unwrap_err();
    let _ = m.mmap(0, Prot::READ).unwrap_err();
    let _ = m.mmap(usize::MAX, Prot::READ).unwrap_err();
    let ro = m.mmap(4, Prot::READ).unwrap();
    drop(m);
    ro.unmap().unwrap();
    let _ = MemFd::new("bad\0").unwrap_err();
    let _ = MemFd::new(&"n".repeat(300)).unwrap_err();
    drop(MemFd::new_hugetlb("huge"));
}

fn signalfd_ops() {
    let mut set = SigSet::empty();
    set.add(SIGUSR2).unwrap();
    let old = block_signals(&set).unwrap();
    let sfd = SignalFd::new(&set).unwrap();
    send_signal_to_thread(gettid(), SIGUSR2).unwrap();
    sfd.read().unwrap();
    let _ = sfd.read().unwrap_err();
    sfd.set_mask(&SigSet::empty()).unwrap();
    drop(sfd);
    set_signal_mask(&old).unwrap();
}

fn poll_ops() {
    let ev = EventFd::new(1).unwrap();
    let closed = EventFd::new(0).unwrap();
    closed.close().unwrap();
    let mut fds = [
        PollFd::new(&ev, Events::IN),
        PollFd::new(&closed, Events::IN),
    ];
    poll(&mut fds, Some(Duration::ZERO)).unwrap();
}

fn std_conversions() {
    let (rx, tx) = pipe().unwrap();
    let owned = OwnedFd::try_from(tx).unwrap();
    drop(Fd::from(owned));
    rx.close().unwrap();
    let _ = OwnedFd::try_from(rx).unwrap_err();
    drop(OwnedFd::try_from(EventFd::new(0).unwrap()).unwrap());
}

/// Every constructor failing for lack of descriptors (EMFILE) leaves
/// nothing behind.
fn out_of_descriptors() {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: valid pointers to an rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
    let in_use = open_descriptors().keys().max().copied().unwrap_or(2) as u64;
    let low = libc::rlimit {
        rlim_cur: in_use + 1,
        rlim_max: old.rlim_max,
    };
    // Fill every slot below the limit, then nothing more can be opened.
    // SAFETY: as above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &low) }, 0);
    let mut filler = Vec::new();
    while let Ok(ev) = EventFd::new(0) {
        filler.push(ev);
    }
    let emfile = |e: Error| assert_eq!(e.raw_os_error(), libc::EMFILE, "{e:?}");
    emfile(pipe().unwrap_err());
    emfile(EventFd::new(0).unwrap_err());
    emfile(TimerFd::new().unwrap_err());
    emfile(PidFd::open(getpid()).unwrap_err());
    emfile(MemFd::new("x").unwrap_err());
    emfile(SignalFd::new(&SigSet::empty()).unwrap_err());
    if let Some(ev) = filler.first() {
        emfile(ev.fd().dup().unwrap_err());
    }
    drop(filler);
    // SAFETY: as above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) }, 0);
}

#[test]
fn no_scenario_leaks_a_descriptor() {
    let scenarios: [(&str, fn()); 9] = [
        ("fd lifecycle", fd_lifecycle),
        ("eventfd", eventfd_ops),
        ("timerfd", timerfd_ops),
        ("pidfd", pidfd_ops),
        ("memfd and regions", memfd_ops),
        ("signalfd", signalfd_ops),
        ("poll", poll_ops),
        ("std conversions", std_conversions),
        ("out of descriptors", out_of_descriptors),
    ];
    let at_start = open_descriptors();
    for (name, scenario) in scenarios {
        let before = open_descriptors();
        scenario();
        let after = open_descriptors();
        assert_eq!(
            before, after,
            "scenario `{name}` changed the descriptor table"
        );
    }
    assert_eq!(open_descriptors(), at_start);
    println!("leaks: {} scenarios, no descriptor leaked", scenarios.len());
}
