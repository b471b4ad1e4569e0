//! Running one scenario in a forked child under a seccomp filter.
//!
//! The parent maps one shared anonymous page (before any fork) for the
//! child's [`Report`], forks, and waits. The child installs its filter only
//! for the call under test, so setup runs unfiltered; it never writes to a
//! descriptor to report (the filter may be failing `write`), and it ends
//! with `_exit` (exit_group(2), which no filter here touches).
//!
//! Filters fail a call in one of two ways:
//! - `SECCOMP_RET_ERRNO | errno`: the kernel skips the call and returns
//!   `-errno`. This is the matrix.
//! - `SECCOMP_RET_TRAP | data`: the kernel skips the call and raises
//!   `SIGSYS`, whose handler here either counts the call and makes it
//!   return `-data` (counting cells), or, for `data == 0`, records a
//!   forbidden call and ends the child (sweeps, and the checks that a
//!   failed close or unmap is never repeated).

use std::fmt::{self, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering::Relaxed};

use iofd::ErrorKind;
use iofd::raw::{Errno, Sysno};

use crate::seccomp::{Program, RET_DATA, RET_ERRNO, RET_TRAP, Rule};
use crate::syscalls::{self, Target};

/// What the filter of one cell does.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// `target` fails with `errno` (`SECCOMP_RET_ERRNO`).
    Errno { target: Target, errno: i32 },
    /// `target` fails with `EINTR` through a trap that counts it: the API
    /// must issue it exactly once, and not retry.
    Count { target: Target },
    /// Every system call iofd issues, except `declared`, is forbidden while
    /// the API runs.
    Sweep { declared: &'static [Target] },
    /// Every system call iofd issues is forbidden while the API runs.
    NoSys,
}

/// The errno of counting cells: the one a careless wrapper retries.
pub const COUNT_ERRNO: i32 = libc::EINTR;

/// How far the child got.
const STAGE_FORKED: u32 = 1;
const STAGE_SETUP: u32 = 2;
const STAGE_CALL: u32 = 3;
const STAGE_CHECKS: u32 = 4;
const STAGE_PASSED: u32 = 5;
const STAGE_FAILED: u32 = 6;

/// The child's findings, in memory shared with the parent.
#[repr(C)]
struct Report {
    stage: u32,
    len: u32,
    msg: [u8; 2000],
}

/// The report of the running child, for the `SIGSYS` handler and the
/// panic hook.
static REPORT: AtomicPtr<Report> = AtomicPtr::new(ptr::null_mut());
/// Calls counted by the `SIGSYS` handler.
static TRAPS: AtomicU32 = AtomicU32::new(0);

/// Appends to the report without allocating or issuing a system call.
struct ReportWriter;

impl fmt::Write for ReportWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let r = REPORT.load(Relaxed);
        if r.is_null() {
            return Ok(());
        }
        // SAFETY: `r` is the shared report page, mapped for the whole life
        // of the child; only this (single) thread of the child writes it.
        let r = unsafe { &mut *r };
        let start = r.len as usize;
        let n = s.len().min(r.msg.len() - start);
        r.msg[start..start + n].copy_from_slice(&s.as_bytes()[..n]);
        r.len = (start + n) as u32;
        Ok(())
    }
}

fn set_stage(stage: u32) {
    // SAFETY: as in `ReportWriter::write_str`.
    unsafe { (*REPORT.load(Relaxed)).stage = stage };
}

fn record(args: fmt::Arguments<'_>) {
    let _ = ReportWriter.write_fmt(args);
}

/// Ends the child: exit_group(2) without destructors or buffered output.
fn exit(code: i32) -> ! {
    // SAFETY: _exit ends the process; nothing is left to run.
    unsafe { libc::_exit(code) }
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
}

/// The open descriptors of the child: a bit per number below 1024, and a
/// count of any above.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FdSet {
    low: [u64; 16],
    high: u32,
}

impl fmt::Display for FdSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        let mut first = true;
        for fd in 0..1024 {
            if self.low[fd / 64] & (1 << (fd % 64)) != 0 {
                write!(f, "{}{fd}", if first { "" } else { ", " })?;
                first = false;
            }
        }
        if self.high > 0 {
            write!(f, " and {} above 1023", self.high)?;
        }
        f.write_str("}")
    }
}

