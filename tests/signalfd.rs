//! `SignalFd`, `SigSet` and the signal mask, with thread-directed signals.
//!
//! Each test runs on its own thread and blocks signals only there, then
//! sends them to itself with tgkill, so tests cannot disturb each other.
//! The mask is never restored: a pending signal dies with the thread
//! instead of being delivered with its default action (termination).

use std::time::Duration;

use iofd::{
    ErrorKind, Events, PollFd, SIGKILL, SIGSTOP, SIGUSR1, SIGUSR2, SigSet, SignalFd, SignalFdFlags,
    SignalInfo, block_signals, gettid, poll, send_signal_to_thread, set_signal_mask, signal_mask,
    unblock_signals,
};

fn set(sigs: &[i32]) -> SigSet {
    let mut s = SigSet::empty();
    for &sig in sigs {
        s.add(sig).unwrap();
    }
    s
}

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

/// `SI_TKILL`: the code of a signal sent with tgkill.
const SI_TKILL: i32 = -6;

#[test]
fn reads_a_signal_sent_to_this_thread() {
    let mask = set(&[SIGUSR1]);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::new(&mask).unwrap();
    send_signal_to_thread(gettid(), SIGUSR1).unwrap();
    let info = sfd.read().unwrap();
    assert_eq!(info.signo(), SIGUSR1);
    assert_eq!(info.pid(), iofd::getpid());
    assert_eq!(info.uid(), real_uid());
    assert_eq!(info.code(), SI_TKILL);
    assert_eq!(kind(sfd.read()), ErrorKind::WouldBlock, "read once");
}

/// The real uid, from /proc (avoids an unsafe libc call in a test).
fn real_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn empty_signalfd_would_block() {
    let mask = set(&[SIGUSR2]);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::new(&mask).unwrap();
    let err = sfd.read().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    let mut info = SignalInfo::zeroed();
    assert_eq!(kind(sfd.read_into(&mut info)), ErrorKind::WouldBlock);
    assert_eq!(info, SignalInfo::zeroed(), "left unchanged on error");
}

#[test]
fn read_into_fills_the_callers_record() {
    let mask = set(&[SIGUSR2]);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::new(&mask).unwrap();
    send_signal_to_thread(gettid(), SIGUSR2).unwrap();
    let mut info = SignalInfo::default();
    sfd.read_into(&mut info).unwrap();
    assert_eq!(info.signo(), SIGUSR2);
}

#[test]
fn set_mask_changes_what_is_delivered() {
    block_signals(&set(&[SIGUSR1, SIGUSR2])).unwrap();
    let sfd = SignalFd::new(&set(&[SIGUSR2])).unwrap();
    assert_eq!(sfd.mask(), set(&[SIGUSR2]));
    send_signal_to_thread(gettid(), SIGUSR1).unwrap();
    assert_eq!(
        kind(sfd.read()),
        ErrorKind::WouldBlock,
        "SIGUSR1 is not in the mask"
    );

    sfd.set_mask(&set(&[SIGUSR1])).unwrap();
    assert_eq!(sfd.mask(), set(&[SIGUSR1]));
    assert_eq!(
        sfd.read().unwrap().signo(),
        SIGUSR1,
        "the pending signal is now readable"
    );
    send_signal_to_thread(gettid(), SIGUSR2).unwrap();
    assert_eq!(
        kind(sfd.read()),
        ErrorKind::WouldBlock,
        "SIGUSR2 left the mask"
    );
}

#[test]
fn mask_drops_what_the_kernel_drops() {
    let sfd = SignalFd::new(&SigSet::full()).unwrap();
    let mask = sfd.mask();
    assert!(!mask.contains(SIGKILL) && !mask.contains(SIGSTOP));
    // And the real-time signals this process's libc keeps for itself.
    let libc_keeps = iofd::sigrtmin() - iofd::KERNEL_SIGRTMIN;
    assert_eq!(mask.iter().count() as i32, 62 - libc_keeps);
}

#[test]
fn real_time_signals_queue_and_arrive_in_order() {
    let rt = [iofd::sigrtmin() + 2, iofd::sigrtmin() + 3];
    let mask = set(&rt);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::new(&mask).unwrap();
    // Real-time signals queue (standard ones coalesce); lowest first.
    for sig in [rt[1], rt[0], rt[1]] {
        send_signal_to_thread(gettid(), sig).unwrap();
    }
    let got: Vec<i32> = (0..3).map(|_| sfd.read().unwrap().signo()).collect();
    assert_eq!(got, [rt[0], rt[1], rt[1]]);
}

