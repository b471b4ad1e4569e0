//! Values the compiler keeps in general-purpose registers across iofd's
//! stubs must survive what the kernel does to those registers in a system
//! call.
//!
//! When the kernel restarts an interrupted call through its restart block,
//! it rewrites the register that holds the call's number (`x8` on
//! aarch64, `a7` on riscv64 and loongarch64) to `__NR_restart_syscall`
//! (the header of each `arch/` file cites the source); on loongarch64 it
//! also returns from every call with `t0`..`t8` holding values of its own.
//! qemu-user does neither, so this program makes it happen: a handler for
//! signal 40, delivered as a system call returns, overwrites those
//! registers in the interrupted context, from which rt_sigreturn(2) loads
//! them (`struct ucontext` and `struct sigcontext` in each arch's uapi
//! headers).
//!
//! Each probe computes twenty values, makes two rt_sigsuspend(2) calls
//! through one `iofd::raw` stub (each lets one queued signal 40 in, and
//! returns `EINTR` after its handler), and uses the values again. A
//! register missing from the stub's clobbers shows: the compiler keeps the
//! call number in its register for the second call, which then is no
//! rt_sigsuspend (`ENOSYS`), or (loongarch64) a value in a `t` register,
//! which comes back changed. The stubs with two to six arguments take
//! part; rt_sigsuspend reads two, and the kernel ignores the others.
//!
//! Prints one line per probe and exits with 0, or with 1 after the first
//! wrong one. Run by `scripts/check-clobbers.sh` under qemu-user.

#![no_std]
#![no_main]
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]

use core::hint::black_box;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

use iofd::raw::{self, Sysno};
use iofd::{SigSet, gettid, send_signal_to_thread};

/// The signal the probes take in: real-time, so that two instances queue.
const SIGNAL: i32 = 40;
/// `SA_SIGINFO` (include/uapi/asm-generic/signal-defs.h).
const SA_SIGINFO: u64 = 4;
/// Byte offset of the general-purpose registers in the `ucontext` a
/// handler gets: `uc_flags`, `uc_link` (8 each), `stack_t` (24), the
/// signal mask padded to 128 bytes, then `struct sigcontext`, 16-aligned
/// (at 176): loongarch64's `sc_pc` (8) then `sc_regs[32]`; aarch64's
/// `fault_address` (8) then `regs[31]`; riscv64's `sc_regs`, `pc` first.
const GPRS: usize = if cfg!(target_arch = "riscv64") {
    176
} else {
    184
};
/// The registers the handler overwrites, as indices of that array: the
/// call number's register, and on loongarch64 `t0`..`t8` (`$r12`..`$r20`).
const CLOBBERED: core::ops::RangeInclusive<usize> = if cfg!(target_arch = "loongarch64") {
    11..=20 // a7 ($r11), t0..t8
} else if cfg!(target_arch = "aarch64") {
    8..=8 // x8
} else {
    17..=17 // a7: pc, ra, sp, gp, tp, t0..t2, s0, s1, a0..a7
};
/// `EINTR`, negated: what rt_sigsuspend(2) returns after a handler.
const EINTR: usize = -4_isize as usize;

/// How many times the handler ran.
static DELIVERED: AtomicU32 = AtomicU32::new(0);

/// The kernel's `struct sigaction` without `SA_RESTORER`: handler,
/// flags, restorer (unused), mask on aarch64; handler, flags, mask on
/// riscv64 and loongarch64, which have no restorer field (the return goes
/// through the vDSO's trampoline, or qemu's own).
#[repr(C)]
struct SigAction {
    handler: usize,
    flags: u64,
    #[cfg(target_arch = "aarch64")]
    restorer: usize,
    mask: u64,
}

/// Overwrites the registers of [`CLOBBERED`] in the interrupted context,
/// as the kernel may on a system call's way out.
extern "C" fn on_signal(_sig: i32, _info: *mut u8, ctx: *mut u8) {
    DELIVERED.fetch_add(1, Relaxed);
    for r in CLOBBERED {
        // SAFETY: with SA_SIGINFO the third argument is the interrupted
        // `ucontext`, whose registers (at `GPRS`) rt_sigreturn reloads.
        unsafe {
            ctx.add(GPRS + 8 * r)
                .cast::<u64>()
                .write_unaligned(0xdead_0000_0000_0000 | r as u64)
        };
    }
}

/// Twenty values from `seed`, combined after `call` runs; with `call` a
/// no-op this is the reference.
#[inline(always)]
fn around(seed: &[u64; 20], call: impl FnOnce()) -> u64 {
    let v: [u64; 20] = core::array::from_fn(|i| {
        black_box(seed[i])
            .wrapping_mul(2 * i as u64 + 3)
            .rotate_left(i as u32)
    });
    call();
    v.iter()
        .enumerate()
        .fold(0, |acc, (i, &x)| (acc ^ x).wrapping_mul(i as u64 | 1))
}