/// A scenario's view of its cell.
pub struct Cx {
    mode: Mode,
    /// `/proc/self/fd`, opened during setup and kept open (so it is in
    /// both snapshots), listed again from the start for each snapshot.
    proc_fd: i32,
    called: bool,
}

impl Cx {
    /// The target of an errno or counting cell; `None` in sweeps, where a
    /// scenario takes the path that succeeds.
    pub fn row(&self) -> Option<Target> {
        match self.mode {
            Mode::Errno { target, .. } | Mode::Count { target } => Some(target),
            Mode::Sweep { .. } | Mode::NoSys => None,
        }
    }

    /// The errno the filter injects.
    pub fn errno(&self) -> i32 {
        match self.mode {
            Mode::Errno { errno, .. } => errno,
            Mode::Count { .. } => COUNT_ERRNO,
            Mode::Sweep { .. } | Mode::NoSys => self.fail(format_args!(
                "harness: no injected errno in mode {:?}",
                self.mode
            )),
        }
    }

    /// Whether this is a counting cell, where every extra call of the
    /// target counts against the API.
    pub fn counting(&self) -> bool {
        matches!(self.mode, Mode::Count { .. })
    }

    /// Unwraps a setup step (run before any filter).
    pub fn setup<T>(&self, what: &str, r: iofd::Result<T>) -> T {
        r.unwrap_or_else(|e| self.fail(format_args!("setup: {what} failed: {e:?}")))
    }

    /// Installs the cell's filter, then runs the API call `f`.
    ///
    /// In sweeps the child passes as soon as `f` returns (what follows, up
    /// to the destructors, may issue calls the API itself does not). In
    /// the other modes the open descriptors must be the same before and
    /// after `f`, and the value is returned for the scenario to check.
    pub fn call<T>(&mut self, f: impl FnOnce() -> T) -> T {
        if self.called {
            self.fail(format_args!("harness: a scenario calls its API once"));
        }
        self.called = true;
        let mut rules = [Target::Sys(Sysno::read).rule(0); 32];
        let mut n = 0;
        match self.mode {
            Mode::Errno { target, errno } => {
                rules[0] = target.rule(RET_ERRNO | (errno as u32 & RET_DATA));
                n = 1;
            }
            Mode::Count { target } => {
                rules[0] = target.rule(RET_TRAP | COUNT_ERRNO as u32);
                n = 1;
            }
            Mode::Sweep { declared } => {
                for nr in syscalls::injectable() {
                    if !declared.iter().any(|t| t.sysno() == nr) {
                        rules[n] = Target::Sys(nr).rule(RET_TRAP);
                        n += 1;
                    }
                }
            }
            Mode::NoSys => {
                for nr in syscalls::injectable() {
                    rules[n] = Target::Sys(nr).rule(RET_TRAP);
                    n += 1;
                }
            }
        }
        self.install(&rules[..n]);
        let before = self.open_fds();
        set_stage(STAGE_CALL);
        let value = f();
        set_stage(STAGE_CHECKS);
        if let Mode::Sweep { .. } = self.mode {
            pass();
        }
        let after = self.open_fds();
        if before != after {
            self.fail(format_args!(
                "descriptors changed across the call: {before} before, {after} after"
            ));
        }
        value
    }

    /// Checks that `r` is the injected error, classified as documented.
    pub fn injected<T: fmt::Debug>(&self, r: iofd::Result<T>) {
        self.error_is(r, self.errno());
    }

    /// Checks that `r` is an error with errno `errno` and the kind the
    /// crate documents for it.
    pub fn error_is<T: fmt::Debug>(&self, r: iofd::Result<T>, errno: i32) {
        let want = name(errno);
        let e = match r {
            Ok(v) => self.fail(format_args!("returned Ok({v:?}), expected {want}")),
            Err(e) => e,
        };
        if e.raw_os_error() != errno {
            self.fail(format_args!("returned {e:?}, expected {want}"));
        }
        let kind = documented_kind(errno);
        if e.kind() != kind {
            self.fail(format_args!(
                "{want} classified as {:?}, documented as {kind:?}",
                e.kind()
            ));
        }
    }

