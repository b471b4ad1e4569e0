//! i686 (IA-32) system-call stubs.
//!
//! ABI (syscall(2), "Architecture calling conventions"):
//! - number in `eax`; arguments in `ebx`, `ecx`, `edx`, `esi`, `edi`,
//!   `ebp` (32-bit words); result in `eax` (`-4095..=-1` is `-errno`);
//! - a 64-bit argument (`loff_t`) takes two words, low word first, with no
//!   alignment ([`PAIRS_START_EVEN`] is false);
//! - two ways in, both preserving every register but `eax`:
//!   - `int $0x80`: the kernel saves all registers on entry and returns
//!     with `iret`, which restores `EFLAGS`; it does not touch the user
//!     stack;
//!   - a `call` to `__kernel_vsyscall` in the vDSO, whose address is the
//!     auxiliary vector's `AT_SYSINFO`: the fast entry (`sysenter` or
//!     `syscall`), which the kernel documents as "the ONLY correct way to
//!     make a fast 32-bit system call on Linux" (the comment on
//!     `__kernel_vsyscall` in arch/x86/entry/vdso/vdso32/system_call.S,
//!     which adds "Open-coding int $0x80 is also fine, but it's slow").
//!     It saves and restores `ecx`, `edx` and `ebp` on the user stack
//!     itself, and promises nothing about flags;
//! - neither touches the x87, MMX or SSE registers of the task.
//!
//! Each stub is one asm block that tests the entry and takes `call` or
//! `int $0x80`. The entry is `__kernel_vsyscall` as `crate::vdso` finds it
//! in the vDSO image, with the clock, at the first clock read
//! ([`vdso::syscall_entry`]); 0 before that, and where there is no vDSO
//! (qemu-user maps none). The block may push on the stack (no `nostack`)
//! and changes flags (`test`; no `preserves_flags`).
//!
//! `asm!` refuses `esi` (LLVM's base pointer on x86) and `ebp` (the frame
//! pointer) as operands, so the stubs with four or more arguments pass
//! those arguments (and the number, and the entry) in a [`Block`] of words
//! in memory whose address is in `eax`, load `esi` and `ebp` from it inside
//! the template and restore them from the stack before the block ends:
//! their values are unchanged afterwards, hence they are not clobbered.
//! The block needs no register beyond the five named ones, so the stubs
//! inline into any function, even one where LLVM keeps `esi` as its base
//! pointer.
//!
//! [`syscall1_noreturn`] follows `int $0x80` with `ud2`: if the call
//! returns (refused by a seccomp filter or skipped by a tracer), the
//! process gets `SIGILL` instead of running off the end of a `noreturn`
//! asm block.
//!
//! Asm only, the arch's [`NAME`] and [`PAIRS_START_EVEN`], the one load
//! of the entry, and the `Block` through which the stubs with four or more
//! arguments hand their template what it cannot take in registers. The
//! contract for every function is the one documented on [`crate::raw`];
//! the `_readonly` twins additionally tell the compiler
//! (`options(readonly)`) that the call is a [read-only
//! call](crate::raw#read-only-calls). The pushes of the template and of
//! the vDSO entry write only the stack below the stack pointer, memory no
//! code outside the block can reach, which `readonly` allows.

use core::arch::asm;

use crate::vdso;

/// The architecture, as `target_arch` names it: selects its row of the
/// vDSO table in `src/vdso/mod.rs`.
pub(crate) const NAME: &str = "x86";

/// A 64-bit system-call argument takes any two consecutive words.
pub(crate) const PAIRS_START_EVEN: bool = false;

/// The entry of this call: `__kernel_vsyscall`, or 0 for `int $0x80`.
#[inline(always)]
fn vsyscall() -> usize {
    vdso::syscall_entry()
}

/// What the stubs with four or more arguments read in their template:
/// the arguments for `esi` and `ebp`, the number, and the entry.
#[repr(C)]
struct Block {
    a3: usize,
    a5: usize,
    nr: usize,
    entry: usize,
}

impl Block {
    #[inline(always)]
    fn new(nr: usize, a3: usize, a5: usize) -> Block {
        Block {
            a3,
            a5,
            nr,
            entry: vsyscall(),
        }
    }
}

/// Issues system call `nr` with no argument.
///
/// # Safety
/// See [`crate::raw::syscall0`].
#[inline]
pub unsafe fn syscall0(nr: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret);
    }
    ret
}

/// Issues system call `nr` with one argument.
///
/// # Safety
/// See [`crate::raw::syscall1`].
#[inline]
pub unsafe fn syscall1(nr: usize, a0: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret,
            in("ebx") a0);
    }
    ret
}

