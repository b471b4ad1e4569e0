//! Linux file-descriptor handles with an atomic, race-free close, and no
//! libc underneath.
//!
//! iofd talks to the kernel through its own inline-asm system-call stubs
//! (x86_64, aarch64, riscv64). It is `#![no_std]`, needs no allocator and
//! no libc, and runs the same on `*-linux-*` targets and on bare-metal
//! `*-none` targets that sit on a Linux kernel.
//!
//! - [`Fd`] — an owned descriptor whose [`close`](Fd::close) is idempotent,
//!   thread-safe and free of descriptor-reuse races: the kernel `close`
//!   waits for every in-flight operation.
//! - [`raw`] — the system-call stubs themselves, for calls iofd does not
//!   wrap.
//! - [`Error`] — the kernel's errno, classified by [`ErrorKind`].
//!
//! # Examples
//!
//! ```
//! use iofd::ErrorKind;
//!
//! let (rx, tx) = iofd::pipe()?; // non-blocking, close-on-exec
//! tx.write(b"hello")?;
//! let mut buf = [0u8; 16];
//! let n = rx.read(&mut buf)?;
//! assert_eq!(&buf[..n], b"hello");
//! assert_eq!(rx.read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
//! # Ok::<(), iofd::Error>(())
//! ```

#![no_std]
#![deny(
    missing_docs,
    unsafe_op_in_unsafe_fn,
    clippy::undocumented_unsafe_blocks,
    clippy::missing_safety_doc
)]
#![warn(missing_debug_implementations, rust_2018_idioms)]

// The one place that picks the architecture; `build.rs` has already
// rejected every target not listed here.
#[cfg_attr(target_arch = "x86_64", path = "../arch/x86_64.rs")]
#[cfg_attr(target_arch = "aarch64", path = "../arch/aarch64.rs")]
#[cfg_attr(target_arch = "riscv64", path = "../arch/riscv64.rs")]
mod arch;

#[cfg(test)]
extern crate std;

mod error;
mod eventfd;
mod fd;
mod handle;
mod memfd;
mod pidfd;
mod poll;
mod process;
pub mod raw;
mod signal;
mod signalfd;
mod sys;
mod time;
mod timerfd;

pub use error::{Error, ErrorKind, Result};
pub use eventfd::{EventFd, EventFdFlags};
pub use fd::{Fd, FdGuard, pipe};
pub use handle::Handle;
pub use memfd::{MEMFD_NAME_MAX, MappedRegion, MemFd, MemFdFlags, Prot, Seals};
pub use pidfd::PidFd;
pub use poll::{Events, PollFd, poll};
pub use process::{exit, getpid, gettid, send_signal_to_thread};
pub use signal::*;
pub use signalfd::{SignalFd, SignalFdFlags, SignalInfo};
pub use time::{Clock, clock_now};
pub use timerfd::{TimerFd, TimerFdFlags};
