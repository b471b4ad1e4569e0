//! The `std` feature: std traits, and the handles inside tokio and mio.

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use iofd::{ErrorKind, EventFd, Fd, MemFd, SIGUSR1, SigSet, SignalFd, TimerFd};
use tokio::io::unix::AsyncFd;

#[tokio::test]
async fn asyncfd_eventfd_wakes_on_a_signal_from_another_thread() {
    let ev = Arc::new(EventFd::new(0).unwrap());
    let remote = Arc::clone(&ev);
    // SAFETY: nothing closes the eventfd while it is registered (the other
    // thread only signals), so its number stays open and the same.
    let afd = unsafe { AsyncFd::register(ev) }.unwrap();
    let signaller = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        remote.signal(5).unwrap();
    });
    let value = loop {
        let mut ready = afd.readable().await.unwrap();
        match ready.try_io(|inner| Ok(inner.get_ref().wait()?)) {
            Ok(result) => break result.unwrap(),
            Err(_would_block) => continue,
        }
    };
    assert_eq!(value, 5);
    signaller.join().unwrap();
}

#[tokio::test]
async fn asyncfd_timerfd_ticks_three_times() {
    let timer = TimerFd::new().unwrap();
    timer
        .arm(Duration::from_millis(5), Duration::from_millis(5))
        .unwrap();
    // SAFETY: the timer is only closed by dropping the `AsyncFd`, so its
    // number stays open and the same while registered.
    let afd = unsafe { AsyncFd::register(timer) }.unwrap();
    let mut ticks = 0;
    let mut wakeups = 0;
    while ticks < 3 {
        let mut ready = afd.readable().await.unwrap();
        if let Ok(n) = ready.try_io(|inner| Ok(inner.get_ref().expirations()?)) {
            ticks += n.unwrap();
            wakeups += 1;
        }
    }
    assert!(ticks >= 3 && wakeups >= 1);
    afd.get_ref().disarm().unwrap();
}

#[test]
fn mio_reports_a_readable_signalfd() {
    use mio::unix::SourceFd;
    use mio::{Events, Interest, Poll, Token};

    let mut mask = SigSet::empty();
    mask.add(SIGUSR1).unwrap();
    iofd::block_signals(&mask).unwrap(); // this test thread only
    let sfd = SignalFd::new(&mask).unwrap();

    let mut poll = Poll::new().unwrap();
    let raw = sfd.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&raw), Token(7), Interest::READABLE)
        .unwrap();
    let mut events = Events::with_capacity(4);
    poll.poll(&mut events, Some(Duration::ZERO)).unwrap();
    assert!(events.is_empty(), "nothing pending yet");

    iofd::send_signal_to_thread(iofd::gettid(), SIGUSR1).unwrap();
    poll.poll(&mut events, Some(Duration::from_secs(5)))
        .unwrap();
    let event = events.iter().next().expect("no readiness event");
    assert_eq!(event.token(), Token(7));
    assert!(event.is_readable());
    assert_eq!(sfd.read().unwrap().signo(), SIGUSR1);
    poll.registry().deregister(&mut SourceFd(&raw)).unwrap();
}

#[test]
fn errors_convert_to_io_errors_with_the_errno() {
    let ev = EventFd::new(0).unwrap();
    let err = ev.wait().unwrap_err();
    let io_err = io::Error::from(err);
    assert_eq!(io_err.kind(), io::ErrorKind::WouldBlock);
    assert_eq!(io_err.raw_os_error(), Some(libc::EAGAIN));
    let as_dyn: &dyn std::error::Error = &err;
    assert_eq!(as_dyn.to_string(), "EAGAIN: Try again");
}

#[test]
fn epoll_registration_errors_keep_their_std_kinds() {
    let epoll = iofd::Epoll::new().unwrap();
    let ev = EventFd::new(0).unwrap();
    epoll.add(&ev, iofd::EpollFlags::IN, 1).unwrap();
    let exists = epoll.add(&ev, iofd::EpollFlags::IN, 2).unwrap_err();
    assert_eq!(exists.kind(), ErrorKind::AlreadyExists);
    assert_eq!(io::Error::from(exists).kind(), io::ErrorKind::AlreadyExists);
    epoll.delete(&ev).unwrap();
    let missing = epoll.delete(&ev).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(io::Error::from(missing).kind(), io::ErrorKind::NotFound);
}

