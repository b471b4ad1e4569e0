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
    let page = iofd::page_size();
    let _ = m.mmap(page, Prot::READ).unwrap_err(); // past the end: refused
    let rw = m.mmap(4, Prot::READ | Prot::WRITE).unwrap();
    drop(m.mmap_past_end(2 * page, Prot::READ, 0).unwrap());
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
    drop(MemFd::new_hugetlb_sized(
        "huge",
        iofd::HugePageSize::HUGE_16GB,
    ));
    drop(MemFd::new_executable("exec"));
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

fn socket_ops() {
    let (a, b) = socketpair().unwrap();
    let (rx, tx) = pipe().unwrap();
    let mem = MemFd::new("passed").unwrap();
    send_fds(&a, b"x", &[&rx, &tx, mem.fd()]).unwrap();
    let mut buf = [0u8; 4];
    let mut one: [Option<Fd>; 1] = [None];
    let _ = recv_fds(&b, &mut buf, &mut one).unwrap_err(); // EMSGSIZE; two closed
    let refused = MemFd::try_from(one[0].take().unwrap()).unwrap_err();
    drop(refused.into_fd());
    send_fds(&a, b"x", &[mem.fd()]).unwrap();
    let mut two: [Option<Fd>; 2] = [None, None];
    recv_fds(&b, &mut buf, &mut two).unwrap();
    drop(MemFd::try_from(two[0].take().unwrap()).unwrap());
    send_fds(&a, b"x", &[]).unwrap();
    recv_fds(&b, &mut buf, &mut []).unwrap();
    send_fds(&a, b"x", &[&tx]).unwrap();
    let _ = recv_fds(&b, &mut buf, &mut []).unwrap_err(); // no slots: closed
    drop(a);
    let _ = send_fds(&b, b"x", &[&tx]).unwrap_err(); // EPIPE
    pidfd_from_the_kernel();
}

/// `SO_PASSPIDFD` (Linux 6.5) makes the kernel add a pidfd of the sender
/// to every record received; `recv_fds` closes it. Where the option is
/// unknown (older kernels, qemu-user: `ENOPROTOOPT`) no pidfd arrives and
/// the same calls must still leave the table as it was.
fn pidfd_from_the_kernel() {
    const SO_PASSPIDFD: i32 = 76;
    let (a, b) = socketpair().unwrap();
    let on = 1_i32;
    let g = b.borrow().unwrap();
    // SAFETY: `on` is valid for the int the kernel reads.
    let r = unsafe {
        libc::setsockopt(
            g.raw(),
            libc::SOL_SOCKET,
            SO_PASSPIDFD,
            (&raw const on).cast(),
            size_of::<i32>() as libc::socklen_t,
        )
    };
    drop(g);
    if r != 0 {
        let err = std::io::Error::last_os_error();
        assert_eq!(err.raw_os_error(), Some(libc::ENOPROTOOPT), "{err}");
    }
    let ev = EventFd::new(0).unwrap();
    send_fds(&a, b"x", &[ev.fd()]).unwrap();
    let mut slots: [Option<Fd>; 2] = [None, None];
    assert_eq!(
        recv_fds(&b, &mut [0; 4], &mut slots).unwrap(),
        (1, 1),
        "only the descriptor sent"
    );
    assert!(
        slots[1].is_none(),
        "the pidfd is not handed out as a sent descriptor"
    );
}

fn poll_ops() {
    let ev = EventFd::new(1).unwrap();
    let closed = EventFd::new(0).unwrap();
    closed.close().unwrap();
    let mut fds = [
        PollFd::new(&ev, Events::IN),
        PollFd::new(&closed, Events::IN),
    ];
    let err = poll(&mut fds, Some(Duration::ZERO)).unwrap_err();
    assert_eq!(err.kind(), iofd::ErrorKind::Closed);
    poll(&mut fds[..1], Some(Duration::ZERO)).unwrap();
}

fn epoll_ops() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    epoll.add(&ev, EpollFlags::IN, 1).unwrap();
    let _ = epoll.add(&ev, EpollFlags::IN, 1).unwrap_err();
    let _ = epoll
        .add(&MemFd::new("leaks").unwrap(), EpollFlags::IN, 2)
        .unwrap_err();
    epoll.wait(&mut [EpollEvent::default(); 2], None).unwrap();
    let inner = Epoll::new().unwrap();
    epoll.add(&inner, EpollFlags::IN, 3).unwrap();
    let _ = inner.add(&epoll, EpollFlags::IN, 4).unwrap_err();
    drop(inner);
    epoll.close().unwrap();
    let _ = epoll
        .wait(&mut [EpollEvent::default(); 2], None)
        .unwrap_err();
    drop(OwnedFd::try_from(Epoll::new().unwrap()).unwrap());
}

fn child_waits() {
    // Reaped through the pidfd.
    let child = std::process::Command::new("/bin/sh")
        .args(["-c", "exit 4"])
        .spawn();
    let pidfd = PidFd::open(child.unwrap().id() as i32).unwrap();
    assert_eq!(pidfd.wait().unwrap().code(), Some(4));
    let _ = pidfd.try_wait().unwrap_err();
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
    // A record with a descriptor, waiting to be received at the limit.
    let (a, b) = socketpair().unwrap();
    send_fds(&a, b"x", &[&a]).unwrap();
    let in_use = open_descriptors().keys().max().copied().unwrap_or(2) as libc::rlim_t;
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
    emfile(MemFd::new_sealable("x").unwrap_err());
    emfile(SignalFd::new(&SigSet::empty()).unwrap_err());
    emfile(Epoll::new().unwrap_err());
    emfile(socketpair().unwrap_err());
    // The kernel cannot install the descriptor: MSG_CTRUNC, nothing leaked.
    let mut slot: [Option<Fd>; 1] = [None];
    let e = recv_fds(&b, &mut [0; 1], &mut slot).unwrap_err();
    assert_eq!(e.raw_os_error(), libc::EMSGSIZE, "{e:?}");
    assert!(slot[0].is_none());
    if let Some(ev) = filler.first() {
        emfile(ev.fd().dup().unwrap_err());
    }
    // With one slot free, the epoll is made but its waker is not: the
    // epoll is closed again.
    drop(filler.pop());
    emfile(Epoll::new().unwrap_err());
    drop(filler);
    // SAFETY: as above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) }, 0);
}

#[test]
fn no_scenario_leaks_a_descriptor() {
    let scenarios: [(&str, fn()); 12] = [
        ("fd lifecycle", fd_lifecycle),
        ("eventfd", eventfd_ops),
        ("timerfd", timerfd_ops),
        ("pidfd", pidfd_ops),
        ("memfd and regions", memfd_ops),
        ("signalfd", signalfd_ops),
        ("descriptor passing", socket_ops),
        ("poll", poll_ops),
        ("epoll", epoll_ops),
        ("child waits", child_waits),
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
