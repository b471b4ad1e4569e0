//! `poll`: readiness across handles, timeouts, and closed handles.

use std::time::{Duration, Instant};

use iofd::{ErrorKind, EventFd, Events, Fd, PollFd, TimerFd, pipe, poll};

#[test]
fn reports_only_the_ready_entries() {
    let (a, b, c) = (
        EventFd::new(0).unwrap(),
        EventFd::new(0).unwrap(),
        EventFd::new(0).unwrap(),
    );
    b.signal(1).unwrap();
    c.signal(1).unwrap();
    let mut fds = [
        PollFd::new(&a, Events::IN),
        PollFd::new(&b, Events::IN),
        PollFd::new(&c, Events::IN),
    ];
    assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 2);
    assert_eq!(fds[0].revents(), Events::empty());
    assert_eq!(fds[1].revents(), Events::IN);
    assert_eq!(fds[2].revents(), Events::IN);
    assert_eq!(fds[1].events(), Events::IN);
}

#[test]
fn mixes_handle_types() {
    let ev = EventFd::new(0).unwrap();
    let timer = TimerFd::new().unwrap();
    let (rx, tx) = pipe().unwrap();
    timer.arm(Duration::from_millis(5), Duration::ZERO).unwrap();
    tx.write(b"x").unwrap();
    let mut fds = [
        PollFd::new(&ev, Events::IN),
        PollFd::new(&timer, Events::IN),
        PollFd::new(&rx, Events::IN),
    ];
    let mut seen = Events::empty();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !(fds[1].revents().contains(Events::IN) && fds[2].revents().contains(Events::IN)) {
        assert!(Instant::now() < deadline, "timer never fired");
        poll(&mut fds, Some(Duration::from_secs(1))).unwrap();
        seen |= fds[0].revents();
    }
    assert!(seen.is_empty(), "the eventfd was never signalled");
}

#[test]
fn times_out_with_zero() {
    let ev = EventFd::new(0).unwrap();
    let mut fds = [PollFd::new(&ev, Events::IN)];
    let start = Instant::now();
    assert_eq!(poll(&mut fds, Some(Duration::from_millis(30))).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert!(fds[0].revents().is_empty());
}

#[test]
fn huge_timeouts_do_not_wrap() {
    // A wrapped (negative) timeout would be EINVAL; a clamped one waits,
    // here not at all since the entry is ready.
    let ev = EventFd::new(1).unwrap();
    let mut fds = [PollFd::new(&ev, Events::IN)];
    for t in [
        Duration::MAX,
        Duration::new(u64::MAX, 0),
        Duration::new(i64::MAX as u64, 999_999_999),
    ] {
        assert_eq!(poll(&mut fds, Some(t)).unwrap(), 1);
    }
    assert_eq!(poll(&mut fds, None).unwrap(), 1);
}

#[test]
fn an_empty_set_just_sleeps() {
    let start = Instant::now();
    assert_eq!(poll(&mut [], Some(Duration::from_millis(10))).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(10));
}

#[test]
fn hang_up_and_error_are_reported_unasked() {
    let (rx, tx) = pipe().unwrap();
    drop(tx);
    let mut fds = [PollFd::new(&rx, Events::empty())];
    assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 1);
    assert_eq!(fds[0].revents(), Events::HUP);

    let (rx, tx) = pipe().unwrap();
    drop(rx);
    let mut fds = [PollFd::new(&tx, Events::OUT)];
    poll(&mut fds, Some(Duration::ZERO)).unwrap();
    assert!(fds[0].revents().contains(Events::ERR));
}

#[test]
fn a_closed_handle_is_closed_at_once_and_reports_nval() {
    let ev = EventFd::new(1).unwrap();
    let open = EventFd::new(1).unwrap();
    ev.close().unwrap();
    let mut fds = [PollFd::new(&open, Events::IN), PollFd::new(&ev, Events::IN)];
    let start = Instant::now();
    let err = poll(&mut fds, Some(Duration::from_secs(5))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed);
    assert!(start.elapsed() < Duration::from_secs(1), "no wait");
    assert_eq!(fds[1].revents(), Events::NVAL);
    assert!(fds[0].revents().is_empty(), "not polled");
    // The open handle was counted out again: it closes at once.
    open.close().unwrap();
    assert!(!open.is_valid());
}

#[test]
fn set_events_changes_the_interest() {
    let (rx, tx) = pipe().unwrap();
    tx.write(b"x").unwrap();
    let mut fds = [PollFd::new(&rx, Events::OUT)];
    assert_eq!(
        poll(&mut fds, Some(Duration::ZERO)).unwrap(),
        0,
        "a read end is never writable"
    );
    fds[0].set_events(Events::IN);
    assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 1);
    assert_eq!(fds[0].revents(), Events::IN);
}

#[test]
fn plain_fds_are_handles_too() {
    let (rx, tx) = pipe().unwrap();
    tx.write(b"x").unwrap();
    let fd: &Fd = &rx;
    let mut fds = [PollFd::new(fd, Events::IN)];
    assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 1);
}

extern "C" fn note_usr2(_: i32) {
    USR2_SEEN.store(true, std::sync::atomic::Ordering::SeqCst);
}

static USR2_SEEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[test]
fn poll_with_mask_unblocks_a_pending_signal_for_the_wait_only() {
    use iofd::{SIGUSR2, SigSet, block_signals, poll_with_mask, set_signal_mask, signal_mask};
    // SAFETY: a zeroed `sigaction` with a handler that only stores a flag.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = note_usr2 as *const () as usize;
        assert_eq!(libc::sigaction(SIGUSR2, &sa, std::ptr::null_mut()), 0);
    }
    let mut usr2 = SigSet::empty();
    usr2.add(SIGUSR2).unwrap();
    let old = block_signals(&usr2).unwrap();
    // Pending while blocked: nothing runs yet.
    iofd::send_signal_to_thread(iofd::gettid(), SIGUSR2).unwrap();
    assert!(!USR2_SEEN.load(std::sync::atomic::Ordering::SeqCst));
    let ev = EventFd::new(0).unwrap();
    let mut fds = [PollFd::new(&ev, Events::IN)];
    let mut during = signal_mask().unwrap();
    during.remove(SIGUSR2).unwrap();
    let start = Instant::now();
    let err = poll_with_mask(&mut fds, Some(Duration::from_secs(5)), &during).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Interrupted);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "the signal did not end the wait"
    );
    assert!(
        USR2_SEEN.load(std::sync::atomic::Ordering::SeqCst),
        "the handler ran"
    );
    assert!(signal_mask().unwrap().contains(SIGUSR2), "the mask is back");
    set_signal_mask(&old).unwrap();
}
