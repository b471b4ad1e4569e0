//! `PidFd`: opening, signalling, exit readiness, and `get_fd`.

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command};
use std::time::Duration;

use iofd::{ErrorKind, Events, PidFd, PollFd, SIGKILL, SIGTERM, poll};

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

fn sleeper() -> Child {
    Command::new("/bin/sleep")
        .arg("30")
        .spawn()
        .expect("spawn /bin/sleep")
}

fn readable(pidfd: &PidFd, timeout: Duration) -> bool {
    let mut fds = [PollFd::new(pidfd, Events::IN)];
    poll(&mut fds, Some(timeout)).unwrap() == 1 && fds[0].revents().contains(Events::IN)
}

/// A pid that cannot exist: pids are always below `pid_max`.
fn impossible_pid() -> i32 {
    let max = std::fs::read_to_string("/proc/sys/kernel/pid_max").unwrap();
    max.trim().parse().unwrap()
}

#[test]
fn sigkill_ends_the_child_and_the_pidfd_turns_readable() {
    let mut child = sleeper();
    let pidfd = PidFd::open(child.id() as i32).unwrap();
    assert_eq!(pidfd.pid(), child.id() as i32);
    assert!(!readable(&pidfd, Duration::ZERO), "readable while running");
    pidfd.send_signal(0).unwrap(); // alive
    pidfd.send_signal(SIGKILL).unwrap();
    assert!(
        readable(&pidfd, Duration::from_secs(10)),
        "not readable after exit"
    );
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(SIGKILL));
}

#[test]
fn signals_after_the_process_is_gone_are_esrch() {
    let mut child = sleeper();
    let pidfd = PidFd::open(child.id() as i32).unwrap();
    pidfd.send_signal(SIGTERM).unwrap();
    assert_eq!(child.wait().unwrap().signal(), Some(SIGTERM));
    // Reaped: the pid may be reused, but the pidfd still means the old
    // process, which is gone.
    let err = pidfd.send_signal(0).unwrap_err();
    assert_eq!(err.raw_os_error(), libc::ESRCH);
    assert_eq!(err.kind(), ErrorKind::Other);
    assert!(readable(&pidfd, Duration::ZERO));
}

#[test]
fn opening_a_pid_that_does_not_exist_is_esrch() {
    let err = PidFd::open(impossible_pid()).unwrap_err();
    assert_eq!(err.raw_os_error(), libc::ESRCH);
    let err = PidFd::open_blocking(impossible_pid()).unwrap_err();
    assert_eq!(err.raw_os_error(), libc::ESRCH);
}

#[test]
fn non_positive_pids_are_invalid_without_a_syscall() {
    for pid in [0, -1, i32::MIN] {
        let err = PidFd::open(pid).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.raw_os_error(), libc::EINVAL);
        assert_eq!(kind(PidFd::open_blocking(pid)), ErrorKind::InvalidInput);
    }
}

#[test]
fn out_of_range_signals_are_invalid() {
    let me = PidFd::open(iofd::getpid()).unwrap();
    for sig in [-1, 65, i32::MAX] {
        assert_eq!(kind(me.send_signal(sig)), ErrorKind::InvalidInput);
    }
}

#[test]
fn flags_nonblocking_by_default_and_always_cloexec() {
    let me = PidFd::open(iofd::getpid()).unwrap();
    assert!(me.fd().is_nonblocking().unwrap());
    assert!(me.fd().is_cloexec().unwrap());
    let blocking = PidFd::open_blocking(iofd::getpid()).unwrap();
    assert!(!blocking.fd().is_nonblocking().unwrap());
    assert!(blocking.fd().is_cloexec().unwrap());
}

#[test]
fn get_fd_on_our_own_process_duplicates_a_descriptor() {
    let (rx, tx) = iofd::pipe().unwrap();
    let me = PidFd::open(iofd::getpid()).unwrap();
    let copy = me.get_fd(tx.raw()).unwrap();
    assert_ne!(copy.raw(), tx.raw());
    assert!(copy.is_cloexec().unwrap(), "pidfd_getfd sets close-on-exec");
    copy.write(b"through the copy").unwrap();
    let mut buf = [0u8; 32];
    let n = rx.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"through the copy");
    // Same open file: closing the original leaves the copy writing.
    drop(tx);
    copy.write(b"!").unwrap();
    assert_eq!(rx.read(&mut buf).unwrap(), 1);
}

#[test]
fn get_fd_of_a_number_not_open_in_the_target_is_ebadf() {
    let me = PidFd::open(iofd::getpid()).unwrap();
    // Far above anything open (and above the default descriptor limit), so
    // no concurrent test can have it open.
    let err = me.get_fd(1 << 20).unwrap_err();
    assert_eq!(err.raw_os_error(), libc::EBADF);
    assert_eq!(kind(me.get_fd(-1)), ErrorKind::InvalidInput);
}

#[test]
fn closed_pidfd_reports_closed() {
    let me = PidFd::open(iofd::getpid()).unwrap();
    me.close().unwrap();
    assert_eq!(me.pid(), iofd::getpid(), "the pid is remembered");
    assert_eq!(kind(me.send_signal(0)), ErrorKind::Closed);
    assert_eq!(kind(me.get_fd(0)), ErrorKind::Closed);
}

#[test]
fn from_fd_reports_the_pid_it_is_given() {
    let me = PidFd::open(iofd::getpid()).unwrap();
    let n = me.raw();
    // SAFETY: the descriptor is a pidfd of this process.
    let adopted = unsafe { PidFd::from_fd(iofd::Fd::from(me), iofd::getpid()) };
    assert_eq!((adopted.raw(), adopted.pid()), (n, iofd::getpid()));
    adopted.send_signal(0).unwrap();
}
