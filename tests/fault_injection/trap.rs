//! The `SIGSYS` handler behind `SECCOMP_RET_TRAP`: the kernel skips the
//! trapped call and passes the action's data bits in `si_errno`. Non-zero
//! data is an errno: the handler counts the call and makes it return
//! `-data` by editing the saved return register. Zero means "forbidden":
//! the handler names the call in the report and ends the child.

use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use iofd::raw::Sysno;

use crate::report::{STAGE_FAILED, exit, record, set_stage};

/// Calls counted by the handler.
static TRAPS: AtomicU32 = AtomicU32::new(0);

/// How many trapped calls the handler has counted.
pub fn traps() -> u32 {
    TRAPS.load(Relaxed)
}

/// The kernel's `siginfo_t` for `SIGSYS` on 64-bit targets: three `int`s,
/// padding, then the `_sigsys` member of the union.
#[repr(C)]
struct SigsysInfo {
    signo: i32,
    errno: i32,
    code: i32,
    _pad: i32,
    call_addr: u64,
    syscall: i32,
    arch: u32,
}

/// The `SIGSYS` handler: counts a trapped call and sets its return value,
/// or reports a forbidden one and ends the child.
extern "C" fn on_sigsys(_sig: i32, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t`, whose `SIGSYS` layout
    // is `SigsysInfo`.
    let info = unsafe { &*info.cast::<SigsysInfo>() };
    let data = info.errno;
    if data == 0 {
        let name = Sysno::new(info.syscall as usize).map_or("?", |nr| nr.name());
        record(format_args!(
            "issued forbidden system call {name} ({})",
            info.syscall
        ));
        set_stage(STAGE_FAILED);
        exit(3);
    }
    TRAPS.fetch_add(1, Relaxed);
    // SAFETY: with SA_SIGINFO the third argument is the interrupted
    // context, which the kernel restores on return from the handler.
    let uc = unsafe { &mut *ctx.cast::<libc::ucontext_t>() };
    let ret = -i64::from(data);
    #[cfg(target_arch = "x86_64")]
    {
        uc.uc_mcontext.gregs[libc::REG_RAX as usize] = ret;
    }
    #[cfg(target_arch = "aarch64")]
    {
        uc.uc_mcontext.regs[0] = ret as u64;
    }
    #[cfg(target_arch = "riscv64")]
    {
        uc.uc_mcontext.__gregs[libc::REG_A0] = ret as u64;
    }
    #[cfg(target_arch = "loongarch64")]
    {
        // `$r4`, alias `a0`; libc names no index for it.
        uc.uc_mcontext.__gregs[4] = ret as u64;
    }
    #[cfg(target_arch = "x86")]
    {
        uc.uc_mcontext.gregs[libc::REG_EAX as usize] = ret as i32;
    }
    #[cfg(target_arch = "arm")]
    {
        uc.uc_mcontext.arm_r0 = ret as u32;
    }
}

/// Installs the handler for the rest of the child's life.
pub fn install_sigsys_handler() {
    // SAFETY: a zeroed `sigaction` is a valid value to fill in.
    let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
    sa.sa_sigaction = on_sigsys as *const () as usize;
    sa.sa_flags = libc::SA_SIGINFO;
    // SAFETY: `sa` is a valid action whose handler has the SA_SIGINFO
    // signature and touches only the report and atomics.
    if unsafe { libc::sigaction(libc::SIGSYS, &sa, ptr::null_mut()) } != 0 {
        record(format_args!("harness: sigaction(SIGSYS) failed"));
        set_stage(STAGE_FAILED);
        exit(1);
    }
}
