//! `iofd::exit` in a forked child, with and without the kernel refusing to
//! end it.
//!
//! - Unfiltered, the parent sees the status.
//! - With exit_group(2) refused (`SECCOMP_RET_ERRNO`), `iofd::exit` falls
//!   back on exit(2), which ends this single-threaded child with the same
//!   status.
//! - With both refused, the noreturn stub's trap instruction raises
//!   `SIGILL` (`SIGTRAP` on loongarch64, whose trap is the breakpoint
//!   `break 0`). A handler checks that it is that trap: the faulting
//!   instruction follows a system call instruction, whose return register
//!   holds exit(2)'s injected errno (not exit_group(2)'s), so the fallback
//!   was issued and the trap came right after it. The handler restores the
//!   default action and returns; the trap runs again and ends the child.
//!
//! Each child also sets an alarm, so that a hang ends as `SIGALRM`, and
//! allows no core file.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering::Relaxed};

use iofd::raw::Sysno;

use crate::seccomp::{Program, RET_ERRNO, Rule};

/// The status the children exit with.
const STATUS: i32 = 7;
/// Exit status of a child that could not install its filter.
const NO_SECCOMP: i32 = 100;
/// The errnos injected into exit_group(2) and exit(2): distinct, so that
/// the return register tells which call came last.
const EXIT_GROUP_ERRNO: i32 = libc::EPERM;
const EXIT_ERRNO: i32 = libc::EACCES;

/// What the trap's handler found, in a page shared with the parent.
const TRAP_UNSEEN: u32 = 0;
const TRAP_AFTER_EXIT: u32 = 1;
const TRAP_ELSEWHERE: u32 = 2;
const TRAP_AFTER_OTHER_CALL: u32 = 3;

/// The shared page of the running child (null in the parent before the
/// first test maps it).
static SHARED: AtomicPtr<AtomicU32> = AtomicPtr::new(ptr::null_mut());

/// A child ended: by `exit` with its status, or by a signal.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Exited(i32),
    Signaled(i32),
}

/// Forks, runs `child` in the child (which must not return), waits.
fn fork_and_wait(child: fn() -> !) -> Result<(Ended, u32), String> {
    let mut shared = SHARED.load(Relaxed);
    if shared.is_null() {
        // SAFETY: a new anonymous shared mapping; no existing memory is
        // touched.
        let p = unsafe {
            libc::mmap(
                ptr::null_mut(),
                size_of::<AtomicU32>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(format!("mmap: {}", std::io::Error::last_os_error()));
        }
        shared = p.cast();
        SHARED.store(shared, Relaxed);
    }
    // SAFETY: the page is mapped for the rest of the process and holds an
    // `AtomicU32` (zeroed, hence valid).
    let word = unsafe { &*shared };
    word.store(TRAP_UNSEEN, Relaxed);
    // SAFETY: the harness is single-threaded (`harness = false`), so the
    // child is a complete copy of the process.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork: {}", std::io::Error::last_os_error()));
    }
    if pid == 0 {
        // SAFETY: alarm(2) has no memory argument.
        unsafe { libc::alarm(10) };
        // No core file from the trap cells.
        let none = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `none` is a valid `rlimit` the kernel reads.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, &none) };
        child();
    }
    let mut status = 0;
    // SAFETY: `status` is valid for the `int` waitpid writes.
    if unsafe { libc::waitpid(pid, &mut status, 0) } != pid {
        return Err(format!("waitpid: {}", std::io::Error::last_os_error()));
    }
    let ended = if libc::WIFEXITED(status) {
        Ended::Exited(libc::WEXITSTATUS(status))
    } else {
        Ended::Signaled(libc::WTERMSIG(status))
    };
    if ended == Ended::Exited(NO_SECCOMP) {
        return Err("cannot install a seccomp filter (seccomp is unavailable: \
                    under qemu-user, run with `--skip seccomp_`)"
            .into());
    }
    if ended == Ended::Signaled(libc::SIGALRM) {
        return Err("the child hung (ended by its 10 s alarm)".into());
    }
    Ok((ended, word.load(Relaxed)))
}

/// Fails exit_group(2) with `EXIT_GROUP_ERRNO` and, if `also_exit`,
/// exit(2) with `EXIT_ERRNO`; ends the child if the filter is refused.
fn refuse(also_exit: bool) {
    let rule = |nr, errno: i32| Rule {
        nr,
        arg: None,
        arg_bits: None,
        action: RET_ERRNO | errno as u32,
    };
    let rules = [
        rule(Sysno::exit_group, EXIT_GROUP_ERRNO),
        rule(Sysno::exit, EXIT_ERRNO),
    ];
    let n = if also_exit { 2 } else { 1 };
    if Program::new(&rules[..n]).install().is_err() {
        // SAFETY: nothing is filtered yet, so this ends the child.
        unsafe { libc::_exit(NO_SECCOMP) }
    }
}

