//! A process that has a libc keeps the real-time signals its libc uses
//! (glibc 32 and 33, musl 32 to 34) out of reach of safe code: they cannot
//! be blocked, read from a signalfd, or sent.

use iofd::{
    ErrorKind, KERNEL_SIGRTMIN, PidFd, SigSet, SignalFd, block_signals, getpid, gettid,
    send_signal_to_thread, set_signal_mask, signal_mask, sigrtmin,
};

/// The signals this test process's libc keeps.
fn reserved() -> std::ops::Range<i32> {
    // SAFETY: a plain query of libc.
    KERNEL_SIGRTMIN..libc::SIGRTMIN()
}

#[test]
fn sigrtmin_is_libcs_and_the_kernels_is_named_apart() {
    assert_eq!(KERNEL_SIGRTMIN, 32);
    assert_eq!(sigrtmin(), libc::SIGRTMIN());
    assert!(!reserved().is_empty(), "a libc keeps at least one");
}

#[test]
fn blocking_leaves_the_libc_signals_unblocked() {
    let old = block_signals(&SigSet::full()).unwrap();
    let now = signal_mask().unwrap();
    set_signal_mask(&old).unwrap();
    for sig in reserved() {
        assert!(!now.contains(sig), "signal {sig} was blocked");
    }
    // The others are blocked (not every real-time signal: an emulator such
    // as qemu-user keeps some of them for itself).
    assert!(now.contains(iofd::SIGUSR1) && now.contains(iofd::SIGTERM));

    let old = set_signal_mask(&SigSet::full()).unwrap();
    let now = signal_mask().unwrap();
    set_signal_mask(&old).unwrap();
    assert!(reserved().all(|sig| !now.contains(sig)));
}

#[test]
fn a_signalfd_never_reads_the_libc_signals() {
    let mut set = SigSet::empty();
    for sig in reserved() {
        set.add(sig).unwrap();
    }
    set.add(sigrtmin()).unwrap();
    let sfd = SignalFd::new(&set).unwrap();
    assert!(reserved().all(|sig| !sfd.mask().contains(sig)));
    assert!(sfd.mask().contains(sigrtmin()));
    sfd.set_mask(&SigSet::full()).unwrap();
    assert!(reserved().all(|sig| !sfd.mask().contains(sig)));
}

#[test]
fn sending_a_libc_signal_is_refused_without_a_system_call() {
    // A forged 32 would run glibc's cancellation handler in this thread.
    let me = PidFd::open(getpid()).unwrap();
    for sig in reserved() {
        let e = send_signal_to_thread(gettid(), sig).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(
            me.send_signal(sig).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    // The first one free for the program is sent (and dropped: its
    // default action is to terminate, so block it first).
    let mut rt = SigSet::empty();
    rt.add(sigrtmin()).unwrap();
    let old = block_signals(&rt).unwrap();
    send_signal_to_thread(gettid(), sigrtmin()).unwrap();
    let sfd = SignalFd::new(&rt).unwrap();
    assert_eq!(sfd.read().unwrap().signo(), sigrtmin());
    set_signal_mask(&old).unwrap();
}
