//! `Epoll`: readiness and tokens for every handle kind, triggering modes,
//! nesting, closing registered handles, closing the epoll under waiting
//! threads, and timeouts.

use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use iofd::{
    Epoll, EpollEvent, EpollFlags, ErrorKind, EventFd, Fd, Handle, MemFd, PidFd, SIGUSR2, SigSet,
    SignalFd, TimerFd, pipe,
};

const SECOND: Option<Duration> = Some(Duration::from_secs(1));
const NOW: Option<Duration> = Some(Duration::ZERO);
/// Far longer than any wake-up takes.
const LONG: Duration = Duration::from_secs(5);

/// `(token, flags)` of every event one wait reports.
fn wait(epoll: &Epoll, timeout: Option<Duration>) -> Vec<(u64, EpollFlags)> {
    let mut events = [EpollEvent::default(); 16];
    let n = epoll.wait(&mut events, timeout).unwrap();
    events[..n].iter().map(|e| (e.token(), e.flags())).collect()
}

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

/// Whether `/proc/self/fdinfo/<fd>` is an epoll with a registration under
/// `token`: a token no other test uses tells this epoll from any other
/// that may have reused the number.
fn epoll_open_with(fd: i32, token: u64) -> bool {
    std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}"))
        .is_ok_and(|info| info.contains(&format!("data: {token:16x}")))
}

#[test]
fn an_eventfd_reports_in_under_its_token() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(0).unwrap();
    epoll.add(&ev, EpollFlags::IN, 11).unwrap();
    assert_eq!(wait(&epoll, NOW), []);
    ev.signal(1).unwrap();
    assert_eq!(wait(&epoll, SECOND), [(11, EpollFlags::IN)]);
}

#[test]
fn a_timerfd_reports_in_when_it_expires() {
    let epoll = Epoll::new().unwrap();
    let timer = TimerFd::new().unwrap();
    epoll.add(&timer, EpollFlags::IN, 12).unwrap();
    timer.arm(Duration::from_millis(5), Duration::ZERO).unwrap();
    assert_eq!(wait(&epoll, SECOND), [(12, EpollFlags::IN)]);
    assert_eq!(timer.expirations().unwrap(), 1);
    assert_eq!(wait(&epoll, NOW), []);
}

#[test]
fn a_pidfd_reports_in_once_its_child_exited() {
    // Reaped through the pidfd.
    let child = Command::new("/bin/sh").args(["-c", "exit 0"]).spawn();
    let pidfd = PidFd::open(child.unwrap().id() as i32).unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&pidfd, EpollFlags::IN, 13).unwrap();
    assert_eq!(
        wait(&epoll, Some(Duration::from_secs(10))),
        [(13, EpollFlags::IN)]
    );
    assert!(pidfd.wait().unwrap().success());
}

#[test]
fn a_signalfd_reports_in_for_a_pending_signal() {
    let mut usr2 = SigSet::empty();
    usr2.add(SIGUSR2).unwrap();
    let old = iofd::block_signals(&usr2).unwrap();
    let sfd = SignalFd::new(&usr2).unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&sfd, EpollFlags::IN, 14).unwrap();
    assert_eq!(wait(&epoll, NOW), []);
    // A signal for this thread: the signalfd is polled in the context of
    // the thread that waits, which is this one.
    iofd::send_signal_to_thread(iofd::gettid(), SIGUSR2).unwrap();
    assert_eq!(wait(&epoll, SECOND), [(14, EpollFlags::IN)]);
    assert_eq!(sfd.read().unwrap().signo(), SIGUSR2);
    assert_eq!(wait(&epoll, NOW), []);
    iofd::set_signal_mask(&old).unwrap();
}