    /// Fails the cell unless `cond` holds.
    pub fn ensure(&self, cond: bool, what: fmt::Arguments<'_>) {
        if !cond {
            self.fail(what);
        }
    }

    /// From now on, `nr` with first argument `arg0` ends the child as a
    /// failure: for "a failed close (or unmap) is never issued again".
    pub fn forbid(&self, nr: Sysno, arg0: u64) {
        let rule = Rule {
            nr,
            arg: Some((0, arg0)),
            action: RET_TRAP,
        };
        self.install(&[rule]);
    }

    /// Records a failure and ends the child.
    pub fn fail(&self, what: fmt::Arguments<'_>) -> ! {
        record(what);
        set_stage(STAGE_FAILED);
        exit(1)
    }

    /// Ends the child as a pass, skipping destructors.
    pub fn pass(&self) -> ! {
        pass()
    }

    fn install(&self, rules: &[Rule]) {
        if let Err(errno) = Program::new(rules).install() {
            self.fail(format_args!(
                "cannot install a seccomp filter: {} (seccomp is unavailable: \
                 under qemu-user, run with `--skip seccomp_`)",
                name(errno)
            ));
        }
    }

    /// Lists `/proc/self/fd` with lseek(2) and getdents64(2), neither of
    /// which iofd issues, so no filter here touches them.
    fn open_fds(&self) -> FdSet {
        let mut set = FdSet {
            low: [0; 16],
            high: 0,
        };
        // SAFETY: lseek on a descriptor this child owns; no memory.
        if unsafe { libc::lseek(self.proc_fd, 0, libc::SEEK_SET) } != 0 {
            self.fail(format_args!("harness: lseek /proc/self/fd failed"));
        }
        let mut buf = [0u64; 512];
        loop {
            let len = size_of_val(&buf);
            // SAFETY: `buf` is valid for `len` bytes of writes.
            let n =
                unsafe { libc::syscall(libc::SYS_getdents64, self.proc_fd, buf.as_mut_ptr(), len) };
            if n < 0 {
                self.fail(format_args!("harness: getdents64 /proc/self/fd failed"));
            }
            if n == 0 {
                return set;
            }
            // SAFETY: the kernel filled the first `n` bytes of `buf`.
            let bytes =
                unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n as usize) };
            let mut at = 0;
            while at < bytes.len() {
                // `struct linux_dirent64`: d_ino (8), d_off (8), d_reclen
                // (2), d_type (1), then the NUL-terminated name.
                let reclen = usize::from(u16::from_ne_bytes([bytes[at + 16], bytes[at + 17]]));
                let name = &bytes[at + 19..at + reclen];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if let Some(fd) = parse_fd(name) {
                    if fd < 1024 {
                        set.low[fd / 64] |= 1 << (fd % 64);
                    } else {
                        set.high += 1;
                    }
                }
                at += reclen;
            }
        }
    }
}

/// A decimal descriptor number; `None` for `.` and `..`.
fn parse_fd(name: &[u8]) -> Option<usize> {
    if name.is_empty() || !name.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(name.iter().fold(0, |n, &d| n * 10 + usize::from(d - b'0')))
}

fn pass() -> ! {
    set_stage(STAGE_PASSED);
    exit(0)
}

/// `EAGAIN` for 11, …
pub fn name(errno: i32) -> &'static str {
    Errno::new(errno).name().unwrap_or("an unnamed errno")
}

/// The classification `Error::kind` documents, written out here rather
/// than asked of the crate.
pub fn documented_kind(errno: i32) -> ErrorKind {
    match errno {
        libc::EAGAIN => ErrorKind::WouldBlock,
        libc::EBADF => ErrorKind::Closed,
        libc::EINVAL => ErrorKind::InvalidInput,
        libc::EINTR => ErrorKind::Interrupted,
        libc::ENOMEM => ErrorKind::OutOfMemory,
        libc::EPERM | libc::EACCES => ErrorKind::PermissionDenied,
        libc::ENOSYS | libc::EOPNOTSUPP => ErrorKind::Unsupported,
        _ => ErrorKind::Other,
    }
}

