//! `PidFd`: opening, signalling, exit readiness, `get_fd`, and waiting for
//! a child (`wait`, `try_wait`, `ExitStatus`).

use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use iofd::{ErrorKind, Events, PidFd, PollFd, SIGKILL, SIGTERM, SIGUSR1, poll};

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

/// The pid of a new `/bin/sh -c script`. The tests reap it through a
/// pidfd: std never reaps a child it is not asked to wait for.
fn shell(script: &str) -> i32 {
    let child = Command::new("/bin/sh").args(["-c", script]).spawn();
    child.expect("spawn /bin/sh").id() as i32
}

/// The pid of a new `/bin/sleep 30`, to be killed and reaped by the test.
fn sleeping() -> i32 {
    let child = Command::new("/bin/sleep").arg("30").spawn();
    child.expect("spawn /bin/sleep").id() as i32
}

fn pidfd_of(pid: i32) -> PidFd {
    PidFd::open(pid).unwrap()
}

#[test]
fn wait_reports_the_exit_status_and_reaps() {
    let mut child = Command::new("/bin/sh")
        .args(["-c", "exit 3"])
        .spawn()
        .unwrap();
    let pidfd = pidfd_of(child.id() as i32);
    let status = pidfd.wait().unwrap();
    assert_eq!(status.code(), Some(3));
    assert_eq!(status.signal(), None);
    assert!(!status.success() && !status.core_dumped());
    assert_eq!(status.to_string(), "exited with status 3");
    // Reaped: std finds no child left to wait for.
    assert_eq!(child.wait().unwrap_err().raw_os_error(), Some(libc::ECHILD));
}

#[test]
fn wait_on_a_nonblocking_pidfd_waits_for_a_running_child() {
    let pidfd = pidfd_of(shell("sleep 0.2; exit 0"));
    assert!(pidfd.fd().is_nonblocking().unwrap());
    let start = Instant::now();
    let status = pidfd.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(start.elapsed() >= Duration::from_millis(100));
}

#[test]
fn wait_on_a_blocking_pidfd_waits_too() {
    let pidfd = PidFd::open_blocking(shell("sleep 0.1; exit 7")).unwrap();
    assert_eq!(pidfd.wait().unwrap().code(), Some(7));
}

#[test]
fn wait_reports_the_signal_that_killed_the_child() {
    let pidfd = pidfd_of(sleeping());
    pidfd.send_signal(SIGKILL).unwrap();
    let status = pidfd.wait().unwrap();
    assert_eq!((status.code(), status.signal()), (None, Some(SIGKILL)));
    assert!(!status.success() && !status.core_dumped());
    assert_eq!(status.to_string(), "killed by signal 9 (SIGKILL)");
    assert_eq!(
        format!("{status:?}"),
        "ExitStatus(killed by signal 9 (SIGKILL))"
    );
}

#[test]
fn try_wait_is_none_while_the_child_runs() {
    let pidfd = pidfd_of(sleeping());
    assert_eq!(pidfd.try_wait().unwrap(), None);
    assert_eq!(pidfd.try_wait().unwrap(), None);
    pidfd.send_signal(SIGTERM).unwrap();
    assert!(readable(&pidfd, Duration::from_secs(10)));
    let status = pidfd.try_wait().unwrap().expect("exited and readable");
    assert_eq!(status.signal(), Some(SIGTERM));
    assert_eq!(kind(pidfd.try_wait()), ErrorKind::Other, "reaped");
}

#[test]
fn a_second_wait_after_reaping_is_echild() {
    let pidfd = pidfd_of(shell("exit 0"));
    pidfd.wait().unwrap();
    for err in [pidfd.wait().unwrap_err(), pidfd.try_wait().unwrap_err()] {
        assert_eq!(err.raw_os_error(), libc::ECHILD);
        assert_eq!(err.kind(), ErrorKind::Other);
    }
}

#[test]
fn waiting_for_a_process_that_is_not_a_child_is_echild_not_a_hang() {
    let me = PidFd::open(iofd::getpid()).unwrap();
    assert_eq!(me.wait().unwrap_err().raw_os_error(), libc::ECHILD);
    assert_eq!(me.try_wait().unwrap_err().raw_os_error(), libc::ECHILD);
    let blocking = PidFd::open_blocking(iofd::getpid()).unwrap();
    assert_eq!(blocking.wait().unwrap_err().raw_os_error(), libc::ECHILD);
}

