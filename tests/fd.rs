//! `Fd`: ownership, I/O, flags, and the race-free close.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use iofd::{ErrorKind, Fd, pipe};

fn errno_of(r: iofd::Result<impl std::fmt::Debug>) -> i32 {
    r.expect_err("expected an error").raw_os_error()
}

/// A seekable file for positional I/O, made without iofd.
fn memfd() -> Fd {
    // SAFETY: a valid NUL-terminated name; flags are plain bits.
    let fd = unsafe { libc::memfd_create(c"fd-test".as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: the descriptor was just created and is owned by nobody else.
    unsafe { Fd::from_raw(fd) }
}

#[test]
fn fd_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Fd>();
}

#[test]
fn raw_and_validity_follow_the_lifecycle() {
    let (rx, _tx) = pipe().unwrap();
    let n = rx.raw();
    assert!(n >= 0);
    assert!(rx.is_valid());
    rx.close().unwrap();
    assert_eq!(rx.raw(), -1);
    assert!(!rx.is_valid());
}

#[test]
fn from_raw_of_a_negative_number_is_closed() {
    // SAFETY: a negative number owns nothing.
    let fd = unsafe { Fd::from_raw(-1) };
    assert!(!fd.is_valid());
    assert_eq!(fd.read(&mut [0; 4]).unwrap_err().kind(), ErrorKind::Closed);
    fd.close().unwrap();
}

#[test]
fn debug_shows_the_number() {
    let (rx, _tx) = pipe().unwrap();
    assert_eq!(format!("{rx:?}"), format!("Fd({})", rx.raw()));
    rx.close().unwrap();
    assert_eq!(format!("{rx:?}"), "Fd(-1)");
}

#[test]
fn into_raw_hands_over_without_closing() {
    let (rx, tx) = pipe().unwrap();
    let n = tx.into_raw();
    // SAFETY: `into_raw` released ownership of `n` to us.
    let tx = unsafe { Fd::from_raw(n) };
    assert_eq!(tx.write(b"still open").unwrap(), 10);
    assert_eq!(rx.read(&mut [0; 32]).unwrap(), 10);
}

#[test]
fn into_raw_of_a_closed_fd_is_minus_one() {
    let (rx, _tx) = pipe().unwrap();
    rx.close().unwrap();
    assert_eq!(rx.into_raw(), -1);
}

#[test]
fn close_is_idempotent_and_really_closes() {
    let (rx, tx) = pipe().unwrap();
    tx.close().unwrap();
    tx.close().unwrap();
    tx.close().unwrap();
    // The write end is gone, so the reader sees end-of-file.
    assert_eq!(rx.read(&mut [0; 8]).unwrap(), 0);
}

#[test]
fn drop_closes() {
    let (rx, tx) = pipe().unwrap();
    drop(tx);
    assert_eq!(rx.read(&mut [0; 8]).unwrap(), 0);
}

#[test]
fn drop_closes_even_when_a_guard_was_leaked() {
    // A forgotten guard can never release its count, but it can no longer
    // reach the descriptor either: dropping the owner still closes it.
    let (rx, tx) = pipe().unwrap();
    std::mem::forget(tx.borrow().unwrap());
    drop(tx);
    assert_eq!(rx.read(&mut [0; 8]).unwrap(), 0, "write end closed");
}

#[test]
fn operations_after_close_fail_with_closed() {
    let (rx, tx) = pipe().unwrap();
    let file = memfd();
    for fd in [&rx, &tx, &file] {
        fd.close().unwrap();
        let mut buf = [0u8; 4];
        let closed = |e: iofd::Error| {
            assert_eq!(e.kind(), ErrorKind::Closed);
            assert_eq!(e.raw_os_error(), libc::EBADF);
        };
        closed(fd.read(&mut buf).unwrap_err());
        closed(fd.write(b"x").unwrap_err());
        closed(fd.read_at(&mut buf, 0).unwrap_err());
        closed(fd.write_at(b"x", 0).unwrap_err());
        closed(fd.read(&mut []).unwrap_err());
        closed(fd.write(&[]).unwrap_err());
        closed(fd.set_nonblocking(true).unwrap_err());
        closed(fd.is_nonblocking().unwrap_err());
        closed(fd.set_cloexec(true).unwrap_err());
        closed(fd.is_cloexec().unwrap_err());
        closed(fd.dup().unwrap_err());
        closed(fd.borrow().unwrap_err());
    }
}

#[test]
fn read_and_write_move_bytes() {
    let (rx, tx) = pipe().unwrap();
    assert_eq!(tx.write(b"hello, pipe").unwrap(), 11);
    let mut buf = [0u8; 64];
    let n = rx.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello, pipe");
}

#[test]
fn empty_pipe_would_block() {
    let (rx, _tx) = pipe().unwrap();
    let err = rx.read(&mut [0; 8]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(err.raw_os_error(), libc::EAGAIN);
}

#[test]
fn zero_length_io_makes_no_system_call() {
    // The kernel rejects a write on a read end (and a read on a write end)
    // with EBADF even for zero bytes, so `Ok(0)` proves nothing was issued.
    let (rx, tx) = pipe().unwrap();
    assert_eq!(errno_of(rx.write(b"x")), libc::EBADF);
    assert_eq!(rx.write(&[]).unwrap(), 0);
    assert_eq!(tx.read(&mut []).unwrap(), 0);
    let file = memfd();
    assert_eq!(file.write_at(&[], 5).unwrap(), 0);
    assert_eq!(file.read_at(&mut [], 5).unwrap(), 0);
}

#[test]
fn positional_io_leaves_the_offset_alone() {
    let file = memfd();
    assert_eq!(file.write_at(b"0123456789", 0).unwrap(), 10);
    assert_eq!(file.write_at(b"AB", 4).unwrap(), 2);
    let mut buf = [0u8; 4];
    assert_eq!(file.read_at(&mut buf, 3).unwrap(), 4);
    assert_eq!(&buf, b"3AB6");
    // The plain read still starts at offset 0.
    let mut all = [0u8; 16];
    let n = file.read(&mut all).unwrap();
    assert_eq!(&all[..n], b"0123AB6789");
    // Reading past the end is end-of-file, not an error.
    assert_eq!(file.read_at(&mut buf, 100).unwrap(), 0);
}

#[test]
fn positional_io_rejects_offsets_beyond_loff_t() {
    let file = memfd();
    for off in [i64::MAX as u64 + 1, u64::MAX] {
        let e = file.read_at(&mut [0; 1], off).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = file.write_at(b"x", off).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}

#[test]
fn positional_io_on_a_pipe_is_espipe() {
    let (rx, tx) = pipe().unwrap();
    assert_eq!(errno_of(tx.write_at(b"x", 0)), libc::ESPIPE);
    assert_eq!(errno_of(rx.read_at(&mut [0; 1], 0)), libc::ESPIPE);
}

#[test]
fn pipe_ends_are_nonblocking_and_cloexec() {
    let (rx, tx) = pipe().unwrap();
    for fd in [&rx, &tx] {
        assert!(fd.is_nonblocking().unwrap());
        assert!(fd.is_cloexec().unwrap());
        // SAFETY: plain fcntl queries on a descriptor we hold open.
        let (fl, fdfl) = unsafe {
            (
                libc::fcntl(fd.raw(), libc::F_GETFL),
                libc::fcntl(fd.raw(), libc::F_GETFD),
            )
        };
        assert_ne!(fl & libc::O_NONBLOCK, 0);
        assert_eq!(fdfl & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }
}

#[test]
fn set_nonblocking_toggles_the_flag() {
    let (rx, _tx) = pipe().unwrap();
    rx.set_nonblocking(false).unwrap();
    assert!(!rx.is_nonblocking().unwrap());
    rx.set_nonblocking(false).unwrap();
    assert!(!rx.is_nonblocking().unwrap());
    rx.set_nonblocking(true).unwrap();
    assert!(rx.is_nonblocking().unwrap());
    assert_eq!(
        rx.read(&mut [0; 1]).unwrap_err().kind(),
        ErrorKind::WouldBlock
    );
}

#[test]
fn set_cloexec_toggles_the_flag() {
    let (rx, _tx) = pipe().unwrap();
    rx.set_cloexec(false).unwrap();
    assert!(!rx.is_cloexec().unwrap());
    rx.set_cloexec(true).unwrap();
    assert!(rx.is_cloexec().unwrap());
}

#[test]
fn dup_is_a_new_cloexec_number_for_the_same_file() {
    let (rx, tx) = pipe().unwrap();
    tx.set_cloexec(false).unwrap();
    let tx2 = tx.dup().unwrap();
    assert!(tx2.is_valid());
    assert_ne!(tx2.raw(), tx.raw());
    assert!(
        tx2.is_cloexec().unwrap(),
        "F_DUPFD_CLOEXEC sets close-on-exec"
    );
    // Status flags belong to the open file and are shared.
    tx.set_nonblocking(false).unwrap();
    assert!(!tx2.is_nonblocking().unwrap());
    tx.close().unwrap();
    assert_eq!(tx2.write(b"via dup").unwrap(), 7);
    assert_eq!(rx.read(&mut [0; 16]).unwrap(), 7);
    drop(tx2);
    assert_eq!(rx.read(&mut [0; 16]).unwrap(), 0);
}

#[test]
fn close_waits_for_a_guard_and_the_last_guard_closes() {
    let (rx, tx) = pipe().unwrap();
    let guard = tx.borrow().unwrap();
    let n = guard.raw();
    assert_eq!(n, tx.raw());
    tx.close().unwrap(); // deferred: a guard is alive
    assert_eq!(tx.raw(), -1);
    assert_eq!(tx.write(b"x").unwrap_err().kind(), ErrorKind::Closed);
    // The guarded number is still the pipe's write end.
    // SAFETY: the guard keeps `n` open; the buffer is valid for 3 bytes.
    let w = unsafe { libc::write(n, b"abc".as_ptr().cast(), 3) };
    assert_eq!(w, 3);
    assert_eq!(rx.read(&mut [0; 8]).unwrap(), 3);
    drop(guard); // the deferred close happens here
    assert_eq!(rx.read(&mut [0; 8]).unwrap(), 0, "write end closed");
}

#[test]
fn concurrent_closers_all_succeed() {
    let (rx, tx) = pipe().unwrap();
    let tx = Arc::new(tx);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (tx, barrier) = (Arc::clone(&tx), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                tx.close()
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    assert_eq!(tx.raw(), -1);
    assert_eq!(rx.read(&mut [0; 1]).unwrap(), 0);
}

/// One round of the close race: workers hammer a pipe pair while closers
/// close it and a thief grabs every freed number with fresh pipes. A stale
/// operation would write a stray byte into, or steal the marker from, one
/// of the thief's pipes.
fn close_race_round(round: u32) {
    const WORKERS: usize = 6;
    const CLOSERS: usize = 3;
    // Pipe A: workers write into `tx_a`; `watch_a` (a second read end)
    // reports end-of-file once `tx_a` is closed by the kernel.
    let (rx_a, tx_a) = pipe().unwrap();
    let watch_a = rx_a.dup().unwrap();
    drop(rx_a);
    // Pipe B: workers read from `rx_b`; `watch_b` (a second write end) gets
    // EPIPE once `rx_b` is closed by the kernel.
    let (rx_b, watch_b) = pipe().unwrap();
    watch_b.write(&[b'b'; 4096]).unwrap();

    let tx_a = Arc::new(tx_a);
    let rx_b = Arc::new(rx_b);
    let start = Arc::new(Barrier::new(WORKERS + CLOSERS + 1));
    let done = Arc::new(AtomicBool::new(false));

    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (tx_a, rx_b, start) = (Arc::clone(&tx_a), Arc::clone(&rx_b), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let mut buf = [0u8; 1];
                loop {
                    let w = tx_a.write(b"x");
                    let r = rx_b.read(&mut buf);
                    if let Ok(1) = r {
                        assert_eq!(buf[0], b'b', "read a byte from a foreign file");
                    }
                    let closed = |k: Option<ErrorKind>| k == Some(ErrorKind::Closed);
                    if closed(w.err().map(|e| e.kind())) && closed(r.err().map(|e| e.kind())) {
                        break;
                    }
                }
            })
        })
        .collect();
    let closers: Vec<_> = (0..CLOSERS)
        .map(|i| {
            let (tx_a, rx_b, start) = (Arc::clone(&tx_a), Arc::clone(&rx_b), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                thread::sleep(Duration::from_micros(u64::from(round % 7 + i as u32) * 50));
                let a = tx_a.close();
                let b = rx_b.close();
                (a, b)
            })
        })
        .collect();
    // The thief: takes every number the closes free, marks each pipe.
    let thief = {
        let (start, done) = (Arc::clone(&start), Arc::clone(&done));
        thread::spawn(move || {
            start.wait();
            let mut stolen = Vec::new();
            while !done.load(Ordering::Acquire) && stolen.len() < 4000 {
                let (r, w) = pipe().unwrap();
                w.write(b"m").unwrap();
                stolen.push((r, w));
            }
            stolen
        })
    };

    for w in workers {
        w.join().unwrap();
    }
    for c in closers {
        let (a, b) = c.join().unwrap();
        a.unwrap();
        b.unwrap();
    }
    done.store(true, Ordering::Release);
    let stolen = thief.join().unwrap();

    // No stale operation reached a recycled number: every thief pipe holds
    // exactly its marker.
    for (r, _w) in &stolen {
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap(), 1, "marker stolen");
        assert_eq!(buf[0], b'm', "stray byte in a recycled descriptor");
        assert_eq!(r.read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
    }
    // And the deferred closes did happen, exactly as the owners asked.
    let mut buf = [0u8; 4096];
    loop {
        match watch_a.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => assert!(buf[..n].iter().all(|&c| c == b'x')),
            Err(e) => panic!("tx_a was never closed: {e}"),
        }
    }
    assert_eq!(
        errno_of(watch_b.write(b"b")),
        libc::EPIPE,
        "rx_b was never closed"
    );
}

#[test]
fn close_racing_operations_never_touches_a_recycled_number() {
    for round in 0..60 {
        close_race_round(round);
    }
}
