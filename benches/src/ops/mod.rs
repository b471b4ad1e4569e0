//! The variants of each operation, one file per operation.
//!
//! Conventions shared by every file:
//!
//! - the first variant is the **floor**: the system calls themselves,
//!   issued with `iofd::raw::syscallN` and the raw numbers, with no logic
//!   around them but `black_box` on the inputs and the result check;
//! - each variant creates its own descriptors with its own library (the
//!   floor, libc and std variants, which have no constructor of their own,
//!   use a raw system call or libc);
//! - each iteration passes its inputs through `black_box` and checks its
//!   result, panicking with the operation and variant in the message.

pub(crate) mod clock;
pub(crate) mod dup;
pub(crate) mod eventfd;
pub(crate) mod handle;
pub(crate) mod memfd;
pub(crate) mod timerfd;

use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

use iofd::raw;

/// `O_NONBLOCK | O_CLOEXEC`, the flags every eventfd here is created with
/// (`EFD_NONBLOCK | EFD_CLOEXEC` have the same values).
const NONBLOCK_CLOEXEC: libc::c_int = libc::O_NONBLOCK | libc::O_CLOEXEC;

/// The descriptor that a raw system call (the floor's constructors) just
/// returned, owned; panics naming `what` if the call failed.
fn owned_from_syscall(what: &str, ret: usize) -> OwnedFd {
    let fd = raw::result(ret).unwrap_or_else(|e| panic!("{what}: {e:?}"));
    let fd = i32::try_from(fd).unwrap_or_else(|_| panic!("{what}: descriptor {fd} is not an int"));
    // SAFETY: the kernel just created `fd`, and nothing else owns it.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// The descriptor that a libc constructor just returned, owned; panics
/// naming `what` and the errno if it returned -1.
fn owned_from_libc(what: &str, ret: libc::c_int) -> OwnedFd {
    assert!(ret >= 0, "{what}: {}", io::Error::last_os_error());
    // SAFETY: libc just created `ret`, and nothing else owns it.
    unsafe { OwnedFd::from_raw_fd(ret) }
}

/// System-call arguments in the register form the kernel expects, for the
/// floor variants: one helper per C argument kind, so that no variant
/// casts at its call site.
mod arg {
    /// A C `int` (a descriptor, a clock, flags), sign-extended as the
    /// calling convention requires.
    #[inline(always)]
    pub(crate) fn int(value: libc::c_int) -> usize {
        value as isize as usize
    }

    /// A C `unsigned int` (flags), zero-extended.
    #[inline(always)]
    pub(crate) fn uint(value: libc::c_uint) -> usize {
        value as usize
    }

    /// A `size_t` length.
    #[inline(always)]
    pub(crate) fn len(value: usize) -> usize {
        value
    }

    /// A pointer to memory the kernel only reads.
    #[inline(always)]
    pub(crate) fn ptr<T: ?Sized>(value: &T) -> usize {
        (value as *const T).cast::<u8>() as usize
    }

    /// A pointer to memory the kernel writes.
    #[inline(always)]
    pub(crate) fn ptr_mut<T: ?Sized>(value: &mut T) -> usize {
        (value as *mut T).cast::<u8>() as usize
    }
}