#[test]
fn a_pipe_reports_in_out_and_hang_up() {
    let epoll = Epoll::new().unwrap();
    let (rx, tx) = pipe().unwrap();
    epoll.add(&rx, EpollFlags::IN, 15).unwrap();
    epoll.add(&tx, EpollFlags::OUT, 16).unwrap();
    assert_eq!(wait(&epoll, NOW), [(16, EpollFlags::OUT)]);
    tx.write(b"x").unwrap();
    let mut got = wait(&epoll, NOW);
    got.sort_unstable_by_key(|&(token, _)| token);
    assert_eq!(got, [(15, EpollFlags::IN), (16, EpollFlags::OUT)]);
    rx.read(&mut [0; 1]).unwrap();
    epoll.delete(&tx).unwrap();
    drop(tx);
    // HUP is reported without being asked for. Not necessarily at once: a
    // child that another test is spawning holds every descriptor of this
    // process, the write end too, from its fork until its exec (which
    // under qemu-user takes a while).
    assert_eq!(wait(&epoll, SECOND), [(15, EpollFlags::HUP)]);
}

#[test]
fn a_memfd_cannot_be_added() {
    let epoll = Epoll::new().unwrap();
    let memfd = MemFd::new("epoll").unwrap();
    let err = epoll.add(&memfd, EpollFlags::IN, 17).unwrap_err();
    assert_eq!(err.raw_os_error(), libc::EPERM);
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
}

#[test]
fn level_triggered_reports_at_every_wait_while_ready() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    epoll.add(&ev, EpollFlags::IN, 21).unwrap();
    for _ in 0..3 {
        assert_eq!(wait(&epoll, NOW), [(21, EpollFlags::IN)]);
    }
    ev.wait().unwrap();
    assert_eq!(wait(&epoll, NOW), []);
}

#[test]
fn edge_triggered_reports_once_per_change() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    epoll.add(&ev, EpollFlags::IN | EpollFlags::ET, 22).unwrap();
    assert_eq!(wait(&epoll, NOW), [(22, EpollFlags::IN)]);
    assert_eq!(wait(&epoll, NOW), [], "still ready, but no new edge");
    ev.signal(1).unwrap();
    assert_eq!(wait(&epoll, NOW), [(22, EpollFlags::IN)]);
}

#[test]
fn oneshot_reports_once_until_modify_rearms_it() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    let oneshot = EpollFlags::IN | EpollFlags::ONESHOT;
    epoll.add(&ev, oneshot, 23).unwrap();
    assert_eq!(wait(&epoll, NOW), [(23, EpollFlags::IN)]);
    ev.signal(1).unwrap();
    assert_eq!(wait(&epoll, NOW), [], "disabled after one report");
    epoll.modify(&ev, oneshot, 24).unwrap();
    assert_eq!(wait(&epoll, NOW), [(24, EpollFlags::IN)]);
    assert_eq!(wait(&epoll, NOW), []);
}

#[test]
fn modify_replaces_the_flags_and_the_token() {
    let epoll = Epoll::new().unwrap();
    let (_rx, tx) = pipe().unwrap();
    epoll.add(&tx, EpollFlags::IN, 25).unwrap();
    assert_eq!(
        wait(&epoll, NOW),
        [],
        "a pipe's write end is never readable"
    );
    epoll.modify(&tx, EpollFlags::OUT, 26).unwrap();
    assert_eq!(wait(&epoll, NOW), [(26, EpollFlags::OUT)]);
}

#[test]
fn delete_stops_the_reports() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    epoll.add(&ev, EpollFlags::IN, 27).unwrap();
    assert_eq!(wait(&epoll, NOW).len(), 1);
    epoll.delete(&ev).unwrap();
    assert_eq!(wait(&epoll, NOW), []);
    assert_eq!(kind(epoll.delete(&ev)), ErrorKind::NotFound);
}

