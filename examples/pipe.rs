//! A pipe shared by threads, closed while they use it.
//!
//! Two writers push bytes into a pipe while the main thread reads; then the
//! main thread closes the write end under their feet. Each writer sees
//! `ErrorKind::Closed` on its next call, and the reader sees end-of-file
//! once the kernel close (deferred until no write is in flight) happens.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use iofd::ErrorKind;

fn main() -> Result<(), iofd::Error> {
    let (rx, tx) = iofd::pipe()?;
    let tx = Arc::new(tx);
    println!("pipe: read end {}, write end {}", rx.raw(), tx.raw());

    let writers: Vec<_> = (0..2)
        .map(|id| {
            let tx = Arc::clone(&tx);
            thread::spawn(move || {
                let mut sent = 0u64;
                loop {
                    match tx.write(&[b'a' + id]) {
                        Ok(n) => sent += n as u64,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => thread::yield_now(),
                        Err(e) if e.kind() == ErrorKind::Closed => return (sent, e),
                        Err(e) => panic!("unexpected error: {e}"),
                    }
                }
            })
        })
        .collect();

    let mut buf = [0u8; 4096];
    let mut received = 0u64;
    for _ in 0..50 {
        match rx.read(&mut buf) {
            Ok(n) => received += n as u64,
            Err(e) if e.kind() == ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(e),
        }
    }

    tx.close()?;
    println!("closed the write end; raw() is now {}", tx.raw());
    let mut sent = 0;
    for (id, w) in writers.into_iter().enumerate() {
        let (n, err) = w.join().expect("writer panicked");
        println!("writer {id}: wrote {n} bytes, then: {err}");
        sent += n;
    }

    rx.set_nonblocking(false)?;
    loop {
        match rx.read(&mut buf)? {
            0 => break,
            n => received += n as u64,
        }
    }
    println!("reader: {received} bytes, then end-of-file");
    assert_eq!(sent, received, "every byte written was read");
    Ok(())
}