/// The child: set up, run `scenario` under `mode`, and report.
fn child(mode: Mode, scenario: fn(&mut Cx)) -> ! {
    // A scenario that hangs (a retry loop on an error that never clears)
    // is ended by SIGALRM, which the parent reports.
    // SAFETY: alarm(2) has no memory argument.
    unsafe { libc::alarm(10) };
    install_sigsys_handler();
    panic::set_hook(Box::new(|info| record(format_args!("panicked: {info}"))));
    set_stage(STAGE_SETUP);
    // SAFETY: a NUL-terminated path; the flags are plain bits.
    let proc_fd = unsafe {
        libc::open(
            c"/proc/self/fd".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    let mut cx = Cx {
        mode,
        proc_fd,
        called: false,
    };
    if proc_fd < 0 {
        cx.fail(format_args!("harness: cannot open /proc/self/fd"));
    }
    match panic::catch_unwind(AssertUnwindSafe(|| scenario(&mut cx))) {
        Ok(()) => {}
        Err(_) => {
            set_stage(STAGE_FAILED);
            exit(2);
        }
    }
    match mode {
        Mode::Sweep { .. } => cx.fail(format_args!("harness: the scenario never ran its API")),
        Mode::Count { target } => {
            let n = TRAPS.load(Relaxed);
            cx.ensure(
                n == 1,
                format_args!(
                    "issued {} {n} times, expected once (an EINTR is returned, never retried)",
                    target.name()
                ),
            );
        }
        Mode::Errno { .. } | Mode::NoSys => {}
    }
    cx.ensure(
        cx.called,
        format_args!("harness: the scenario never ran its API"),
    );
    pass()
}

fn install_sigsys_handler() {
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

/// Forks children for cells and judges their reports.
pub struct Runner {
    report: *mut Report,
}

impl Runner {
    /// Maps the shared report page.
    pub fn new() -> Runner {
        // SAFETY: a new anonymous shared mapping; no existing memory is
        // touched.
        let p = unsafe {
            libc::mmap(
                ptr::null_mut(),
                size_of::<Report>(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED, "mmap of the report page");
        Runner { report: p.cast() }
    }

    /// Runs `scenario` under `mode` in a child; `Err` describes a failed
    /// cell.
    pub fn run(&self, mode: Mode, scenario: fn(&mut Cx)) -> Result<(), String> {
        // SAFETY: no child is running, so the parent has the page to
        // itself.
        unsafe {
            self.report.write(Report {
                stage: STAGE_FORKED,
                len: 0,
                msg: [0; 2000],
            });
        }
        REPORT.store(self.report, Relaxed);
        // SAFETY: the harness is single-threaded (`harness = false`), so
        // the child is a complete copy of the process.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(format!("fork: {}", std::io::Error::last_os_error()));
        }
        if pid == 0 {
            child(mode, scenario);
        }
        let mut status = 0;
        // SAFETY: `status` is valid for the `int` waitpid writes.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r != pid {
            return Err(format!("waitpid: {}", std::io::Error::last_os_error()));
        }
        // SAFETY: the child has exited; nothing writes the page any more.
        let report = unsafe { ptr::read_volatile(self.report) };
        let passed = libc::WIFEXITED(status)
            && libc::WEXITSTATUS(status) == 0
            && report.stage == STAGE_PASSED;
        if passed {
            return Ok(());
        }
        let stage = match report.stage {
            STAGE_FORKED => "before setup",
            STAGE_SETUP => "in setup",
            STAGE_CALL => "in the API call",
            STAGE_CHECKS => "in the checks after the call",
            STAGE_FAILED => "a check failed",
            _ => "after passing",
        };
        let how = if libc::WIFSIGNALED(status) {
            let sig = libc::WTERMSIG(status);
            match sig {
                libc::SIGALRM => "timed out (hung for 10 s)".to_string(),
                libc::SIGSYS => "killed by seccomp (SIGSYS)".to_string(),
                _ => format!("killed by signal {sig}"),
            }
        } else {
            format!("exit status {}", libc::WEXITSTATUS(status))
        };
        let msg = String::from_utf8_lossy(&report.msg[..report.len as usize]);
        Err(format!("{stage}, {how}: {msg}"))
    }
}