#[test]
fn a_wait_fills_at_most_its_slice() {
    let epoll = Epoll::new().unwrap();
    let evs: Vec<EventFd> = (0..3).map(|_| EventFd::new(1).unwrap()).collect();
    for (i, ev) in evs.iter().enumerate() {
        epoll.add(ev, EpollFlags::IN, 30 + i as u64).unwrap();
    }
    let mut two = [EpollEvent::default(); 2];
    assert_eq!(epoll.wait(&mut two, NOW).unwrap(), 2);
    let mut tokens: Vec<u64> = two.iter().map(EpollEvent::token).collect();
    // Level-triggered items go to the back of the ready list, so the next
    // wait reports the one left out first.
    let mut one = [EpollEvent::default(); 1];
    assert_eq!(epoll.wait(&mut one, NOW).unwrap(), 1);
    tokens.push(one[0].token());
    tokens.sort_unstable();
    assert_eq!(tokens, [30, 31, 32]);
}

#[test]
fn a_wait_is_woken_by_another_thread() {
    let epoll = Arc::new(Epoll::new().unwrap());
    let ev = Arc::new(EventFd::new(0).unwrap());
    epoll.add(&*ev, EpollFlags::IN, 41).unwrap();
    let remote = Arc::clone(&ev);
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        remote.signal(5)
    });
    assert_eq!(wait(&epoll, None), [(41, EpollFlags::IN)]);
    t.join().unwrap().unwrap();
    assert_eq!(ev.wait().unwrap(), 5);
}

#[test]
fn an_epoll_nests_inside_another() {
    let (outer, inner) = (Epoll::new().unwrap(), Epoll::new().unwrap());
    let ev = EventFd::new(0).unwrap();
    inner.add(&ev, EpollFlags::IN, 51).unwrap();
    outer.add(&inner, EpollFlags::IN, 52).unwrap();
    assert_eq!(wait(&outer, NOW), []);
    ev.signal(1).unwrap();
    assert_eq!(wait(&outer, SECOND), [(52, EpollFlags::IN)]);
    assert_eq!(wait(&inner, NOW), [(51, EpollFlags::IN)]);
}

#[test]
fn a_cycle_of_epolls_is_refused_with_eloop() {
    let (a, b) = (Epoll::new().unwrap(), Epoll::new().unwrap());
    a.add(&b, EpollFlags::IN, 53).unwrap();
    let err = b.add(&a, EpollFlags::IN, 54).unwrap_err();
    assert_eq!(err.raw_os_error(), libc::ELOOP);
    assert_eq!(err.kind(), ErrorKind::Other);
    assert_eq!(kind(a.add(&a, EpollFlags::IN, 55)), ErrorKind::InvalidInput);
}

#[test]
fn closing_a_registered_handle_removes_it() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    epoll.add(&ev, EpollFlags::IN, 61).unwrap();
    assert_eq!(wait(&epoll, NOW), [(61, EpollFlags::IN)]);
    ev.close().unwrap();
    assert_eq!(wait(&epoll, NOW), [], "no event for a closed handle");
    assert_eq!(kind(epoll.add(&ev, EpollFlags::IN, 62)), ErrorKind::Closed);
}

#[test]
fn a_duplicate_keeps_a_closed_handle_registered() {
    // The kernel removes a registration with the last descriptor of the
    // open file, as the docs warn.
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    epoll.add(&ev, EpollFlags::IN, 63).unwrap();
    let dup = ev.fd().dup().unwrap();
    ev.close().unwrap();
    assert_eq!(wait(&epoll, NOW), [(63, EpollFlags::IN)]);
    drop(dup);
    assert_eq!(wait(&epoll, NOW), []);
}

