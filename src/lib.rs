//! Linux file-descriptor handles with an atomic, race-free close, and no
//! libc underneath.
//!
//! iofd talks to the kernel through its own inline-asm system-call stubs
//! (x86_64, aarch64, riscv64, loongarch64, ARMv7, i686), and reads clocks
//! through the kernel's vDSO as libc does, with no system call. It is
//! `#![no_std]`, needs no allocator and no libc, and runs the same on
//! `*-linux-*` targets and on bare-metal `*-none` targets that sit on a
//! Linux kernel (which can hand iofd their initial stack with
//! [`init_no_libc`]).
//!
//! | type | what it is |
//! |---|---|
//! | [`Fd`] | an owned descriptor whose [`close`](Fd::close) is idempotent, thread-safe and free of descriptor-reuse races |
//! | [`EventFd`] | a kernel counter for wake-ups (eventfd(2)) |
//! | [`TimerFd`] | a timer read from a descriptor (timerfd_create(2)), on a [`Clock`] |
//! | [`PidFd`], [`ExitStatus`] | a process as a descriptor (pidfd_open(2)), and how a child ended ([`PidFd::wait`], waitid(2)) |
//! | [`MemFd`], [`MappedRegion`] | anonymous memory as a file, with [`Seals`] and shared mappings (memfd_create(2)) |
//! | [`SignalFd`], [`SigSet`] | signals read from a descriptor (signalfd(2)), and the thread's signal mask |
//! | [`socketpair`], [`send_fds`], [`recv_fds`] | descriptors passed to another process over a Unix socket (`SCM_RIGHTS`), received close-on-exec; adopt them with [`MemFd::try_from`](MemFd#impl-TryFrom<Fd>-for-MemFd) (refusals give the [`Fd`] back in a [`TryFromFdError`]) or the `from_fd` of [`EventFd`], [`TimerFd`], [`PidFd`] and [`SignalFd`] |
//! | [`poll`], [`PollFd`] | readiness of any set of handles (ppoll(2)) |
//! | [`Epoll`], [`EpollEvent`], [`EpollFlags`] | readiness of many handles through one descriptor (epoll(7)), with a [`close`](Epoll::close) that wakes its waiters |
//! | [`clock_now`], [`page_size`] | the time of a [`Clock`], through the vDSO (clock_gettime(2)); the page size (`AT_PAGESZ`) |
//! | [`raw`] | the system-call stubs themselves, for calls iofd does not wrap |
//! | [`Error`] | the kernel's errno, classified by [`ErrorKind`] |
//!
//! Every handle owns an [`Fd`], implements [`Handle`], is `Send + Sync`,
//! closes on drop, and is created close-on-exec and (except [`MemFd`],
//! a regular file) non-blocking: an operation that would block returns
//! [`ErrorKind::WouldBlock`]. No constructor or operation allocates.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use iofd::{poll, EventFd, Events, PollFd, TimerFd};
//!
//! let wake = EventFd::new(0)?;
//! let tick = TimerFd::new()?;
//! tick.arm(Duration::from_millis(5), Duration::ZERO)?;
//! wake.signal(1)?;
//!
//! let mut fds = [PollFd::new(&wake, Events::IN), PollFd::new(&tick, Events::IN)];
//! poll(&mut fds, Some(Duration::from_secs(1)))?;
//! assert!(fds[0].revents().contains(Events::IN));
//! assert_eq!(wake.wait()?, 1);
//! assert_eq!(tick.wait_blocking()?, 1);
//! # Ok::<(), iofd::Error>(())
//! ```
//!
//! # The race-free close
//!
//! An [`Fd`] is the descriptor number and, beside it, one atomic word that
//! counts the operations using it. Operations count themselves in around
//! their system call; [`close`](Fd::close) first marks the word closing
//! (from then on [`raw`](Fd::raw) is `-1` and operations fail with
//! [`ErrorKind::Closed`] without a system call), and the kernel `close`
//! runs only when no operation is left: at once, or in the last operation
//! as it returns. So an operation racing a close can never reach a number
//! the kernel has already handed to another file.
//!
//! # Cookbook
//!
//! Each recipe is a test of its own.
//!
//! ### Wake an event loop from another thread
//!
//! An [`EventFd`] registered in the loop's [`Epoll`] (or watched by
//! [`poll`]): any thread signals it, the loop wakes and takes the count.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use iofd::{Epoll, EpollEvent, EpollFlags, EventFd};
//!
//! const WAKE: u64 = 1;
//! let epoll = Epoll::new()?;
//! let wake = Arc::new(EventFd::new(0)?);
//! epoll.add(&*wake, EpollFlags::IN, WAKE)?;
//!
//! let remote = Arc::clone(&wake);
//! let t = std::thread::spawn(move || remote.signal(1));
//!
//! let mut events = [EpollEvent::default(); 8];
//! let n = epoll.wait(&mut events, Some(Duration::from_secs(10)))?;
//! assert_eq!((n, events[0].token()), (1, WAKE));
//! assert_eq!(wake.wait()?, 1); // take the wake-up, so the next wait sleeps
//! t.join().unwrap()?;
//! # Ok::<(), iofd::Error>(())
//! ```
//!
//! ### A periodic timer
//!
//! ```
//! use std::time::Duration;
//! use iofd::TimerFd;
//!
//! let timer = TimerFd::new()?;
//! timer.arm(Duration::from_millis(1), Duration::from_millis(1))?;
//! let mut ticks = 0;
//! while ticks < 3 {
//!     ticks += timer.wait_blocking()?; // more than 1 if a tick was missed
//! }
//! timer.disarm()?;
//! # Ok::<(), iofd::Error>(())
//! ```
//!
//! ### How a child ended
//!
//! ```
//! use std::process::Command;
//! use iofd::PidFd;
//!
//! let child = Command::new("/bin/sh").args(["-c", "exit 7"]).spawn().unwrap();
//! let pidfd = PidFd::open(child.id() as i32)?;
//! let status = pidfd.wait()?; // reaps it: std's `Child` must not wait too
//! assert_eq!(status.code(), Some(7));
//! assert_eq!(status.to_string(), "exited with status 7");
//! # Ok::<(), iofd::Error>(())
//! ```
//!
//! ### A sealed memfd, shared read-only with another process
//!
//! Seal the contents, pass the descriptor over a Unix socket, and the
//! receiver checks the seals before it trusts the bytes: with `WRITE` and
//! `SHRINK` sealed, a mapping is a plain `&[u8]`.
//!
//! ```
//! use iofd::{MemFd, Prot, Seals};
//!
//! let table = MemFd::new_sealable("table")?;
//! table.write(b"immutable")?;
//! table.seal(Seals::SHRINK | Seals::GROW | Seals::WRITE | Seals::SEAL)?;
//!
//! let (ours, theirs) = iofd::socketpair()?; // the other end goes to the peer
//! iofd::send_fds(&ours, b"table", &[table.fd()])?;
//!
//! // In the peer:
//! let (mut buf, mut fds) = ([0u8; 16], [None]);
//! let (_, count) = iofd::recv_fds(&theirs, &mut buf, &mut fds)?;
//! assert_eq!(count, 1);
//! let received = MemFd::try_from(fds[0].take().unwrap())?; // only a memfd passes
//! assert!(received.seals()?.contains(Seals::WRITE | Seals::SHRINK));
//! let view = received.mmap(received.size()? as usize, Prot::READ)?;
//! assert_eq!(view.as_slice(), Some(&b"immutable"[..]));
//! # Ok::<(), iofd::Error>(())
//! ```
//!
//! ### SIGTERM through a signalfd
//!
//! Block the signal (in every thread, before any is spawned, in a real
//! program), then read it like any other event:
//!
//! ```
//! use iofd::{SigSet, SignalFd, SIGTERM};
//!
//! let mut term = SigSet::empty();
//! term.add(SIGTERM)?;
//! let old = iofd::block_signals(&term)?;
//! let sfd = SignalFd::new(&term)?;
//!
//! iofd::send_signal_to_thread(iofd::gettid(), SIGTERM)?; // as `kill` would
//! let info = sfd.read()?;
//! assert_eq!((info.signo(), info.pid()), (SIGTERM, iofd::getpid()));
//! iofd::set_signal_mask(&old)?;
//! # Ok::<(), iofd::Error>(())
//! ```
//!
//! ### tokio's `AsyncFd`
//!
//! With the `std` feature every handle is an `AsRawFd`. tokio's
//! registration is `unsafe` because the descriptor must stay open and the
//! same while registered: own the handle in the `AsyncFd`, and do not
//! `close()` it there (drop the `AsyncFd`, or take the handle back with
//! `into_inner`, first).
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use tokio::io::unix::AsyncFd;
//!
//! let rt = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
//! let n = rt.block_on(async {
//!     let ev = iofd::EventFd::new(0)?;
//!     ev.signal(3)?;
//!     // SAFETY: the AsyncFd owns the eventfd and nothing closes it while
//!     // it is registered.
//!     let afd = unsafe { AsyncFd::register(ev) }?;
//!     loop {
//!         let mut ready = afd.readable().await?;
//!         if let Ok(n) = ready.try_io(|inner| Ok(inner.get_ref().wait()?)) {
//!             break n;
//!         }
//!     }
//! })?;
//! assert_eq!(n, 3);
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ### async-io, through a guard
//!
//! A guard ([`Fd::borrow`]) keeps its descriptor open while it lives, so
//! with the `std` feature it is an `AsFd`: hand it to APIs that need one,
//! such as `async_io::Async` (which makes the file non-blocking).
//!
//! ```
//! # #[cfg(feature = "std")] {
//! use async_io::Async;
//!
//! let ev = iofd::EventFd::new(0)?;
//! let watched = Async::new(ev.fd().borrow()?)?;
//! async_io::block_on(async {
//!     ev.signal(1)?;
//!     watched.readable().await?;
//!     assert_eq!(ev.wait()?, 1);
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Coming from the Go package
//!
//! iofd is the Rust counterpart of Go's `code.hybscloud.com/iofd` and
//! `zcall`. Every Go operation has a counterpart; where they differ:
//!
//! - `NewFD(fd)` is the `unsafe` [`Fd::from_raw`] (it takes ownership);
//!   `Fd()` and `Raw()` are both [`Fd::raw`].
//! - Go's documented hazard, a `Close` racing an operation that then hits a
//!   reused number, does not exist here (see above).
//! - `Arm(initial, interval)` and `ArmDuration` are one method,
//!   [`TimerFd::arm`], taking [`Duration`](core::time::Duration)s; a zero
//!   initial value expires at once instead of disarming.
//! - `NewMemFDSealed` is [`MemFd::new_sealable`]: it allows sealing;
//!   [`MemFd::seal`] seals. `Pread`/`Pwrite` are `read_at`/`write_at`.
//!   The Go constructors make executable files (unless `vm.memfd_noexec`
//!   says otherwise); iofd's are not executable, except
//!   [`MemFd::new_executable`]'s. `Mmap` maps up to the end of the file;
//!   [`MemFd::mmap_past_end`] maps further when asked.
//! - `MappedRegion.Bytes()` would be unsound over shared memory, so it is
//!   split: [`MappedRegion::as_slice`] (safe, only for sealed files),
//!   `unsafe` unchecked slices, and copying
//!   [`read_at`](MappedRegion::read_at)/[`write_at`](MappedRegion::write_at).
//!   `Unmap()` consumes the region, which makes it trivially idempotent.
//! - The interfaces `PollFd`/`PollCloser`/`Handle` are the one trait
//!   [`Handle`]. `Reader`/`Writer` are inherent `read`/`write` methods (and
//!   `std::io::Read`/`Write` with the `std` feature). `Signaler` and
//!   `Timer` each had a single implementation and are inherent methods of
//!   [`EventFd`] and [`TimerFd`].
//! - Signal numbers are plain `i32` constants; [`SigSet`] rejects numbers
//!   outside `1..=64` with an error instead of ignoring them, and
//!   [`block_signals`] / [`unblock_signals`] replace `sigprocmask` from libc.
//!
//! # Features
//!
//! - `std` (off by default): implementations of the standard library's
//!   descriptor and I/O traits. Without it the crate is `#![no_std]` and
//!   needs neither `std` nor `alloc`.

