//! Vector code around iofd system calls, for `scripts/check-clobbers.sh`.
//!
//! Each `probe_*` function computes a vector of values, makes one system
//! call through iofd's public API, then uses the values: without the
//! clobbers of `arch/` the compiler keeps them in vector (and, on aarch64,
//! predicate) registers across the call, and the kernel's changes to those
//! registers go unnoticed. The script builds this crate with vector
//! features on, disassembles it and checks that every such value is
//! spilled and reloaded (or recomputed) instead.
//!
//! The probes are compiled and disassembled, never run.

#![no_std]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use core::hint::black_box;

use iofd::Fd;
use iofd::raw::{self, Sysno};

/// Sixteen 32-bit lanes: two 256-bit vectors.
type Lanes = [u32; 16];

/// Vector work before and after `call`, with values live across it. The
/// call takes a reduction of the vector, made opaque (`black_box`) so that
/// the vector is computed before the call; the vector is used again after
/// it.
#[inline(always)]
fn around(a: &Lanes, b: &Lanes, out: &mut Lanes, call: impl FnOnce(usize) -> usize) -> usize {
    let mut v = [0_u32; 16];
    for i in 0..16 {
        v[i] = a[i].wrapping_mul(b[i]).wrapping_add(7);
    }
    let n = call(black_box(v.iter().fold(0, |x, &e| x ^ e) as usize));
    for i in 0..16 {
        out[i] = v[i].wrapping_mul(a[i]) ^ n as u32;
    }
    n
}

/// `Fd::write` between vector work, as a user would write it.
#[unsafe(no_mangle)]
pub fn probe_fd_write(fd: &Fd, a: &Lanes, b: &Lanes, out: &mut Lanes) -> usize {
    around(a, b, out, |x| fd.write(&[x as u8]).unwrap_or(0))
}

/// One probe per stub of `iofd::raw`. Each issues getppid(2), which takes
/// no argument: the kernel reads only the argument registers of the call
/// it runs, so the reduction passed in every argument register of the
/// wider stubs is ignored, and the call is valid at every width.
macro_rules! probes {
    ($($name:ident => $stub:ident($($x:ident),*);)*) => {$(
        #[doc = concat!("`raw::", stringify!($stub), "` between vector work.")]
        #[unsafe(no_mangle)]
        pub fn $name(a: &Lanes, b: &Lanes, out: &mut Lanes) -> usize {
            around(a, b, out, probes!(@call $stub($($x),*)))
        }
    )*};
    (@call $stub:ident()) => {
        // SAFETY: getppid(2) takes no argument and touches no memory.
        |_| unsafe { raw::$stub(Sysno::getppid) }
    };
    (@call $stub:ident($x:ident $(, $more:ident)*)) => {
        // SAFETY: getppid(2) takes no argument and touches no memory.
        |$x| unsafe { raw::$stub(Sysno::getppid, $x $(, $more)*) }
    };
}

probes! {
    probe_syscall0 => syscall0();
    probe_syscall1 => syscall1(x);
    probe_syscall2 => syscall2(x, x);
    probe_syscall3 => syscall3(x, x, x);
    probe_syscall4 => syscall4(x, x, x, x);
    probe_syscall5 => syscall5(x, x, x, x, x);
    probe_syscall6 => syscall6(x, x, x, x, x, x);
    probe_syscall0_readonly => syscall0_readonly();
    probe_syscall1_readonly => syscall1_readonly(x);
    probe_syscall2_readonly => syscall2_readonly(x, x);
    probe_syscall3_readonly => syscall3_readonly(x, x, x);
    probe_syscall4_readonly => syscall4_readonly(x, x, x, x);
    probe_syscall5_readonly => syscall5_readonly(x, x, x, x, x);
    probe_syscall6_readonly => syscall6_readonly(x, x, x, x, x, x);
}
