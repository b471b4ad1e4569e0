//! Descriptors handed to a forked child through a socket pair.
//!
//! A binary of its own, so that no other test's descriptors are copied
//! into the children. Each child makes only async-signal-safe calls (iofd
//! issues raw system calls and never allocates; the few libc calls are
//! async-signal-safe) and ends with `iofd::exit`, never unwinding, so
//! forking from a multi-threaded test binary is sound. A child reports
//! the first step that failed as its exit status.

use std::time::Duration;

use iofd::{
    Error, ErrorKind, EventFd, Events, Fd, MemFd, PollFd, Prot, Seals, poll, recv_fds, send_fds,
    socketpair,
};

/// Forks; in the child runs `child` and exits with the step it returns.
fn fork(child: impl FnOnce() -> Result<(), i32>) -> i32 {
    // SAFETY: the child runs only `child`, which makes async-signal-safe
    // calls, then exit_group; it never returns into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        iofd::exit(child().err().unwrap_or(0));
    }
    pid
}

/// Waits for `pid` (killing it first if `kill`); returns its wait status.
fn reap(pid: i32, kill: bool) -> i32 {
    if kill {
        // SAFETY: `pid` is our child, not yet reaped.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let mut status = 0;
    // SAFETY: `status` is valid for the int waitpid writes.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    status
}

fn exited_with(status: i32) -> Option<i32> {
    libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status))
}

const CONTENTS: &[u8] = b"sealed before it was sent";

/// The child's side: receive a memfd and an eventfd, adopt both, read the
/// memfd through a read-only mapping, and answer through the eventfd.
fn adopt_and_answer(sock: &Fd) -> Result<(), i32> {
    let mut ready = [PollFd::new(sock, Events::IN)];
    if poll(&mut ready, Some(Duration::from_secs(10))) != Ok(1) {
        return Err(10);
    }
    let mut buf = [0u8; 8];
    let mut fds: [Option<Fd>; 2] = [None, None];
    if recv_fds(sock, &mut buf, &mut fds) != Ok((4, 2)) || &buf[..4] != b"take" {
        return Err(11);
    }
    let mem = MemFd::try_from(fds[0].take().ok_or(12)?).map_err(|_| 13)?;
    let all = Seals::WRITE | Seals::SHRINK | Seals::GROW | Seals::SEAL;
    // `new_sealable` adds `EXEC` (MFD_NOEXEC_SEAL) where the kernel has it.
    if mem.seals().map(|s| s - Seals::EXEC) != Ok(all) {
        return Err(14);
    }
    let region = mem.mmap(CONTENTS.len(), Prot::READ).map_err(|_| 15)?;
    if region.as_slice() != Some(CONTENTS) {
        return Err(16);
    }
    // SAFETY: the parent sends its eventfd second.
    let answer = unsafe { EventFd::from_fd(fds[1].take().ok_or(17)?) };
    answer.signal(42).map_err(|_| 18)
}

#[test]
fn a_forked_child_adopts_a_sealed_memfd_and_an_eventfd() {
    let (here, there) = socketpair().unwrap();
    // The memfd and the eventfd are made after the fork, so the child can
    // only have them from the socket.
    let pid = fork(|| adopt_and_answer(&there));
    drop(there);
    let mem = MemFd::new_sealable("for-the-child").unwrap();
    mem.write(CONTENTS).unwrap();
    mem.seal(Seals::WRITE | Seals::SHRINK | Seals::GROW | Seals::SEAL)
        .unwrap();
    let answer = EventFd::new(0).unwrap();
    send_fds(&here, b"take", &[mem.fd(), answer.fd()]).unwrap();
    drop(mem); // the child's descriptor keeps the file alive

    let mut ready = [PollFd::new(&answer, Events::IN)];
    let answered = poll(&mut ready, Some(Duration::from_secs(10))).unwrap() == 1;
    let status = reap(pid, !answered);
    assert_eq!(
        exited_with(status),
        Some(0),
        "child wait status {status:#x}"
    );
    assert!(answered, "the child exited without answering");
    assert_eq!(answer.wait().unwrap(), 42);
}

/// The child's side: a stream pair (which raises `SIGPIPE` on a write to
/// a closed peer), its peer closed, `SIGPIPE` at its default action
/// (termination), then `send_fds`.
fn send_to_a_closed_peer() -> Result<(), i32> {
    let mut sv = [-1; 2];
    // SAFETY: `sv` is valid for the two ints written; signal(2) changes
    // only this single-threaded child's disposition.
    unsafe {
        if libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()) != 0 {
            return Err(20);
        }
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // SAFETY: socketpair just made both; we own them.
    let (a, b) = unsafe { (Fd::from_raw(sv[0]), Fd::from_raw(sv[1])) };
    drop(b);
    let ev = EventFd::new(0).map_err(|_| 21)?;
    match send_fds(&a, b"x", &[ev.fd()]) {
        Err(e) if e == Error::from_raw_os_error(libc::EPIPE) && e.kind() == ErrorKind::Other => {
            Ok(())
        }
        _ => Err(22),
    }
}

#[test]
fn a_closed_peer_is_epipe_not_sigpipe() {
    let pid = fork(send_to_a_closed_peer);
    let status = reap(pid, false);
    assert!(
        !libc::WIFSIGNALED(status),
        "the child was killed by signal {}",
        libc::WTERMSIG(status)
    );
    assert_eq!(
        exited_with(status),
        Some(0),
        "child wait status {status:#x}"
    );
}