#[inline(never)]
fn reference(seed: &[u64; 20]) -> u64 {
    around(seed, || ())
}

/// One probe per stub: two rt_sigsuspend(2) calls through it, between
/// the twenty values; returns the combination and both results.
macro_rules! probes {
    ($($name:ident => $stub:ident($($extra:literal),*);)*) => {$(
        #[inline(never)]
        fn $name(seed: &[u64; 20], empty: &u64) -> (u64, usize, usize) {
            let (mut r1, mut r2) = (0, 0);
            let p = empty as *const u64 as usize;
            // Opaque, so that the compiler holds the number in a register
            // (it would materialise a constant afresh for each call).
            let nr = black_box(Sysno::rt_sigsuspend);
            let v = around(seed, || {
                // SAFETY: rt_sigsuspend(2) reads the 8-byte mask at `p`,
                // runs the handler and returns; the rest are ignored.
                r1 = unsafe { raw::$stub(nr, p, 8 $(, $extra)*) };
                // SAFETY: as above.
                r2 = unsafe { raw::$stub(nr, p, 8 $(, $extra)*) };
            });
            (v, r1, r2)
        }
    )*};
}

probes! {
    probe_syscall2 => syscall2();
    probe_syscall3 => syscall3(0);
    probe_syscall4 => syscall4(0, 0);
    probe_syscall5 => syscall5(0, 0, 0);
    probe_syscall6 => syscall6(0, 0, 0, 0);
}

type Probe = fn(&[u64; 20], &u64) -> (u64, usize, usize);

const PROBES: [(&str, Probe); 5] = [
    ("syscall2", probe_syscall2),
    ("syscall3", probe_syscall3),
    ("syscall4", probe_syscall4),
    ("syscall5", probe_syscall5),
    ("syscall6", probe_syscall6),
];

fn print(parts: &[&str]) {
    for part in parts {
        let (p, n) = (part.as_ptr() as usize, part.len());
        // SAFETY: write(2) reads `n` bytes at `p`, a live string.
        let _ = unsafe { raw::syscall3(Sysno::write, 1, p, n) };
    }
}

fn run() -> Result<(), &'static str> {
    let act = SigAction {
        handler: on_signal as *const () as usize,
        flags: SA_SIGINFO,
        #[cfg(target_arch = "aarch64")]
        restorer: 0,
        mask: 0,
    };
    let a = &act as *const SigAction as usize;
    // SAFETY: rt_sigaction(2) reads the action; no old action is asked
    // for; the handler only counts and edits its own context.
    let r = unsafe { raw::syscall4(Sysno::rt_sigaction, SIGNAL as usize, a, 0, 8) };
    raw::result(r).map_err(|_| "rt_sigaction failed")?;
    let mut set = SigSet::empty();
    set.add(SIGNAL).map_err(|_| "no signal 40")?;
    iofd::block_signals(&set).map_err(|_| "cannot block signal 40")?;

    let seed: [u64; 20] = core::array::from_fn(|i| 0x9e37_79b9_7f4a_7c15 ^ i as u64);
    let want = reference(&seed);
    let empty = 0u64;
    for (name, probe) in PROBES {
        DELIVERED.store(0, Relaxed);
        for _ in 0..2 {
            send_signal_to_thread(gettid(), SIGNAL).map_err(|_| "tgkill failed")?;
        }
        let (got, r1, r2) = probe(&seed, &empty);
        if (r1, r2) != (EINTR, EINTR) || DELIVERED.load(Relaxed) != 2 {
            print(&[
                name,
                ": the second call was not rt_sigsuspend (its number)\n",
            ]);
            return Err("the number register");
        }
        if got != want {
            print(&[name, ": a value kept across the call changed (t0..t8)\n"]);
            return Err("t0..t8");
        }
        print(&[name, ": every value survived both calls\n"]);
    }
    Ok(())
}

extern "C" fn main(initial_stack: *const usize) -> ! {
    // SAFETY: the stack pointer `_start` was entered with, above which
    // nothing has been written; this program links no libc.
    unsafe { iofd::init_no_libc(initial_stack) };
    iofd::exit(i32::from(run().is_err()))
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    iofd::exit(101)
}

/// The entry point, as in examples/nolibc: the initial stack to `main`,
/// no caller frame or return address, a 16-byte aligned stack.
#[cfg(target_arch = "loongarch64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "move $a0, $sp",
        "move $fp, $zero",
        "move $ra, $zero",
        "bstrins.d $sp, $zero, 3, 0",
        "bl {main}",
        "break 0",
        main = sym main,
    )
}

/// The entry point (see above).
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov x0, sp",
        "mov x29, xzr",
        "mov x30, xzr",
        "bl {main}",
        "udf #0",
        main = sym main,
    )
}

/// The entry point (see above).
#[cfg(target_arch = "riscv64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mv a0, sp",
        "mv fp, zero",
        "mv ra, zero",
        "andi sp, sp, -16",
        "call {main}",
        "unimp",
        main = sym main,
    )
}
