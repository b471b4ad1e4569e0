//! eventfd2(2).

use super::{arg, ret_int};
use crate::Result;
use crate::raw::{self, Sysno};

/// eventfd2(2): a new eventfd the caller owns.
#[inline]
pub(crate) fn eventfd2(initval: u32, flags: u32) -> Result<i32> {
    // SAFETY: no memory argument.
    ret_int(unsafe {
        raw::syscall2_readonly(Sysno::eventfd2, arg::uint(initval), arg::uint(flags))
    })
}
