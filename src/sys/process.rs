//! getpid(2), gettid(2), tgkill(2), exit_group(2), exit(2), pidfd_open(2),
//! pidfd_send_signal(2), pidfd_getfd(2), waitid(2).

use core::ffi::c_long;

use super::{BorrowedFd, arg, ret_int, ret_unit};
use crate::Result;
use crate::raw::{self, Sysno};

/// getpid(2); cannot fail.
#[inline]
pub(crate) fn getpid() -> i32 {
    // SAFETY: no argument, no memory.
    unsafe { raw::syscall0_readonly(Sysno::getpid) as i32 }
}

/// gettid(2); cannot fail.
#[inline]
pub(crate) fn gettid() -> i32 {
    // SAFETY: no argument, no memory.
    unsafe { raw::syscall0_readonly(Sysno::gettid) as i32 }
}

/// tgkill(2). Not a read-only call: a signal sent to the calling thread
/// runs its handler before the call returns, and the handler may write
/// memory.
#[inline]
pub(crate) fn tgkill(tgid: i32, tid: i32, sig: i32) -> Result<()> {
    let (p, t, s) = (arg::int(tgid), arg::int(tid), arg::int(sig));
    // SAFETY: no memory argument. A signal may run a handler, which is the
    // caller's business exactly as with kill(2).
    ret_unit(unsafe { raw::syscall3(Sysno::tgkill, p, t, s) })
}

/// exit_group(2). Returns only if the call did not end the process: a
/// seccomp filter refused it (the error), or a tracer skipped it.
#[inline]
pub(crate) fn exit_group(status: i32) -> Result<()> {
    // SAFETY: no memory argument; ending the process without running
    // destructors is what the caller asked for.
    ret_unit(unsafe { raw::syscall1(Sysno::exit_group, arg::int(status)) })
}

/// exit(2) (the raw `_exit`): ends the calling thread, and the process if
/// it is the only one.
/// If a filter or tracer refuses this too, the stub raises `SIGILL`
/// (`SIGTRAP` on loongarch64).
#[inline]
pub(crate) fn exit(status: i32) -> ! {
    // SAFETY: no memory argument; ending the thread without running
    // destructors is what the caller asked for, and the stub traps rather
    // than return.
    unsafe { raw::syscall1_noreturn(Sysno::exit, arg::int(status)) }
}

/// pidfd_open(2): a new pidfd the caller owns.
#[inline]
pub(crate) fn pidfd_open(pid: i32, flags: u32) -> Result<i32> {
    let (p, f) = (arg::int(pid), arg::uint(flags));
    // SAFETY: no memory argument.
    ret_int(unsafe { raw::syscall2_readonly(Sysno::pidfd_open, p, f) })
}

/// pidfd_send_signal(2) with no `siginfo` and no flags. Not a read-only
/// call, as tgkill(2): the pidfd may be this process's own.
#[inline]
pub(crate) fn pidfd_send_signal(fd: BorrowedFd<'_>, sig: i32) -> Result<()> {
    let (f, s) = (arg::fd(fd), arg::int(sig));
    // SAFETY: the `siginfo` pointer is NULL, so the kernel reads no memory;
    // a handler the signal runs is the caller's business, as with kill(2).
    let r = unsafe { raw::syscall4(Sysno::pidfd_send_signal, f, s, arg::null(), 0) };
    ret_unit(r)
}

/// pidfd_getfd(2): a new descriptor (close-on-exec) the caller owns.
#[inline]
pub(crate) fn pidfd_getfd(fd: BorrowedFd<'_>, target_fd: i32) -> Result<i32> {
    let (f, t) = (arg::fd(fd), arg::int(target_fd));
    // SAFETY: no memory argument.
    ret_int(unsafe { raw::syscall3_readonly(Sysno::pidfd_getfd, f, t, 0) })
}

/// `P_PIDFD` (include/uapi/linux/wait.h, Linux 5.4): waitid(2) takes a
/// pidfd instead of a pid.
const P_PIDFD: i32 = 3;
/// `WNOHANG`: return at once if no child has changed state.
pub(crate) const WNOHANG: i32 = 1;
/// `WEXITED`: wait for children that have ended.
pub(crate) const WEXITED: i32 = 4;

/// `CLD_EXITED`, `CLD_KILLED`, `CLD_DUMPED` (include/uapi/asm-generic/
/// siginfo.h): the `si_code` of a child that exited, was killed by a
/// signal, or was killed and dumped core.
pub(crate) const CLD_EXITED: i32 = 1;
pub(crate) const CLD_KILLED: i32 = 2;
pub(crate) const CLD_DUMPED: i32 = 3;

