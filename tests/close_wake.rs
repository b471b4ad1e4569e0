//! `close(&self)` against waits: it never blocks, it wakes this crate's own
//! waits on an eventfd or a timerfd (which return `Closed`), no wait ever
//! watches a number the kernel has handed to another file, and the kernel
//! close happens when the last wait returns. Also: leaked guards and
//! forked children no longer keep a closed descriptor open.
//!
//! The tests check descriptor numbers with fcntl(2), so they run one at a
//! time (a lock), and nothing else in this test binary opens descriptors
//! meanwhile: a number freed here cannot be taken by another test.

use std::sync::{Arc, Barrier, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use iofd::{ErrorKind, EventFd, EventFdFlags, Events, Fd, Handle, PollFd, TimerFd, pipe, poll};

/// How long a woken wait may take to return `Closed` (the promise).
const WAKE_LIMIT: Duration = Duration::from_millis(100);
/// How long the waiter is given to block before the close.
const SETTLE: Duration = Duration::from_millis(50);

fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether descriptor `n` is open in this process.
fn is_open(n: i32) -> bool {
    // SAFETY: F_GETFD takes no argument and reads no memory.
    unsafe { libc::fcntl(n, libc::F_GETFD) >= 0 }
}

/// Runs `wait` on a thread, closes `handle` from this one once the wait
/// has had time to block, and checks the whole contract: the close returns
/// at once, the wait returns `Closed` within [`WAKE_LIMIT`] of it, and the
/// descriptor is closed once the wait has returned.
fn check_close_wakes<H, T>(handle: Arc<H>, wait: fn(&H) -> iofd::Result<T>)
where
    H: Handle + Send + Sync + 'static,
    T: std::fmt::Debug + Send + 'static,
{
    let n = handle.raw();
    let waiter = Arc::clone(&handle);
    let t = thread::spawn(move || {
        let r = wait(&waiter);
        (r, Instant::now())
    });
    thread::sleep(SETTLE);
    assert!(!t.is_finished(), "the wait did not block");
    let start = Instant::now();
    handle.close().unwrap();
    let close_took = start.elapsed();
    assert!(
        close_took < Duration::from_millis(20),
        "close blocked for {close_took:?}"
    );
    let (r, returned) = t.join().unwrap();
    let woke_after = returned.saturating_duration_since(start);
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Closed);
    assert!(
        woke_after < WAKE_LIMIT,
        "the wait returned {woke_after:?} after the close"
    );
    assert!(
        !is_open(n),
        "descriptor {n} still open after the last wait returned"
    );
}

#[test]
fn close_wakes_eventfd_wait_blocking() {
    let _s = serial();
    check_close_wakes(Arc::new(EventFd::new(0).unwrap()), EventFd::wait_blocking);
}

#[test]
fn close_wakes_eventfd_wait_timeout() {
    let _s = serial();
    check_close_wakes(Arc::new(EventFd::new(0).unwrap()), |ev| {
        ev.wait_timeout(Duration::from_secs(30))
    });
}

#[test]
fn close_wakes_a_blocking_read_of_a_blocking_eventfd() {
    let _s = serial();
    let ev = EventFd::with_flags(0, EventFdFlags::CLOEXEC).unwrap();
    check_close_wakes(Arc::new(ev), EventFd::wait);
}

#[test]
fn close_wakes_wait_blocking_on_a_blocking_eventfd() {
    let _s = serial();
    let ev = EventFd::with_flags(0, EventFdFlags::CLOEXEC).unwrap();
    check_close_wakes(Arc::new(ev), EventFd::wait_blocking);
}

#[test]
fn close_wakes_timerfd_wait_blocking_on_a_disarmed_timer() {
    let _s = serial();
    check_close_wakes(Arc::new(TimerFd::new().unwrap()), TimerFd::wait_blocking);
}

#[test]
fn close_wakes_timerfd_wait_timeout() {
    let _s = serial();
    let timer = TimerFd::new().unwrap();
    timer
        .arm(Duration::from_secs(3600), Duration::ZERO)
        .unwrap();
    check_close_wakes(Arc::new(timer), |t| t.wait_timeout(Duration::from_secs(30)));
}