#[test]
fn exit_statuses_convert_to_std_ones() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;

    // Reaped through the pidfds: std never reaps a child unasked.
    let exited = Command::new("/bin/sh").args(["-c", "exit 42"]).spawn();
    let killed = Command::new("/bin/sleep").arg("30").spawn();
    let exited = iofd::PidFd::open(exited.unwrap().id() as i32).unwrap();
    let killed = iofd::PidFd::open(killed.unwrap().id() as i32).unwrap();
    killed.send_signal(iofd::SIGKILL).unwrap();

    let std_exited = std::process::ExitStatus::from(exited.wait().unwrap());
    assert_eq!(std_exited.code(), Some(42));
    assert_eq!(std_exited.signal(), None);
    let std_killed = std::process::ExitStatus::from(killed.wait().unwrap());
    assert_eq!(std_killed.code(), None);
    assert_eq!(std_killed.signal(), Some(iofd::SIGKILL));
    assert!(!std_killed.core_dumped());
}

#[test]
fn owned_fd_round_trips() {
    let (rx, tx) = iofd::pipe().unwrap();
    let n = tx.raw();
    let owned = OwnedFd::try_from(tx).unwrap();
    assert_eq!(owned.as_raw_fd(), n);
    let back = Fd::from(owned);
    assert_eq!(back.raw(), n);
    back.write(b"x").unwrap();
    assert_eq!(rx.read(&mut [0; 1]).unwrap(), 1);
}

#[test]
fn closed_handles_do_not_become_owned_fds() {
    let (rx, _tx) = iofd::pipe().unwrap();
    rx.close().unwrap();
    assert_eq!(OwnedFd::try_from(rx).unwrap_err().kind(), ErrorKind::Closed);
    let ev = EventFd::new(0).unwrap();
    ev.close().unwrap();
    assert_eq!(OwnedFd::try_from(ev).unwrap_err().kind(), ErrorKind::Closed);
}

#[test]
fn handles_convert_into_owned_fds() {
    let ev = EventFd::new(9).unwrap();
    let owned = OwnedFd::try_from(ev).unwrap();
    let mut file = std::fs::File::from(owned);
    let mut buf = [0u8; 8];
    file.read_exact(&mut buf).unwrap();
    assert_eq!(u64::from_ne_bytes(buf), 9);
}

#[test]
fn raw_fd_is_the_handle_number() {
    let ev = EventFd::new(0).unwrap();
    assert_eq!(ev.as_raw_fd(), ev.raw());
    let t = TimerFd::new().unwrap();
    assert_eq!(t.as_raw_fd(), t.raw());
    ev.close().unwrap();
    assert_eq!(ev.as_raw_fd(), -1);
}

#[test]
fn a_guard_lends_a_borrowed_fd_that_stays_open() {
    let (rx, tx) = iofd::pipe().unwrap();
    let guard = tx.borrow().unwrap();
    tx.close().unwrap(); // deferred: the guard is alive
    // std code that takes `AsFd` can use it, e.g. to clone it.
    let clone: OwnedFd = guard.as_fd().try_clone_to_owned().unwrap();
    assert_eq!(guard.as_raw_fd(), guard.raw());
    drop(guard); // the original closes now
    let mut file = std::fs::File::from(clone);
    file.write_all(b"via the clone").unwrap();
    let mut buf = [0u8; 32];
    assert_eq!(rx.read(&mut buf).unwrap(), 13);
}

#[test]
fn memfd_is_a_std_file() {
    let mut m = MemFd::new("std-io").unwrap();
    m.write_all(b"0123456789").unwrap();
    m.flush().unwrap();
    assert_eq!(m.stream_position().unwrap(), 10);
    m.seek(SeekFrom::Start(2)).unwrap();
    let mut buf = [0u8; 3];
    m.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"234");
    assert_eq!(m.seek(SeekFrom::End(-1)).unwrap(), 9);
    assert_eq!(m.seek(SeekFrom::Current(-4)).unwrap(), 5);
    let mut rest = String::new();
    (&m).read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "56789");
    let err = m.seek(SeekFrom::Current(-100)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let err = m.seek(SeekFrom::Start(u64::MAX)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

#[test]
fn fd_works_with_io_copy() {
    let (rx, tx) = iofd::pipe().unwrap();
    (&tx).write_all(b"copied through std::io").unwrap();
    drop(tx);
    rx.set_nonblocking(false).unwrap();
    let mut out = Vec::new();
    io::copy(&mut &rx, &mut out).unwrap();
    assert_eq!(out, b"copied through std::io");
}

#[test]
fn closed_fd_is_an_ebadf_io_error() {
    let (mut rx, _tx) = iofd::pipe().unwrap();
    rx.close().unwrap();
    let err = io::Read::read(&mut rx, &mut [0; 1]).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBADF));
    let err = rx.seek(SeekFrom::Start(0)).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EBADF));
}