/// The kernel's `siginfo_t` as waitid(2) fills it: the three `int`s of
/// `__SIGINFO`, then the `_sigchld` member of the `_sifields` union, padded
/// to the union's `SI_MAX_SIZE` of 128 bytes
/// (include/uapi/asm-generic/siginfo.h; no supported arch swaps `si_errno`
/// and `si_code`).
///
/// The union holds `long`s (`si_utime` and `si_stime` are
/// `__kernel_clock_t`, a `long`), so it is aligned as one: at offset 16
/// after 4 bytes of padding on the 64-bit targets, right at offset 12 on
/// the 32-bit ones, where the clock fields are 32 bits wide too.
/// `c_long` gives both layouts.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub(crate) struct Siginfo {
    pub(crate) si_signo: i32,
    pub(crate) si_errno: i32,
    pub(crate) si_code: i32,
    /// The alignment of the union, at no size.
    pub(crate) _union: [c_long; 0],
    pub(crate) si_pid: i32,
    pub(crate) si_uid: u32,
    pub(crate) si_status: i32,
    pub(crate) si_utime: c_long,
    pub(crate) si_stime: c_long,
    pub(crate) _rest: [c_long; SI_REST],
}

/// The `long`s of `siginfo_t` after `si_stime`: 128 bytes less the
/// header (three `int`s, rounded up to a `long`), `si_pid`, `si_uid` and
/// `si_status` (rounded up likewise), and the two clock fields.
const SI_REST: usize = {
    let long = core::mem::size_of::<c_long>();
    128 / long - 2 * 12_usize.div_ceil(long) - 2
};

const _: () = assert!(core::mem::size_of::<Siginfo>() == 128);

/// waitid(2) with `P_PIDFD` and no `rusage`. The record comes back zeroed
/// (`si_pid == 0`) when `WNOHANG` found nothing to report.
#[inline]
pub(crate) fn waitid_pidfd(fd: BorrowedFd<'_>, options: i32) -> Result<Siginfo> {
    let mut info = Siginfo::default();
    let (w, f, o) = (arg::int(P_PIDFD), arg::fd(fd), arg::int(options));
    let i = arg::ptr_mut(&mut info);
    // SAFETY: `info` is valid for the 128-byte `siginfo_t` the kernel
    // writes (it stores only fields within it); the `rusage` pointer is
    // NULL, so nothing else is written.
    let r = unsafe { raw::syscall5(Sysno::waitid, w, f, i, o, arg::null()) };
    ret_unit(r).map(|()| info)
}

#[cfg(test)]
pub(super) fn check_constants() {
    use core::mem::{align_of, offset_of, size_of};

    assert_eq!(P_PIDFD as u32, libc::P_PIDFD);
    assert_eq!(WNOHANG, libc::WNOHANG);
    assert_eq!(WEXITED, libc::WEXITED);
    assert_eq!(CLD_EXITED, libc::CLD_EXITED);
    assert_eq!(CLD_KILLED, libc::CLD_KILLED);
    assert_eq!(CLD_DUMPED, libc::CLD_DUMPED);

    assert_eq!(size_of::<Siginfo>(), size_of::<libc::siginfo_t>());
    assert_eq!(align_of::<Siginfo>(), align_of::<libc::siginfo_t>());
    assert_eq!(
        offset_of!(Siginfo, si_signo),
        offset_of!(libc::siginfo_t, si_signo)
    );
    assert_eq!(
        offset_of!(Siginfo, si_errno),
        offset_of!(libc::siginfo_t, si_errno)
    );
    assert_eq!(
        offset_of!(Siginfo, si_code),
        offset_of!(libc::siginfo_t, si_code)
    );
    // libc hides the union behind accessors: write distinct values through
    // ours and read them back through libc's.
    let info = Siginfo {
        si_signo: 17,
        si_code: CLD_KILLED,
        si_pid: 0x1234_5678,
        si_uid: 0x0bad_cafe,
        si_status: 0x2468_ace0,
        si_utime: 0x1111_2222,
        si_stime: 0x3333_4444,
        ..Siginfo::default()
    };
    // SAFETY: both are 128-byte plain-data records (sizes checked above);
    // every bit pattern is a valid `siginfo_t`.
    let theirs: libc::siginfo_t = unsafe { core::mem::transmute(info) };
    assert_eq!(theirs.si_signo, 17);
    assert_eq!(theirs.si_code, CLD_KILLED);
    // SAFETY: the accessors read the `_sigchld` member, which is what a
    // `SIGCHLD` record (as set up above) holds.
    unsafe {
        assert_eq!(theirs.si_pid(), 0x1234_5678);
        assert_eq!(theirs.si_uid(), 0x0bad_cafe);
        assert_eq!(theirs.si_status(), 0x2468_ace0);
        assert_eq!(theirs.si_utime() as i64, 0x1111_2222);
        assert_eq!(theirs.si_stime() as i64, 0x3333_4444);
    }
}
