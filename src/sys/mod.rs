//! The typed system-call layer: the only code that issues system calls.
//!
//! One small function per system call, named after it, taking typed
//! arguments and returning a [`Result`]. Conversions to register words live
//! in [`arg`]: one helper per C argument kind, so a signed `int` is
//! sign-extended and an unsigned one zero-extended in exactly one place.
//!
//! Descriptors are passed as [`BorrowedFd`]: a number some owner keeps open
//! for the borrow's lifetime (an in-flight guard of an [`Fd`](crate::Fd), in
//! practice). This keeps every `unsafe` block below down to the memory
//! arguments, which each one justifies.

pub(crate) mod arg;
mod event;
mod io;
mod mem;
mod poll;
mod process;
mod signal;
mod time;

pub(crate) use event::*;
pub(crate) use io::*;
pub(crate) use mem::*;
pub(crate) use poll::*;
pub(crate) use process::*;
pub(crate) use signal::*;
pub(crate) use time::*;

use core::marker::PhantomData;

use crate::{Result, raw};

/// A descriptor number that stays open for `'fd`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BorrowedFd<'fd> {
    raw: i32,
    _owner: PhantomData<&'fd ()>,
}

impl BorrowedFd<'_> {
    /// Borrows `raw`.
    ///
    /// # Safety
    /// - `raw` is an open descriptor, and nothing closes it while the
    ///   returned value (of any lifetime the caller picks) is alive.
    #[inline(always)]
    pub(crate) const unsafe fn borrow_raw(raw: i32) -> Self {
        BorrowedFd {
            raw,
            _owner: PhantomData,
        }
    }

    /// The descriptor number.
    #[inline(always)]
    pub(crate) const fn raw(self) -> i32 {
        self.raw
    }
}

/// Decodes a return value: `-4095..=-1` is `-errno`.
#[inline(always)]
pub(crate) fn ret(r: usize) -> Result<usize> {
    raw::result(r)
}

/// Decodes a return value that carries no data on success.
#[inline(always)]
pub(crate) fn ret_unit(r: usize) -> Result<()> {
    ret(r).map(drop)
}

/// Decodes a return value that is a new descriptor (or another C `int`).
#[inline(always)]
pub(crate) fn ret_int(r: usize) -> Result<i32> {
    // A successful `int`-returning call fits in 32 bits; the truncation keeps
    // exactly the value the kernel returned.
    ret(r).map(|v| v as i32)
}