#[test]
fn close_wakes_a_waiting_thread_with_closed_within_100_ms() {
    const MARK: u64 = 0x5eed_0000_0000_0071;
    let epoll = Arc::new(Epoll::new().unwrap());
    let (rx, _tx) = pipe().unwrap();
    epoll.add(&rx, EpollFlags::IN, MARK).unwrap();
    let n = epoll.raw();
    assert!(epoll_open_with(n, MARK));
    let waiter = Arc::clone(&epoll);
    let t = thread::spawn(move || {
        // Bounded, so that a close that fails to wake fails the test
        // instead of hanging it.
        let r = waiter.wait(&mut [EpollEvent::default(); 4], Some(LONG));
        (r, Instant::now())
    });
    thread::sleep(Duration::from_millis(50)); // let it block in the kernel
    let closed_at = Instant::now();
    epoll.close().unwrap();
    assert_eq!(epoll.raw(), -1);
    let (r, returned_at) = t.join().unwrap();
    assert_eq!(kind(r), ErrorKind::Closed);
    let delay = returned_at - closed_at;
    assert!(delay < Duration::from_millis(100), "woke after {delay:?}");
    // The waiter was the last user: its return closed the descriptor.
    assert!(!epoll_open_with(n, MARK), "descriptor {n} still open");
}

#[test]
fn close_wakes_every_waiting_thread() {
    let epoll = Arc::new(Epoll::new().unwrap());
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let waiter = Arc::clone(&epoll);
            thread::spawn(move || waiter.wait(&mut [EpollEvent::default(); 4], Some(LONG)))
        })
        .collect();
    thread::sleep(Duration::from_millis(50));
    epoll.close().unwrap();
    for t in waiters {
        assert_eq!(kind(t.join().unwrap()), ErrorKind::Closed);
    }
}

#[test]
fn handle_close_wakes_waiters_too() {
    let epoll = Arc::new(Epoll::new().unwrap());
    let waiter = Arc::clone(&epoll);
    let t = thread::spawn(move || waiter.wait(&mut [EpollEvent::default(); 4], Some(LONG)));
    thread::sleep(Duration::from_millis(50));
    let generic: &dyn Handle = &*epoll;
    generic.close().unwrap();
    assert_eq!(kind(t.join().unwrap()), ErrorKind::Closed);
}

#[test]
fn the_kernel_close_waits_for_the_last_waiter() {
    // Closing through the descriptor does not wake: the waiter stays in
    // the kernel, and the descriptor stays open until it returns.
    const MARK: u64 = 0x5eed_0000_0000_0072;
    let epoll = Arc::new(Epoll::new().unwrap());
    let (rx, tx) = pipe().unwrap();
    epoll.add(&rx, EpollFlags::IN, MARK).unwrap();
    let n = epoll.raw();
    let waiter = Arc::clone(&epoll);
    let t = thread::spawn(move || wait(&waiter, Some(Duration::from_secs(10))));
    thread::sleep(Duration::from_millis(50));
    epoll.fd().close().unwrap();
    assert_eq!(epoll.raw(), -1);
    thread::sleep(Duration::from_millis(100));
    assert!(!t.is_finished(), "closing through fd() woke the waiter");
    assert!(epoll_open_with(n, MARK), "closed under a waiter");
    tx.write(b"x").unwrap();
    assert_eq!(t.join().unwrap(), [(MARK, EpollFlags::IN)]);
    assert!(
        !epoll_open_with(n, MARK),
        "not closed after the last waiter"
    );
}

#[test]
fn a_second_close_returns_ok_and_operations_after_close_are_closed() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(0).unwrap();
    epoll.add(&ev, EpollFlags::IN, 81).unwrap();
    epoll.close().unwrap();
    epoll.close().unwrap();
    assert!(!epoll.is_valid());
    assert_eq!(
        kind(epoll.wait(&mut [EpollEvent::default(); 1], NOW)),
        ErrorKind::Closed
    );
    assert_eq!(kind(epoll.add(&ev, EpollFlags::IN, 82)), ErrorKind::Closed);
    assert_eq!(
        kind(epoll.modify(&ev, EpollFlags::IN, 82)),
        ErrorKind::Closed
    );
    assert_eq!(kind(epoll.delete(&ev)), ErrorKind::Closed);
}

