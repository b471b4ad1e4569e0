//! A Linux program with no libc, no std and no allocator: iofd alone.
//!
//! It makes an eventfd, a timerfd, a signalfd and a memfd one page long
//! (the page size comes from the auxiliary vector that `_start` hands to
//! iofd), waits on all four with `poll`, and lets each event set off the
//! next: the eventfd's counter arms the timer, the timer's expiry sends
//! signal 32 (the kernel's first real-time signal, which a libc would keep
//! for itself: this program has none and owns all 64), the signal writes a
//! message through the memfd's mapping, and
//! the message is read back through the memfd. One line per event goes to
//! standard output:
//!
//! ```text
//! eventfd: counter 42
//! timerfd: 1 expiration
//! signalfd: signal 32 from this process
//! memfd: read back "written through the mapping"
//! ```
//!
//! then the process exits with status 0. `start.rs` has the entry point
//! and the panic handler, `out.rs` the output, and `rt.rs` the memory
//! functions (`memcpy` and friends) that a `*-linux-gnu` build would
//! otherwise take from libc, and a bare-metal one from `compiler_builtins`
//! (whose versions, tuned for large copies, are larger than this whole
//! program needs).

#![no_std]
#![no_main]
// Keep LLVM from turning the loops in `rt.rs` back into calls to the
// functions they implement.
#![no_builtins]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

mod out;
mod rt;
mod start;

use core::time::Duration;

use iofd::{
    EventFd, Events, KERNEL_SIGRTMIN, MemFd, PollFd, Prot, Result, SigSet, SignalFd, TimerFd,
};

use crate::out::Line;

/// What travels through the memfd.
const MESSAGE: &[u8] = b"written through the mapping";

/// `ETIMEDOUT`: nothing happened for a whole second.
const TIMED_OUT: i32 = 110;
/// `EIO`: a descriptor reported an error or hang-up instead of data.
const BROKEN: i32 = 5;

fn run() -> Result<()> {
    // Block signal 32 first: once sent, it then stays pending for the
    // signalfd instead of ending the process. Without libc (declared by
    // `init_no_libc` in `_start`) it is the program's to use.
    let mut rt = SigSet::empty();
    rt.add(KERNEL_SIGRTMIN)?;
    iofd::block_signals(&rt)?;
    let signals = SignalFd::new(&rt)?;
    let event = EventFd::new(0)?;
    let timer = TimerFd::new()?;
    let page = iofd::page_size();
    let mem = MemFd::new("nolibc")?;
    mem.truncate(page as u64)?;
    let region = mem.mmap(page, Prot::READ | Prot::WRITE)?;

    let mut fds = [
        PollFd::new(&event, Events::IN),
        PollFd::new(&timer, Events::IN),
        PollFd::new(&signals, Events::IN),
        // A regular file always polls readable: listen only once the
        // message is in.
        PollFd::new(&mem, Events::empty()),
    ];
    event.signal(42)?;
    loop {
        if iofd::poll(&mut fds, Some(Duration::from_secs(1)))? == 0 {
            return Err(iofd::Error::from_raw_os_error(TIMED_OUT));
        }
        let broken = Events::ERR | Events::HUP | Events::NVAL;
        if fds.iter().any(|fd| fd.revents().intersects(broken)) {
            return Err(iofd::Error::from_raw_os_error(BROKEN));
        }
        if fds[0].revents().contains(Events::IN) {
            Line::new("eventfd: counter ").num(event.wait()?).print()?;
            timer.arm(Duration::from_millis(10), Duration::ZERO)?;
        }
        if fds[1].revents().contains(Events::IN) {
            let expirations = timer.expirations()?;
            Line::new("timerfd: ")
                .num(expirations)
                .text(" expiration")
                .print()?;
            iofd::send_signal_to_thread(iofd::gettid(), KERNEL_SIGRTMIN)?;
        }
        if fds[2].revents().contains(Events::IN) {
            let info = signals.read()?;
            let sender = if info.pid() == iofd::getpid() {
                " from this process"
            } else {
                " from another process"
            };
            Line::new("signalfd: signal ")
                .num(info.signo() as u64)
                .text(sender)
                .print()?;
            region.write_at(0, MESSAGE)?;
            fds[3].set_events(Events::IN);
        }
        if fds[3].revents().contains(Events::IN) {
            let mut buf = [0u8; MESSAGE.len()];
            let n = mem.read_at(&mut buf, 0)?;
            Line::new("memfd: read back \"")
                .bytes(&buf[..n])
                .text("\"")
                .print()?;
            return Ok(());
        }
    }
}