#[test]
fn readable_when_a_signal_is_pending() {
    let mask = set(&[SIGUSR1]);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::new(&mask).unwrap();
    let mut fds = [PollFd::new(&sfd, Events::IN)];
    assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 0);
    send_signal_to_thread(gettid(), SIGUSR1).unwrap();
    assert_eq!(poll(&mut fds, Some(Duration::from_secs(5))).unwrap(), 1);
    assert!(fds[0].revents().contains(Events::IN));
}

#[test]
fn blocking_signalfd_waits_in_read() {
    let mask = set(&[SIGUSR2]);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::with_flags(&mask, SignalFdFlags::CLOEXEC).unwrap();
    assert!(!sfd.fd().is_nonblocking().unwrap());
    send_signal_to_thread(gettid(), SIGUSR2).unwrap();
    assert_eq!(sfd.read().unwrap().signo(), SIGUSR2);
}

#[test]
fn defaults_are_nonblocking_and_cloexec() {
    let sfd = SignalFd::new(&set(&[SIGUSR1])).unwrap();
    assert!(sfd.fd().is_nonblocking().unwrap());
    assert!(sfd.fd().is_cloexec().unwrap());
}

#[test]
fn block_and_unblock_return_the_previous_mask() {
    let before = signal_mask().unwrap();
    assert!(!before.contains(SIGUSR2));
    let old = block_signals(&set(&[SIGUSR2])).unwrap();
    assert_eq!(old, before);
    let now = signal_mask().unwrap();
    assert!(now.contains(SIGUSR2));
    let old = unblock_signals(&set(&[SIGUSR2])).unwrap();
    assert_eq!(old, now);
    assert_eq!(signal_mask().unwrap(), before);
    let old = set_signal_mask(&set(&[SIGUSR1, SIGUSR2])).unwrap();
    assert_eq!(old, before);
    assert_eq!(signal_mask().unwrap(), set(&[SIGUSR1, SIGUSR2]));
}

#[test]
fn kill_and_stop_cannot_be_blocked() {
    block_signals(&SigSet::full()).unwrap();
    let mask = signal_mask().unwrap();
    assert!(!mask.contains(SIGKILL) && !mask.contains(SIGSTOP));
    assert!(mask.contains(SIGUSR1));
}