#[test]
fn close_wakes_poll_without_a_timeout() {
    let _s = serial();
    check_close_wakes(Arc::new(EventFd::new(0).unwrap()), |ev| {
        let mut fds = [PollFd::new(ev, Events::IN)];
        let r = poll(&mut fds, None);
        assert_eq!(fds[0].revents(), Events::NVAL, "the closed entry is marked");
        r
    });
}

#[test]
fn close_through_the_handle_trait_wakes_too() {
    let _s = serial();
    fn close_dyn(h: &dyn Handle) -> iofd::Result<()> {
        h.close()
    }
    let ev = Arc::new(EventFd::new(0).unwrap());
    let waiter = Arc::clone(&ev);
    let t = thread::spawn(move || waiter.wait_blocking());
    thread::sleep(SETTLE);
    close_dyn(&*ev).unwrap();
    assert_eq!(t.join().unwrap().unwrap_err().kind(), ErrorKind::Closed);
}

#[test]
fn every_waiter_is_woken() {
    let _s = serial();
    let ev = Arc::new(EventFd::new(0).unwrap());
    let n = ev.raw();
    let waiters: Vec<_> = (0..4)
        .map(|i| {
            let ev = Arc::clone(&ev);
            thread::spawn(move || match i % 2 {
                0 => ev.wait_blocking().map(drop),
                _ => poll(&mut [PollFd::new(&*ev, Events::IN)], None).map(drop),
            })
        })
        .collect();
    thread::sleep(SETTLE);
    let start = Instant::now();
    ev.close().unwrap();
    for w in waiters {
        assert_eq!(w.join().unwrap().unwrap_err().kind(), ErrorKind::Closed);
    }
    assert!(start.elapsed() < WAKE_LIMIT);
    assert!(!is_open(n));
}

#[test]
fn a_reader_that_takes_the_wake_up_passes_it_on() {
    // A reader in flight when the close comes takes the counter the close
    // added; the waiter must still wake. Race a tight loop of reads (each
    // counted in) against a close while a waiter sleeps.
    let _s = serial();
    for _ in 0..50 {
        let ev = Arc::new(EventFd::new(0).unwrap());
        let barrier = Arc::new(Barrier::new(3));
        let (reader, waiter) = (Arc::clone(&ev), Arc::clone(&ev));
        let (b1, b2) = (Arc::clone(&barrier), Arc::clone(&barrier));
        let r = thread::spawn(move || {
            b1.wait();
            while reader.is_valid() {
                let _ = reader.wait();
            }
        });
        let w = thread::spawn(move || {
            b2.wait();
            waiter.wait_blocking()
        });
        barrier.wait();
        thread::sleep(Duration::from_millis(2));
        let start = Instant::now();
        ev.close().unwrap();
        let woke = w.join().unwrap();
        assert!(
            start.elapsed() < WAKE_LIMIT,
            "the waiter slept through the close"
        );
        // The waiter may also have been the one to read a counter first.
        assert!(matches!(woke, Err(e) if e.kind() == ErrorKind::Closed));
        r.join().unwrap();
    }
}

#[test]
fn a_poll_never_watches_a_number_given_to_another_file() {
    // A pipe cannot be woken, so the close is deferred until the poll's
    // timeout: meanwhile the number stays open, new files get other
    // numbers (a stale poll would see them ready and return early), and
    // the poll then reports the close.
    let _s = serial();
    let (rx, tx) = pipe().unwrap();
    let n = rx.raw();
    let rx = Arc::new(rx);
    let waiter = Arc::clone(&rx);
    let timeout = Duration::from_millis(300);
    let t = thread::spawn(move || {
        let start = Instant::now();
        let mut fds = [PollFd::new(&*waiter, Events::IN)];
        let r = poll(&mut fds, Some(timeout));
        (r, start.elapsed(), fds[0].revents())
    });
    thread::sleep(SETTLE);
    rx.close().unwrap();
    assert!(!rx.is_valid());
    assert!(is_open(n), "the close was not deferred");
    // Files made now must not get the number, and are ready at once.
    let (rx2, tx2) = pipe().unwrap();
    tx2.write(b"ready").unwrap();
    assert_ne!(rx2.raw(), n);
    assert_ne!(tx2.raw(), n);
    let (r, waited, revents) = t.join().unwrap();
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Closed);
    assert!(waited >= timeout, "woken after {waited:?} by another file");
    assert_eq!(revents, Events::NVAL);
    assert!(!is_open(n), "the last poll did not close");
    drop((tx, rx2, tx2));
}