/// The system call instruction of this arch, which the trap follows.
#[cfg(target_arch = "x86_64")]
const SYSCALL_INSN: &[u8] = &[0x0f, 0x05]; // syscall
#[cfg(target_arch = "aarch64")]
const SYSCALL_INSN: &[u8] = &[0x01, 0x00, 0x00, 0xd4]; // svc #0
#[cfg(target_arch = "riscv64")]
const SYSCALL_INSN: &[u8] = &[0x73, 0x00, 0x00, 0x00]; // ecall
#[cfg(target_arch = "loongarch64")]
const SYSCALL_INSN: &[u8] = &[0x00, 0x00, 0x2b, 0x00]; // syscall 0
#[cfg(target_arch = "x86")]
const SYSCALL_INSN: &[u8] = &[0xcd, 0x80]; // int $0x80
#[cfg(target_arch = "arm")]
const SYSCALL_INSN: &[u8] = &[0x00, 0x00, 0x00, 0xef]; // svc #0 (A32)

/// The signal the trap raises: `SIGILL` from an undefined instruction, or
/// on loongarch64 `SIGTRAP` from `break 0`.
#[cfg(not(target_arch = "loongarch64"))]
const TRAP_SIGNAL: (i32, &str) = (libc::SIGILL, "SIGILL");
#[cfg(target_arch = "loongarch64")]
const TRAP_SIGNAL: (i32, &str) = (libc::SIGTRAP, "SIGTRAP");

/// The trap's handler in the both-refused child.
extern "C" fn on_trap(_sig: i32, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid `siginfo_t`; for the trap,
    // `si_addr` is the trapping instruction, inside this program's mapped
    // code.
    let pc = unsafe { (*info).si_addr() }.cast::<u8>().cast_const();
    let n = SYSCALL_INSN.len();
    // SAFETY: the `n` bytes before the trap are mapped code of the same
    // function (the stub puts the trap right after its system call).
    let before = unsafe { std::slice::from_raw_parts(pc.wrapping_sub(n), n) };
    // SAFETY: with SA_SIGINFO the third argument is the interrupted
    // context.
    let uc = unsafe { &*ctx.cast::<libc::ucontext_t>() };
    #[cfg(target_arch = "x86_64")]
    let ret = uc.uc_mcontext.gregs[libc::REG_RAX as usize];
    #[cfg(target_arch = "aarch64")]
    let ret = uc.uc_mcontext.regs[0] as i64;
    #[cfg(target_arch = "riscv64")]
    let ret = uc.uc_mcontext.__gregs[libc::REG_A0] as i64;
    #[cfg(target_arch = "loongarch64")]
    let ret = uc.uc_mcontext.__gregs[4] as i64; // `$r4`, alias `a0`
    #[cfg(target_arch = "x86")]
    let ret = i64::from(uc.uc_mcontext.gregs[libc::REG_EAX as usize]);
    #[cfg(target_arch = "arm")]
    let ret = i64::from(uc.uc_mcontext.arm_r0 as i32);
    let found = if before != SYSCALL_INSN {
        TRAP_ELSEWHERE
    } else if ret == -i64::from(EXIT_ERRNO) {
        TRAP_AFTER_EXIT
    } else {
        TRAP_AFTER_OTHER_CALL
    };
    // SAFETY: the shared page, mapped before the fork.
    unsafe { (*SHARED.load(Relaxed)).store(found, Relaxed) };
    // SA_RESETHAND restored the default action: on return the trap runs
    // again and ends the child with the same signal.
}

/// Unfiltered, the parent sees the status.
pub fn exit_status_reaches_the_parent() -> Result<(), String> {
    match fork_and_wait(|| iofd::exit(STATUS))? {
        (Ended::Exited(STATUS), _) => Ok(()),
        (ended, _) => Err(format!("expected exit status {STATUS}, child {ended:?}")),
    }
}

/// exit_group(2) refused: exit(2) still ends the child with the status.
pub fn exit_group_refused_falls_back_to_exit() -> Result<(), String> {
    let child = || {
        refuse(false);
        iofd::exit(STATUS)
    };
    match fork_and_wait(child)? {
        (Ended::Exited(STATUS), _) => Ok(()),
        (ended, _) => Err(format!(
            "exit_group refused: expected exit status {STATUS} from exit(2), child {ended:?}"
        )),
    }
}

/// Both refused: the trap right after exit(2) ends the child.
pub fn both_refused_end_at_the_trap() -> Result<(), String> {
    let (signal, name) = TRAP_SIGNAL;
    let child = || {
        // SAFETY: a zeroed `sigaction` is a valid value to fill in.
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = on_trap as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_RESETHAND;
        // SAFETY: `sa` is a valid action whose handler has the SA_SIGINFO
        // signature and touches only the shared page.
        if unsafe { libc::sigaction(TRAP_SIGNAL.0, &sa, ptr::null_mut()) } != 0 {
            // SAFETY: nothing is filtered yet, so this ends the child.
            unsafe { libc::_exit(1) }
        }
        refuse(true);
        iofd::exit(STATUS)
    };
    let (ended, found) = fork_and_wait(child)?;
    if ended != Ended::Signaled(signal) {
        return Err(format!("both refused: expected {name}, child {ended:?}"));
    }
    match found {
        TRAP_AFTER_EXIT => Ok(()),
        TRAP_UNSEEN => Err(format!("{name}, but the handler never ran")),
        TRAP_ELSEWHERE => Err(format!(
            "{name}, but not right after a system call instruction"
        )),
        _ => Err(format!(
            "{name} right after a system call that did not fail with exit(2)'s \
             errno {EXIT_ERRNO}: exit(2) was not issued before the trap"
        )),
    }
}