#[test]
fn a_sub_millisecond_timeout_is_never_cut_short() {
    // epoll_pwait2 natively, the rounded-up epoll_pwait fallback under
    // qemu-user (which answers ENOSYS): either way, never under 1.5 ms.
    let epoll = Epoll::new().unwrap();
    let timeout = Duration::from_micros(1500);
    for _ in 0..20 {
        let start = Instant::now();
        assert_eq!(wait(&epoll, Some(timeout)), []);
        let waited = start.elapsed();
        assert!(waited >= timeout, "returned after {waited:?}");
    }
}

#[test]
fn a_whole_millisecond_timeout_is_never_cut_short() {
    let epoll = Epoll::new().unwrap();
    let timeout = Duration::from_millis(3);
    let start = Instant::now();
    assert_eq!(wait(&epoll, Some(timeout)), []);
    assert!(start.elapsed() >= timeout);
}

#[test]
fn a_zero_timeout_only_checks() {
    let epoll = Epoll::new().unwrap();
    let start = Instant::now();
    for _ in 0..100 {
        assert_eq!(wait(&epoll, NOW), []);
    }
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn an_empty_slice_is_invalid_input() {
    let epoll = Epoll::new().unwrap();
    let err = epoll.wait(&mut [], None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.raw_os_error(), libc::EINVAL);
}

#[test]
fn adding_twice_is_already_exists_and_unknown_handles_are_not_found() {
    let epoll = Epoll::new().unwrap();
    let (a, b) = (EventFd::new(0).unwrap(), EventFd::new(0).unwrap());
    epoll.add(&a, EpollFlags::IN, 91).unwrap();
    let err = epoll.add(&a, EpollFlags::OUT, 92).unwrap_err();
    assert_eq!(
        (err.kind(), err.raw_os_error()),
        (ErrorKind::AlreadyExists, libc::EEXIST)
    );
    let err = epoll.modify(&b, EpollFlags::IN, 93).unwrap_err();
    assert_eq!(
        (err.kind(), err.raw_os_error()),
        (ErrorKind::NotFound, libc::ENOENT)
    );
    let err = epoll.delete(&b).unwrap_err();
    assert_eq!(
        (err.kind(), err.raw_os_error()),
        (ErrorKind::NotFound, libc::ENOENT)
    );
}

#[test]
fn the_reserved_token_is_refused_and_never_reported() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    let reserved = Epoll::RESERVED_TOKEN;
    assert_eq!(
        kind(epoll.add(&ev, EpollFlags::IN, reserved)),
        ErrorKind::InvalidInput
    );
    epoll.add(&ev, EpollFlags::IN, 94).unwrap();
    assert_eq!(
        kind(epoll.modify(&ev, EpollFlags::IN, reserved)),
        ErrorKind::InvalidInput
    );
    // The waker is registered but idle until close: nothing but the
    // eventfd is reported.
    assert_eq!(wait(&epoll, NOW), [(94, EpollFlags::IN)]);
}

#[test]
fn exclusive_is_for_add_only() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    let exclusive = EpollFlags::IN | EpollFlags::EXCLUSIVE;
    epoll.add(&ev, exclusive, 95).unwrap();
    assert_eq!(wait(&epoll, NOW), [(95, EpollFlags::IN)]);
    assert_eq!(
        kind(epoll.modify(&ev, EpollFlags::IN, 96)),
        ErrorKind::InvalidInput
    );
}

#[test]
fn created_close_on_exec() {
    let epoll = Epoll::new().unwrap();
    assert!(epoll.fd().is_cloexec().unwrap());
}

#[test]
fn into_fd_keeps_the_epoll_open() {
    let epoll = Epoll::new().unwrap();
    let ev = EventFd::new(1).unwrap();
    epoll.add(&ev, EpollFlags::IN, 97).unwrap();
    let raw = epoll.raw();
    let fd = Fd::from(epoll);
    assert_eq!(fd.raw(), raw);
    assert!(epoll_open_with(raw, 97));
}