#![no_std]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]
#![warn(missing_debug_implementations, rust_2018_idioms)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The one place that picks the architecture; `build.rs` has already
// rejected every target not listed here.
#[cfg_attr(target_arch = "x86_64", path = "../arch/x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "../arch/aarch64.rs")]
#[cfg_attr(target_arch = "riscv64", path = "../arch/riscv64.rs")]
#[cfg_attr(target_arch = "loongarch64", path = "../arch/loongarch64.rs")]
#[cfg_attr(target_arch = "arm", path = "../arch/arm.rs")]
#[cfg_attr(target_arch = "x86", path = "../arch/x86.rs")]
mod arch;

#[cfg(any(test, feature = "std"))]
extern crate std;

mod auxv;
mod epoll;
mod error;
mod eventfd;
mod exit_status;
mod fd;
mod handle;
mod memfd;
mod pidfd;
mod poll;
mod process;
pub mod raw;
mod signal;
mod signalfd;
mod socket;
#[cfg(feature = "std")]
mod std_impls;
mod sys;
mod time;
mod timerfd;
mod vdso;

pub use auxv::{init_no_libc, page_size};
pub use epoll::{Epoll, EpollEvent, EpollFlags};
pub use error::{Error, ErrorKind, Result};
pub use eventfd::{EventFd, EventFdFlags};
pub use exit_status::ExitStatus;
pub use fd::{Fd, FdGuard, pipe};
pub use handle::Handle;
pub use memfd::{
    HugePageSize, MEMFD_NAME_MAX, MappedRegion, MemFd, MemFdFlags, Prot, Seals, TryFromFdError,
};
pub use pidfd::PidFd;
pub use poll::{Events, PollFd, poll, poll_with_mask};
pub use process::{exit, getpid, gettid, send_signal_to_thread};
pub use signal::*;
pub use signalfd::{SignalFd, SignalFdFlags, SignalInfo};
pub use socket::{SCM_MAX_FD, recv_fds, send_fds, socketpair};
pub use time::{Clock, clock_now};
pub use timerfd::{TimerFd, TimerFdFlags};