/// Issues system call `nr` with two arguments.
///
/// # Safety
/// See [`crate::raw::syscall2`].
#[inline]
pub unsafe fn syscall2(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret,
            in("ebx") a0, in("ecx") a1);
    }
    ret
}

/// Issues system call `nr` with three arguments.
///
/// # Safety
/// See [`crate::raw::syscall3`].
#[inline]
pub unsafe fn syscall3(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2);
    }
    ret
}

/// Issues system call `nr` with four arguments.
///
/// # Safety
/// See [`crate::raw::syscall4`].
#[inline]
pub unsafe fn syscall4(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    let block = Block::new(nr, a3, 0);
    // SAFETY: the caller upholds the system call's contract; `block` is
    // valid for the four words the template reads, and its entry is 0 or
    // `__kernel_vsyscall` (`vdso::syscall_entry`). `esi` is restored before the
    // block ends.
    unsafe {
        asm!("push esi",
            "mov esi, [eax]",
            "cmp dword ptr [eax + 12], 0", "je 2f",
            "push dword ptr [eax + 12]", "mov eax, [eax + 8]",
            "call dword ptr [esp]", "lea esp, [esp + 4]", "jmp 3f",
            "2:", "mov eax, [eax + 8]", "int 0x80",
            "3:", "pop esi",
            inlateout("eax") &raw const block => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2);
    }
    ret
}

/// Issues system call `nr` with five arguments.
///
/// # Safety
/// See [`crate::raw::syscall5`].
#[inline]
pub unsafe fn syscall5(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let ret;
    let block = Block::new(nr, a3, 0);
    // SAFETY: the caller upholds the system call's contract; `block` is
    // valid for the four words the template reads, and its entry is 0 or
    // `__kernel_vsyscall` (`vdso::syscall_entry`). `esi` is restored before the
    // block ends.
    unsafe {
        asm!("push esi",
            "mov esi, [eax]",
            "cmp dword ptr [eax + 12], 0", "je 2f",
            "push dword ptr [eax + 12]", "mov eax, [eax + 8]",
            "call dword ptr [esp]", "lea esp, [esp + 4]", "jmp 3f",
            "2:", "mov eax, [eax + 8]", "int 0x80",
            "3:", "pop esi",
            inlateout("eax") &raw const block => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2, in("edi") a4);
    }
    ret
}