#[test]
fn a_blocked_read_keeps_its_descriptor_open_until_it_returns() {
    // What close does to a plain Fd: returns at once, and the kernel close
    // waits for the blocked read.
    let _s = serial();
    let (rx, tx) = pipe().unwrap();
    rx.set_nonblocking(false).unwrap();
    let n = rx.raw();
    let rx = Arc::new(rx);
    let reader = Arc::clone(&rx);
    let t = thread::spawn(move || reader.read(&mut [0; 8]));
    thread::sleep(SETTLE);
    let start = Instant::now();
    rx.close().unwrap();
    assert!(start.elapsed() < Duration::from_millis(20), "close blocked");
    assert!(is_open(n), "closed under a blocked read");
    tx.write(b"x").unwrap();
    assert_eq!(t.join().unwrap().unwrap(), 1, "the read completes normally");
    assert!(!is_open(n), "the read's return did not close");
}

#[test]
fn drop_closes_after_close_with_a_leaked_guard() {
    let _s = serial();
    let (rx, _tx) = pipe().unwrap();
    let n = rx.raw();
    std::mem::forget(rx.borrow().unwrap());
    rx.close().unwrap();
    assert!(is_open(n), "a leaked guard defers the close");
    drop(rx);
    assert!(!is_open(n), "drop left the descriptor open");
}

#[test]
fn into_raw_after_close_with_a_leaked_guard_closes() {
    let _s = serial();
    let (rx, _tx) = pipe().unwrap();
    let n = rx.raw();
    std::mem::forget(rx.borrow().unwrap());
    rx.close().unwrap();
    assert_eq!(rx.into_raw(), -1);
    assert!(!is_open(n));
}

#[test]
fn close_owned_closes_at_once_and_reports() {
    let _s = serial();
    let (rx, tx) = pipe().unwrap();
    let copy = tx.dup().unwrap();
    let n = copy.raw();
    copy.close_owned().unwrap();
    assert!(!is_open(n));
    // A leaked guard does not stop an owner either.
    let n = rx.raw();
    std::mem::forget(rx.borrow().unwrap());
    rx.close_owned().unwrap();
    assert!(!is_open(n));
    // Closing a closed Fd by value is fine.
    tx.close().unwrap();
    tx.close_owned().unwrap();
}

#[test]
fn in_a_forked_child_drop_closes_what_close_defers() {
    let _s = serial();
    let (rx, _tx) = pipe().unwrap();
    let n = rx.raw();
    let held = Barrier::new(2);
    let done = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            let _guard = rx.borrow().unwrap();
            held.wait();
            done.wait();
        });
        held.wait();
        // SAFETY: the child only makes async-signal-safe calls (atomic
        // operations, fcntl, close) and ends with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            // SAFETY: the child owns its copy of `rx` (the thread that
            // borrows it does not exist here) and never returns, so the
            // copy is dropped exactly once.
            let child_rx: Fd = unsafe { std::ptr::read(&rx) };
            let mut status = 0;
            if child_rx.close().is_err() || !is_open(n) {
                status |= 1; // close with the count the fork copied defers
            }
            drop(child_rx);
            if is_open(n) {
                status |= 2; // drop must close it
            }
            // SAFETY: ends the child at once, without running anything.
            unsafe { libc::_exit(status) };
        }
        let mut status = 0;
        // SAFETY: waits for our own child.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status));
        assert_eq!(libc::WEXITSTATUS(status), 0, "child status bits");
        done.wait();
    });
    assert!(is_open(n), "the parent's descriptor is its own");
}