#[test]
fn signal_numbers_outside_the_range_are_invalid() {
    for sig in [-1, 65, i32::MIN] {
        assert_eq!(
            kind(send_signal_to_thread(gettid(), sig)),
            ErrorKind::InvalidInput
        );
    }
    assert_eq!(
        kind(send_signal_to_thread(0, SIGUSR1)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(send_signal_to_thread(-5, SIGUSR1)),
        ErrorKind::InvalidInput
    );
    send_signal_to_thread(gettid(), 0).unwrap();
}

#[test]
fn sending_to_a_thread_that_does_not_exist_is_esrch() {
    let tid = std::thread::spawn(gettid).join().unwrap();
    // `join` can return while the kernel is still tearing the thread down;
    // once it is gone, the id is ESRCH (ids are reused only after the
    // whole pid space has cycled).
    let start = std::time::Instant::now();
    let err = loop {
        match send_signal_to_thread(tid, 0) {
            Err(e) => break e,
            Ok(()) => {
                assert!(
                    start.elapsed() < Duration::from_secs(5),
                    "thread {tid} never went away"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    };
    assert_eq!(err.raw_os_error(), libc::ESRCH);
}

#[test]
fn closed_signalfd_reports_closed() {
    let sfd = SignalFd::new(&set(&[SIGUSR1])).unwrap();
    sfd.close().unwrap();
    assert_eq!(kind(sfd.read()), ErrorKind::Closed);
    assert_eq!(
        kind(sfd.read_into(&mut SignalInfo::zeroed())),
        ErrorKind::Closed
    );
    assert_eq!(kind(sfd.set_mask(&SigSet::empty())), ErrorKind::Closed);
    assert_eq!(sfd.mask(), set(&[SIGUSR1]), "the last mask is kept");
}

#[test]
fn gettid_differs_between_threads_and_getpid_does_not() {
    let (pid, tid) = std::thread::spawn(|| (iofd::getpid(), gettid()))
        .join()
        .unwrap();
    assert_eq!(pid, iofd::getpid());
    assert_ne!(tid, gettid());
    assert_eq!(iofd::getpid() as u32, std::process::id());
}

#[test]
fn read_many_takes_every_pending_signal_in_one_read() {
    let rt = [iofd::sigrtmin() + 4, iofd::sigrtmin() + 5];
    let mask = set(&[SIGUSR1, rt[0], rt[1]]);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::new(&mask).unwrap();
    for sig in [SIGUSR1, rt[1], rt[0], rt[1]] {
        send_signal_to_thread(gettid(), sig).unwrap();
    }
    let mut infos = [SignalInfo::zeroed(); 8];
    assert_eq!(sfd.read_many(&mut infos).unwrap(), 4);
    let got: Vec<i32> = infos[..4].iter().map(SignalInfo::signo).collect();
    assert_eq!(got, [SIGUSR1, rt[0], rt[1], rt[1]]);
    assert!(infos[4..].iter().all(|i| *i == SignalInfo::zeroed()));
    assert_eq!(kind(sfd.read_many(&mut infos)), ErrorKind::WouldBlock);
}

#[test]
fn read_many_stops_at_the_room_given() {
    let rt = iofd::sigrtmin() + 6;
    let mask = set(&[rt]);
    block_signals(&mask).unwrap();
    let sfd = SignalFd::new(&mask).unwrap();
    for _ in 0..3 {
        send_signal_to_thread(gettid(), rt).unwrap();
    }
    let mut two = [SignalInfo::zeroed(); 2];
    assert_eq!(sfd.read_many(&mut two).unwrap(), 2);
    assert_eq!(
        sfd.read_many(&mut two).unwrap(),
        1,
        "the third stayed queued"
    );
    assert_eq!(kind(sfd.read_many(&mut [])), ErrorKind::InvalidInput);
}

#[test]
fn from_fd_reports_the_mask_it_is_given() {
    let mask = set(&[SIGUSR2]);
    block_signals(&mask).unwrap();
    let fd = iofd::Fd::from(SignalFd::new(&mask).unwrap());
    // SAFETY: `fd` is a signalfd for `mask`.
    let sfd = unsafe { SignalFd::from_fd(fd, &set(&[SIGUSR2, SIGKILL])) };
    assert_eq!(sfd.mask(), mask, "SIGKILL dropped as the kernel drops it");
    send_signal_to_thread(gettid(), SIGUSR2).unwrap();
    assert_eq!(sfd.read().unwrap().signo(), SIGUSR2);
}

/// Threads race `set_mask` with two different masks, round after round,
/// ending each round together; after each round `mask()` must be the mask
/// the kernel really holds, which a pending signal of each kind reveals.
/// More racers than the machine has cores get preempted as they return
/// from the system call, which is where a careless update goes wrong.
#[test]
fn racing_set_mask_leaves_the_kernel_on_the_reported_mask() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Barrier};

    const ROUNDS: usize = 5000;
    let (one, two) = (set(&[SIGUSR1]), set(&[SIGUSR2]));
    let both = set(&[SIGUSR1, SIGUSR2]);
    block_signals(&both).unwrap();
    let sfd = Arc::new(SignalFd::new(&both).unwrap());
    const RACERS: usize = 4;
    let start = Arc::new(Barrier::new(RACERS + 1));
    let done = Arc::new(Barrier::new(RACERS + 1));
    let stop = Arc::new(AtomicBool::new(false));
    let racers: Vec<_> = (0..RACERS)
        .map(|i| {
            let mask = if i % 2 == 0 { one } else { two };
            let (sfd, start, done) = (Arc::clone(&sfd), Arc::clone(&start), Arc::clone(&done));
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                loop {
                    start.wait();
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    for _ in 0..3 {
                        sfd.set_mask(&mask).unwrap();
                    }
                    done.wait();
                }
            })
        })
        .collect();
    let mut infos = [SignalInfo::zeroed(); 4];
    for round in 0..ROUNDS {
        start.wait();
        done.wait();
        let reported = sfd.mask();
        assert!(
            reported == one || reported == two,
            "round {round}: {reported:?}"
        );
        send_signal_to_thread(gettid(), SIGUSR1).unwrap();
        send_signal_to_thread(gettid(), SIGUSR2).unwrap();
        let n = sfd.read_many(&mut infos).unwrap();
        let read: Vec<i32> = infos[..n].iter().map(SignalInfo::signo).collect();
        let expected: Vec<i32> = reported.iter().collect();
        assert_eq!(read, expected, "round {round}: mask() is {reported:?}");
        // Take the other signal too, so the next round starts clean.
        sfd.set_mask(&both).unwrap();
        assert_eq!(sfd.read_many(&mut infos).unwrap(), 1);
    }
    stop.store(true, Ordering::Relaxed);
    start.wait();
    for r in racers {
        r.join().unwrap();
    }
}
