//! A tour of iofd: five kinds of handles, one `poll` loop.
//!
//! Run with `cargo run --example tour`.

use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use iofd::{
    EventFd, Events, MemFd, PidFd, PollFd, Prot, SIGUSR1, Seals, SigSet, SignalFd, TimerFd, poll,
};

/// What a ready descriptor stands for.
#[derive(Clone, Copy)]
enum Source {
    Wake,
    Tick,
    Signal,
    Child,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let at = || format!("{:>4} ms", start.elapsed().as_millis());
    println!("iofd tour: every handle below talks to the kernel without libc.\n");

    // Signals first: block SIGUSR1 before any thread exists, so every
    // thread inherits the mask and the signal waits for the signalfd.
    let mut usr1 = SigSet::empty();
    usr1.add(SIGUSR1)?;
    iofd::block_signals(&usr1)?;
    let signals = SignalFd::new(&usr1)?;

    // A sealed memfd: write once, seal, then share it read-only.
    let memory = MemFd::new_sealable("tour-config")?;
    memory.write(b"greeting=hello from a sealed memfd")?;
    memory.seal(Seals::WRITE | Seals::SHRINK | Seals::GROW | Seals::SEAL)?;
    let shared = memory.fd().dup()?; // what another process would receive
    let view = memory.mmap(34, Prot::READ)?;
    drop(memory);
    let text = view
        .as_slice()
        .expect("sealed and backed, so a plain slice is safe");
    println!(
        "{}  memfd: mapped {} sealed bytes: {:?}",
        at(),
        view.len(),
        std::str::from_utf8(text)?
    );
    let refused = shared.write(b"tamper").unwrap_err();
    println!(
        "{}  memfd: writing to the shared copy is refused: {refused}",
        at()
    );

    // An eventfd that another thread will signal.
    let wake = Arc::new(EventFd::new(0)?);
    let remote = Arc::clone(&wake);
    let worker = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        remote.signal(42)
    });

    // A timer ticking every 100 ms.
    let ticks = TimerFd::new()?;
    ticks.arm(Duration::from_millis(100), Duration::from_millis(100))?;

    // A child process, watched through a pidfd. std spawns it; iofd waits
    // for it (std never reaps a child it is not asked to wait for).
    let child = Command::new("/bin/sh")
        .args(["-c", "sleep 0.2; exit 3"])
        .spawn()?;
    let child_fd = PidFd::open(child.id() as i32)?;
    println!("{}  pidfd: watching child process {}", at(), child_fd.pid());

    let (mut tick_count, mut got_wake, mut got_signal, mut child_done) = (0, false, false, false);
    while tick_count < 3 || !got_wake || !got_signal || !child_done {
        // Wait only for what is still to come.
        let mut fds = Vec::new();
        let mut sources = Vec::new();
        for (source, handle, pending) in [
            (Source::Wake, &*wake as &dyn iofd::Handle, !got_wake),
            (Source::Tick, &ticks, tick_count < 3),
            (Source::Signal, &signals, !got_signal),
            (Source::Child, &child_fd, !child_done),
        ] {
            if pending {
                fds.push(PollFd::new(handle, Events::IN));
                sources.push(source);
            }
        }
        poll(&mut fds, Some(Duration::from_secs(2)))?;
        let ready: Vec<Source> = sources
            .into_iter()
            .zip(&fds)
            .filter(|(_, fd)| fd.revents().contains(Events::IN))
            .map(|(source, _)| source)
            .collect();
        drop(fds);

        for source in ready {
            match source {
                Source::Wake => {
                    println!(
                        "{}  eventfd: woken by another thread with value {}",
                        at(),
                        wake.wait()?
                    );
                    got_wake = true;
                }
                Source::Tick => {
                    tick_count += ticks.expirations()?;
                    println!("{}  timerfd: tick {tick_count}", at());
                    if tick_count == 1 {
                        iofd::send_signal_to_thread(iofd::gettid(), SIGUSR1)?;
                        println!("{}  signal: sent SIGUSR1 to this thread", at());
                    }
                }
                Source::Signal => {
                    let info = signals.read()?;
                    let name = if info.signo() == SIGUSR1 {
                        "SIGUSR1"
                    } else {
                        "another signal"
                    };
                    println!(
                        "{}  signalfd: received {name} from pid {}",
                        at(),
                        info.pid()
                    );
                    got_signal = true;
                }
                Source::Child => {
                    // Readable: the child has exited; waitid(2) reaps it.
                    let status = child_fd.wait()?;
                    println!("{}  pidfd: child {} {status}", at(), child_fd.pid());
                    child_done = true;
                }
            }
        }
    }
    ticks.disarm()?;
    worker.join().expect("the worker thread panicked")?;
    println!(
        "\ndone in {} ms; every handle closes as it goes out of scope.",
        start.elapsed().as_millis()
    );
    Ok(())
}
