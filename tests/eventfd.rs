//! `EventFd`: the counter, semaphore mode, limits, and buffers.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use iofd::{ErrorKind, EventFd, EventFdFlags, Events, Handle, PollFd, poll};

fn kind<T: std::fmt::Debug>(r: iofd::Result<T>) -> ErrorKind {
    r.expect_err("expected an error").kind()
}

#[test]
fn starts_at_initval() {
    let ev = EventFd::new(5).unwrap();
    assert_eq!(ev.wait().unwrap(), 5);
    assert_eq!(kind(ev.wait()), ErrorKind::WouldBlock);
}

#[test]
fn signals_add_up_and_wait_resets() {
    let ev = EventFd::new(0).unwrap();
    for v in [1, 2, 3, 1000] {
        ev.signal(v).unwrap();
    }
    assert_eq!(ev.wait().unwrap(), 1006);
    assert_eq!(kind(ev.wait()), ErrorKind::WouldBlock);
}

#[test]
fn signals_from_other_threads_add_up() {
    let ev = Arc::new(EventFd::new(0).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let ev = Arc::clone(&ev);
            thread::spawn(move || {
                for _ in 0..1000 {
                    ev.signal(3).unwrap();
                }
            })
        })
        .collect();
    let mut total = 0;
    for t in threads {
        t.join().unwrap();
    }
    while let Ok(n) = ev.wait() {
        total += n;
    }
    assert_eq!(total, 4 * 1000 * 3);
}

#[test]
fn semaphore_mode_takes_one_at_a_time() {
    let sem = EventFd::new_semaphore(2).unwrap();
    sem.signal(1).unwrap();
    for _ in 0..3 {
        assert_eq!(sem.wait().unwrap(), 1);
    }
    assert_eq!(kind(sem.wait()), ErrorKind::WouldBlock);
}

#[test]
fn overflow_would_block_and_leaves_the_counter() {
    let ev = EventFd::new(0).unwrap();
    ev.signal(u64::MAX - 1).unwrap(); // the largest value the counter holds
    let err = ev.signal(1).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.raw_os_error(), libc::EAGAIN);
    assert_eq!(ev.wait().unwrap(), u64::MAX - 1);
}

#[test]
fn u64_max_is_invalid_input() {
    let ev = EventFd::new(0).unwrap();
    let err = ev.signal(u64::MAX).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.raw_os_error(), libc::EINVAL);
    // The kernel rejects the same value written as bytes.
    assert_eq!(
        kind(ev.write(&u64::MAX.to_ne_bytes())),
        ErrorKind::InvalidInput
    );
    assert_eq!(kind(ev.wait()), ErrorKind::WouldBlock, "nothing was added");
}

#[test]
fn signal_zero_is_a_no_op() {
    let ev = EventFd::new(0).unwrap();
    ev.signal(0).unwrap();
    assert_eq!(kind(ev.wait()), ErrorKind::WouldBlock);
    // Not even readiness changes.
    let mut fds = [PollFd::new(&ev, Events::IN)];
    assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 0);
}

#[test]
fn byte_buffers_must_hold_eight_bytes() {
    let ev = EventFd::new(0).unwrap();
    assert_eq!(
        kind(ev.write(&[1, 0, 0, 0, 0, 0, 0])),
        ErrorKind::InvalidInput
    );
    assert_eq!(kind(ev.read(&mut [0u8; 7])), ErrorKind::InvalidInput);
    assert_eq!(kind(ev.read(&mut [])), ErrorKind::InvalidInput);

    assert_eq!(ev.write(&9u64.to_ne_bytes()).unwrap(), 8);
    // Extra bytes are ignored: only the first eight are the value.
    let mut long = [0xffu8; 12];
    long[..8].copy_from_slice(&1u64.to_ne_bytes());
    assert_eq!(ev.write(&long).unwrap(), 8);
    let mut buf = [0u8; 16];
    assert_eq!(ev.read(&mut buf).unwrap(), 8);
    assert_eq!(u64::from_ne_bytes(buf[..8].try_into().unwrap()), 10);
}