#[test]
fn a_zombie_accepts_signals_until_it_is_reaped() {
    let pidfd = pidfd_of(shell("exit 5"));
    assert!(readable(&pidfd, Duration::from_secs(10)), "never exited");
    // Exited, not yet reaped: the kernel still finds the task.
    pidfd.send_signal(0).unwrap();
    pidfd.send_signal(SIGTERM).unwrap();
    // The signal changed nothing; reaping does.
    assert_eq!(pidfd.wait().unwrap().code(), Some(5));
    assert_eq!(
        pidfd.send_signal(0).unwrap_err().raw_os_error(),
        libc::ESRCH
    );
}

#[test]
fn wait_after_close_is_closed() {
    let pid = shell("exit 0");
    let pidfd = pidfd_of(pid);
    pidfd.close().unwrap();
    assert_eq!(kind(pidfd.wait()), ErrorKind::Closed);
    assert_eq!(kind(pidfd.try_wait()), ErrorKind::Closed);
    // Reap it through a fresh pidfd, so no zombie is left behind.
    assert!(pidfd_of(pid).wait().unwrap().success());
}

extern "C" fn ignore(_: i32) {}

#[test]
fn a_signal_handler_interrupts_wait() {
    // A handler without SA_RESTART; ppoll is never restarted anyway.
    // SAFETY: a zeroed `sigaction` with a handler that does nothing.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = ignore as *const () as usize;
        assert_eq!(libc::sigaction(SIGUSR1, &sa, std::ptr::null_mut()), 0);
    }
    let pidfd = std::sync::Arc::new(pidfd_of(sleeping()));
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::sync::Arc::clone(&pidfd);
    let t = std::thread::spawn(move || {
        tx.send(iofd::gettid()).unwrap();
        waiter.wait()
    });
    let tid = rx.recv().unwrap();
    std::thread::sleep(Duration::from_millis(50)); // let it block
    iofd::send_signal_to_thread(tid, SIGUSR1).unwrap();
    assert_eq!(kind(t.join().unwrap()), ErrorKind::Interrupted);
    pidfd.send_signal(SIGKILL).unwrap();
    assert_eq!(pidfd.wait().unwrap().signal(), Some(SIGKILL));
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

#[test]
fn wait_timeout_gives_up_on_a_running_child_and_then_reaps_it() {
    let pidfd = pidfd_of(sleeping());
    let start = std::time::Instant::now();
    let timeout = Duration::from_millis(30);
    assert_eq!(pidfd.wait_timeout(timeout).unwrap(), None);
    assert!(start.elapsed() >= timeout, "gave up early");
    pidfd.send_signal(SIGKILL).unwrap();
    let status = pidfd.wait_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(status.and_then(|s| s.signal()), Some(SIGKILL));
    assert_eq!(
        pidfd.wait_timeout(timeout).unwrap_err().raw_os_error(),
        libc::ECHILD
    );
}

#[test]
fn wait_timeout_on_a_blocking_pidfd_does_not_block_past_it() {
    let pid = sleeping();
    let pidfd = PidFd::open_blocking(pid).unwrap();
    let start = std::time::Instant::now();
    assert_eq!(pidfd.wait_timeout(Duration::from_millis(20)).unwrap(), None);
    assert!(start.elapsed() < Duration::from_secs(5));
    pidfd.send_signal(SIGKILL).unwrap();
    assert!(
        pidfd
            .wait_timeout(Duration::from_secs(10))
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_close_during_wait_timeout_completes_when_it_returns() {
    let pid = sleeping();
    let pidfd = std::sync::Arc::new(pidfd_of(pid));
    let waiter = std::sync::Arc::clone(&pidfd);
    let timeout = Duration::from_millis(200);
    let t = std::thread::spawn(move || {
        let start = std::time::Instant::now();
        (waiter.wait_timeout(timeout), start.elapsed())
    });
    std::thread::sleep(Duration::from_millis(50));
    let start = std::time::Instant::now();
    pidfd.close().unwrap();
    assert!(start.elapsed() < Duration::from_millis(20), "close blocked");
    let (r, waited) = t.join().unwrap();
    assert_eq!(kind(r), ErrorKind::Closed);
    assert!(waited >= timeout, "a pidfd wait cannot be woken by a close");
    // Reap it through a fresh pidfd, so no zombie is left behind.
    let again = pidfd_of(pid);
    again.send_signal(SIGKILL).unwrap();
    assert!(again.wait().unwrap().signal().is_some());
}
