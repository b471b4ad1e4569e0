//! Stress: real threads hammer shared descriptors while some of them close
//! them at random moments and a thief grabs every number the closes free.
//!
//! A stale operation (one that reached a number after the kernel closed
//! and recycled it) shows up as a stray byte in, or a missing marker from,
//! one of the thief's pipes, or as a foreign byte read by a worker.
//!
//! The size comes from `IOFD_STRESS_OPS` (default 20 000 operations, about
//! a second); `scripts/stress.sh` runs the long version.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Barrier};
use std::thread;

use iofd::{ErrorKind, Fd, pipe};

const THREADS: usize = 8;

/// A small deterministic generator (xorshift64*), one per thread.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Default)]
struct Totals {
    ops: AtomicU64,
    closes: AtomicU64,
    stale: AtomicU64,
    stolen: AtomicU64,
}

fn is_closed<T>(r: &iofd::Result<T>) -> bool {
    matches!(r, Err(e) if e.kind() == ErrorKind::Closed)
}

/// One round; returns when both shared descriptors are closed and every
/// worker has seen it.
fn round(seed: u64, totals: &Totals) {
    // Workers write into `tx`; `watch` (another read end) drains it.
    let (watch, tx) = pipe().unwrap();
    // Workers read from `rx`, pre-filled with b'b' by `feed`.
    let (rx, feed) = pipe().unwrap();
    feed.write(&[b'b'; 4096]).unwrap();
    let (tx, rx) = (Arc::new(tx), Arc::new(rx));
    let start = Arc::new(Barrier::new(THREADS + 1));
    let done = Arc::new(AtomicBool::new(false));

    let workers: Vec<_> = (0..THREADS)
        .map(|i| {
            let (tx, rx, start) = (Arc::clone(&tx), Arc::clone(&rx), Arc::clone(&start));
            let mut rng = Rng(seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            thread::spawn(move || {
                let (mut ops, mut closes, mut stale) = (0u64, 0u64, 0u64);
                start.wait();
                loop {
                    let mut buf = [0u8; 2];
                    let (w, r) = match rng.below(64) {
                        0 => {
                            // A random close, of either descriptor.
                            closes += 1;
                            if rng.below(2) == 0 {
                                tx.close().unwrap()
                            } else {
                                rx.close().unwrap()
                            }
                            (tx.write(b"x").map(drop), rx.read(&mut buf).map(drop))
                        }
                        1 => (
                            tx.dup().map(|d| {
                                let _ = d.write(b"x");
                            }),
                            rx.is_nonblocking().map(drop),
                        ),
                        2 => {
                            let g = tx.borrow();
                            (g.map(drop), rx.read_at(&mut buf, 0).map(drop))
                        }
                        _ => {
                            let r = rx.read(&mut buf);
                            if let Ok(n) = r {
                                stale += buf[..n].iter().filter(|&&c| c != b'b').count() as u64;
                            }
                            (tx.write(b"x").map(drop), r.map(drop))
                        }
                    };
                    ops += 2;
                    if is_closed(&w) && is_closed(&r) {
                        break;
                    }
                }
                (ops, closes, stale)
            })
        })
        .collect();

    let thief = {
        let (start, done) = (Arc::clone(&start), Arc::clone(&done));
        thread::spawn(move || {
            let mut stolen: Vec<(Fd, Fd)> = Vec::new();
            start.wait();
            while !done.load(Relaxed) && stolen.len() < 2000 {
                let (r, w) = pipe().unwrap();
                w.write(b"m").unwrap();
                stolen.push((r, w));
            }
            stolen
        })
    };

    for w in workers {
        let (ops, closes, stale) = w.join().unwrap();
        totals.ops.fetch_add(ops, Relaxed);
        totals.closes.fetch_add(closes, Relaxed);
        totals.stale.fetch_add(stale, Relaxed);
    }
    done.store(true, Relaxed);
    let stolen = thief.join().unwrap();
    totals.stolen.fetch_add(stolen.len() as u64, Relaxed);
    for (r, _w) in &stolen {
        let mut buf = [0u8; 8];
        let ok = matches!(r.read(&mut buf), Ok(1)) && buf[0] == b'm' && r.read(&mut buf).is_err();
        if !ok {
            totals.stale.fetch_add(1, Relaxed);
        }
    }
    // The closes reached the kernel: `tx` is gone (end-of-file once
    // drained), and `rx` is gone (writing into its pipe fails with EPIPE).
    let mut buf = [0u8; 4096];
    loop {
        match watch.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => totals.stale.fetch_add(
                buf[..n].iter().filter(|&&c| c != b'x').count() as u64,
                Relaxed,
            ),
            Err(e) => panic!("the write end was never closed: {e}"),
        };
    }
    assert_eq!(
        feed.write(b"b").unwrap_err().raw_os_error(),
        libc::EPIPE,
        "read end never closed"
    );
}

#[test]
fn random_closes_under_load_never_touch_a_recycled_number() {
    let target: u64 = std::env::var("IOFD_STRESS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let totals = Totals::default();
    let mut rounds = 0u64;
    while totals.ops.load(Relaxed) < target {
        round(0x5eed ^ rounds, &totals);
        rounds += 1;
    }
    println!(
        "stress: {THREADS} threads, {} operations, {} random closes, {rounds} rounds, {} numbers stolen, {} stale accesses",
        totals.ops.load(Relaxed),
        totals.closes.load(Relaxed),
        totals.stolen.load(Relaxed),
        totals.stale.load(Relaxed),
    );
    assert_eq!(totals.stale.load(Relaxed), 0);
}