#[test]
fn defaults_are_nonblocking_and_cloexec() {
    for ev in [EventFd::new(0).unwrap(), EventFd::new_semaphore(0).unwrap()] {
        assert!(ev.fd().is_nonblocking().unwrap());
        assert!(ev.fd().is_cloexec().unwrap());
    }
    let plain = EventFd::with_flags(0, EventFdFlags::empty()).unwrap();
    assert!(!plain.fd().is_nonblocking().unwrap());
    assert!(!plain.fd().is_cloexec().unwrap());
}

#[test]
fn readable_while_nonzero() {
    let ev = EventFd::new(0).unwrap();
    let mut fds = [PollFd::new(&ev, Events::IN | Events::OUT)];
    assert_eq!(poll(&mut fds, Some(Duration::ZERO)).unwrap(), 1);
    assert_eq!(fds[0].revents(), Events::OUT, "writable, not readable");
    ev.signal(1).unwrap();
    poll(&mut fds, Some(Duration::ZERO)).unwrap();
    assert_eq!(fds[0].revents(), Events::IN | Events::OUT);
}

#[test]
fn wait_blocking_wakes_on_a_signal_from_another_thread() {
    let ev = Arc::new(EventFd::new(0).unwrap());
    let remote = Arc::clone(&ev);
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        remote.signal(42).unwrap();
    });
    assert_eq!(ev.wait_blocking().unwrap(), 42);
    t.join().unwrap();
}

#[test]
fn blocking_eventfd_wait_blocks_until_signalled() {
    let ev = Arc::new(EventFd::with_flags(0, EventFdFlags::CLOEXEC).unwrap());
    let remote = Arc::clone(&ev);
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        remote.signal(7).unwrap();
    });
    assert_eq!(ev.wait().unwrap(), 7);
    t.join().unwrap();
}

#[test]
fn closed_eventfd_reports_closed() {
    let ev = EventFd::new(1).unwrap();
    ev.close().unwrap();
    assert!(!ev.is_valid());
    assert_eq!(ev.raw(), -1);
    assert_eq!(kind(ev.signal(1)), ErrorKind::Closed);
    assert_eq!(kind(ev.signal(0)), ErrorKind::Closed);
    assert_eq!(kind(ev.wait()), ErrorKind::Closed);
    assert_eq!(kind(ev.read(&mut [0; 8])), ErrorKind::Closed);
    assert_eq!(kind(ev.write(&1u64.to_ne_bytes())), ErrorKind::Closed);
    assert_eq!(kind(ev.wait_blocking()), ErrorKind::Closed);
    ev.close().unwrap();
}

#[test]
fn handle_trait_reaches_the_same_descriptor() {
    let ev = EventFd::new(0).unwrap();
    let h: &dyn Handle = &ev;
    assert_eq!(h.raw(), ev.raw());
    assert_eq!(h.fd().raw(), ev.raw());
    h.close().unwrap();
    assert!(!ev.is_valid());
}

#[test]
fn into_fd_keeps_the_descriptor_open() {
    let ev = EventFd::new(3).unwrap();
    let n = ev.raw();
    let fd: iofd::Fd = ev.into();
    assert_eq!(fd.raw(), n);
    let mut buf = [0u8; 8];
    assert_eq!(fd.read(&mut buf).unwrap(), 8);
    assert_eq!(u64::from_ne_bytes(buf), 3);
}

#[test]
fn from_fd_adopts_the_counter_and_its_mode() {
    let sem = EventFd::new_semaphore(2).unwrap();
    // SAFETY: the descriptor is an eventfd.
    let adopted = unsafe { EventFd::from_fd(iofd::Fd::from(sem)) };
    assert_eq!(adopted.wait().unwrap(), 1, "still in semaphore mode");
    assert_eq!(adopted.wait().unwrap(), 1);
    assert_eq!(kind(adopted.wait()), ErrorKind::WouldBlock);
}