/// Issues system call `nr` with six arguments.
///
/// # Safety
/// See [`crate::raw::syscall6`].
#[inline]
pub unsafe fn syscall6(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    let ret;
    let block = Block::new(nr, a3, a5);
    // SAFETY: the caller upholds the system call's contract; `block` is
    // valid for the four words the template reads, and its entry is 0 or
    // `__kernel_vsyscall` (`vdso::syscall_entry`). `esi` and `ebp` are restored before the
    // block ends.
    unsafe {
        asm!("push ebp", "push esi",
            "mov esi, [eax]", "mov ebp, [eax + 4]",
            "cmp dword ptr [eax + 12], 0", "je 2f",
            "push dword ptr [eax + 12]", "mov eax, [eax + 8]",
            "call dword ptr [esp]", "lea esp, [esp + 4]", "jmp 3f",
            "2:", "mov eax, [eax + 8]", "int 0x80",
            "3:", "pop esi", "pop ebp",
            inlateout("eax") &raw const block => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2, in("edi") a4);
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with no argument.
///
/// # Safety
/// See [`crate::raw::syscall0_readonly`].
#[inline]
pub unsafe fn syscall0_readonly(nr: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret,
            options(readonly));
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with one argument.
///
/// # Safety
/// See [`crate::raw::syscall1_readonly`].
#[inline]
pub unsafe fn syscall1_readonly(nr: usize, a0: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret,
            in("ebx") a0,
            options(readonly));
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with two arguments.
///
/// # Safety
/// See [`crate::raw::syscall2_readonly`].
#[inline]
pub unsafe fn syscall2_readonly(nr: usize, a0: usize, a1: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret,
            in("ebx") a0, in("ecx") a1,
            options(readonly));
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with three arguments.
///
/// # Safety
/// See [`crate::raw::syscall3_readonly`].
#[inline]
pub unsafe fn syscall3_readonly(nr: usize, a0: usize, a1: usize, a2: usize) -> usize {
    let ret;
    // SAFETY: the caller upholds the system call's contract; the entry is
    // 0 or `__kernel_vsyscall` (`vdso::syscall_entry`).
    unsafe {
        asm!("test {entry}, {entry}", "jz 2f",
            "call {entry}", "jmp 3f",
            "2:", "int 0x80",
            "3:",
            entry = in(reg) vsyscall(),
            inlateout("eax") nr => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2,
            options(readonly));
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with four arguments.
///
/// # Safety
/// See [`crate::raw::syscall4_readonly`].
#[inline]
pub unsafe fn syscall4_readonly(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize) -> usize {
    let ret;
    let block = Block::new(nr, a3, 0);
    // SAFETY: the caller upholds the system call's contract; `block` is
    // valid for the four words the template reads, and its entry is 0 or
    // `__kernel_vsyscall` (`vdso::syscall_entry`). `esi` is restored before the
    // block ends.
    unsafe {
        asm!("push esi",
            "mov esi, [eax]",
            "cmp dword ptr [eax + 12], 0", "je 2f",
            "push dword ptr [eax + 12]", "mov eax, [eax + 8]",
            "call dword ptr [esp]", "lea esp, [esp + 4]", "jmp 3f",
            "2:", "mov eax, [eax + 8]", "int 0x80",
            "3:", "pop esi",
            inlateout("eax") &raw const block => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2,
            options(readonly));
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with five arguments.
///
/// # Safety
/// See [`crate::raw::syscall5_readonly`].
#[inline]
pub unsafe fn syscall5_readonly(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
) -> usize {
    let ret;
    let block = Block::new(nr, a3, 0);
    // SAFETY: the caller upholds the system call's contract; `block` is
    // valid for the four words the template reads, and its entry is 0 or
    // `__kernel_vsyscall` (`vdso::syscall_entry`). `esi` is restored before the
    // block ends.
    unsafe {
        asm!("push esi",
            "mov esi, [eax]",
            "cmp dword ptr [eax + 12], 0", "je 2f",
            "push dword ptr [eax + 12]", "mov eax, [eax + 8]",
            "call dword ptr [esp]", "lea esp, [esp + 4]", "jmp 3f",
            "2:", "mov eax, [eax + 8]", "int 0x80",
            "3:", "pop esi",
            inlateout("eax") &raw const block => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2, in("edi") a4,
            options(readonly));
    }
    ret
}

/// Issues system call `nr`, which writes no memory, with six arguments.
///
/// # Safety
/// See [`crate::raw::syscall6_readonly`].
#[inline]
pub unsafe fn syscall6_readonly(
    nr: usize,
    a0: usize,
    a1: usize,
    a2: usize,
    a3: usize,
    a4: usize,
    a5: usize,
) -> usize {
    let ret;
    let block = Block::new(nr, a3, a5);
    // SAFETY: the caller upholds the system call's contract; `block` is
    // valid for the four words the template reads, and its entry is 0 or
    // `__kernel_vsyscall` (`vdso::syscall_entry`). `esi` and `ebp` are restored before the
    // block ends.
    unsafe {
        asm!("push ebp", "push esi",
            "mov esi, [eax]", "mov ebp, [eax + 4]",
            "cmp dword ptr [eax + 12], 0", "je 2f",
            "push dword ptr [eax + 12]", "mov eax, [eax + 8]",
            "call dword ptr [esp]", "lea esp, [esp + 4]", "jmp 3f",
            "2:", "mov eax, [eax + 8]", "int 0x80",
            "3:", "pop esi", "pop ebp",
            inlateout("eax") &raw const block => ret,
            in("ebx") a0, in("ecx") a1, in("edx") a2, in("edi") a4,
            options(readonly));
    }
    ret
}

/// Issues system call `nr`, which should not return, with one argument;
/// raises `SIGILL` (`ud2`) if it does.
///
/// Always `int $0x80`: the call is made once, so the fast entry would gain
/// nothing.
///
/// # Safety
/// See [`crate::raw::syscall1_noreturn`].
#[inline]
pub unsafe fn syscall1_noreturn(nr: usize, a0: usize) -> ! {
    // SAFETY: the caller upholds the system call's contract; if the call
    // returns, `ud2` (an undefined instruction) traps before anything runs
    // past the block.
    unsafe {
        asm!("int 0x80", "ud2",
            in("eax") nr, in("ebx") a0,
            options(nostack, noreturn));
    }
}

/// Every arity of stub, through `int $0x80` and through the vDSO entry
/// (natively; qemu-user has no vDSO, so there both rounds use `int $0x80`).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::Sysno;

    /// `AT_SYSINFO` (arch/x86/include/uapi/asm/auxvec.h).
    const AT_SYSINFO: libc::c_ulong = 32;

    fn nr(n: Sysno) -> usize {
        n as usize
    }

    fn check_every_arity() {
        // SAFETY: each call below is a valid call of that number, on
        // descriptors and buffers this test owns.
        unsafe {
            assert_eq!(syscall0(nr(Sysno::getpid)) as i32, libc::getpid());
            assert_eq!(syscall0_readonly(nr(Sysno::getpid)) as i32, libc::getpid());
            assert_eq!(syscall1(nr(Sysno::getpgid), 0) as i32, libc::getpgid(0));
            assert_eq!(
                syscall1_readonly(nr(Sysno::getsid), 0) as i32,
                libc::getsid(0)
            );

            let mut ts = [0_i64; 2];
            let p = ts.as_mut_ptr() as usize;
            assert_eq!(syscall2(nr(Sysno::clock_gettime64), 1, p), 0);
            assert!(ts[0] > 0 || ts[1] > 0);

            let mut fds = [0_i32; 2];
            assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
            let (r, w) = (fds[0] as usize, fds[1] as usize);
            let msg = *b"abc";
            let n = syscall3(nr(Sysno::write), w, msg.as_ptr() as usize, 3);
            assert_eq!(n, 3);
            let mut got = [0_u8; 3];
            let n = syscall3(nr(Sysno::read), r, got.as_mut_ptr() as usize, 3);
            assert_eq!((n, got), (3, msg));

            let mut old = 0_u64;
            let o = &mut old as *mut u64 as usize;
            assert_eq!(syscall4(nr(Sysno::rt_sigprocmask), 0, 0, o, 8), 0);
            let mut theirs: libc::sigset_t = core::mem::zeroed();
            assert_eq!(libc::pthread_sigmask(0, core::ptr::null(), &mut theirs), 0);
            assert_eq!(
                libc::sigismember(&theirs, libc::SIGUSR1) == 1,
                old & (1 << 9) != 0
            );

            // A memfd of two 4096-byte units, the second one starting "B".
            let fd = libc::memfd_create(c"arity".as_ptr(), 0);
            assert!(fd >= 0);
            assert_eq!(libc::ftruncate(fd, 8192), 0);
            assert_eq!(libc::pwrite(fd, b"B".as_ptr().cast(), 1, 4096), 1);
            let fd = fd as usize;
            // _llseek(fd, high, low, &result, SEEK_SET): five arguments.
            let mut pos = 0_u64;
            let res = &mut pos as *mut u64 as usize;
            assert_eq!(syscall5(nr(Sysno::_llseek), fd, 0, 4096, res, 0), 0);
            assert_eq!(pos, 4096);
            assert_eq!(syscall5_readonly(nr(Sysno::_llseek), fd, 0, 0, res, 1), 0);
            // mmap2(NULL, 4096, PROT_READ, MAP_SHARED, fd, 1 unit): the
            // sixth argument, in `ebp`, picks the second unit.
            let addr = syscall6(nr(Sysno::mmap2), 0, 4096, 1, 1, fd, 1);
            assert!(addr < -4096_isize as usize, "mmap2: {}", addr as isize);
            assert_eq!(*(addr as *const u8), b'B');
            assert_eq!(libc::munmap(addr as *mut libc::c_void, 4096), 0);
            let addr = syscall6_readonly(nr(Sysno::mmap2), 0, 4096, 1, 1, fd, 0);
            assert!(addr < -4096_isize as usize, "mmap2: {}", addr as isize);
            assert_eq!(*(addr as *const u8), 0);
            assert_eq!(libc::munmap(addr as *mut libc::c_void, 4096), 0);
            for fd in [fd as i32, fds[0], fds[1]] {
                assert_eq!(libc::close(fd), 0);
            }
        }
    }

    #[test]
    fn every_arity_through_int80_and_the_vdso() {
        // SAFETY: getauxval reads the process's own auxiliary vector.
        let sysinfo = unsafe { libc::getauxval(AT_SYSINFO) } as usize;
        // Other tests of this binary may run meanwhile, through either.
        // SAFETY: 0 is always a valid entry.
        unsafe { vdso::set_syscall_entry(0) };
        check_every_arity();
        // The first clock read finds the entry in the vDSO: the kernel's
        // `AT_SYSINFO` natively, none under qemu-user.
        crate::clock_now(crate::Clock::Monotonic).unwrap();
        assert_eq!(vsyscall(), sysinfo);
        check_every_arity();
    }
}
