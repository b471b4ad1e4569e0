//! Running one scenario in a forked child under a seccomp filter.
//!
//! The parent maps one shared anonymous page (before any fork) for the
//! child's report (`report.rs`), forks, and waits. The child installs its filter only
//! for the call under test, so setup runs unfiltered; it never writes to a
//! descriptor to report (the filter may be failing `write`), and it ends
//! with `_exit` (exit_group(2), which no filter here touches).
//!
//! Filters fail a call in one of two ways:
//! - `SECCOMP_RET_ERRNO | errno`: the kernel skips the call and returns
//!   `-errno`. This is the matrix.
//! - `SECCOMP_RET_TRAP | data`: the kernel skips the call and raises
//!   `SIGSYS`, whose handler (`trap.rs`) either counts the call and makes it
//!   return `-data` (counting cells), or, for `data == 0`, records a
//!   forbidden call and ends the child (sweeps, and the checks that a
//!   failed close or unmap is never repeated).

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::Ordering::Relaxed;

use iofd::ErrorKind;
use iofd::raw::{Errno, Sysno};

use crate::fdset::FdSet;
use crate::report::*;
use crate::seccomp::{Program, RET_DATA, RET_ERRNO, RET_TRAP, Rule};
use crate::syscalls::{self, Target};
use crate::trap;

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

/// A scenario's view of its cell.
pub struct Cx {
    mode: Mode,
    /// `/proc/self/fd`, opened during setup and kept open (so it is in
    /// both snapshots), listed again from the start for each snapshot.
    proc_fd: i32,
    called: bool,
}

impl Cx {
    /// The target of an errno or counting cell, as the APIs are listed
    /// with it (a fallback row as its time64 row: the path that issues
    /// one issues the other); `None` in sweeps, where a scenario takes the
    /// path that succeeds.
    pub fn row(&self) -> Option<Target> {
        match self.mode {
            Mode::Errno { target, .. } | Mode::Count { target } => Some(target.listed_as()),
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
        let mut rules = [Target::Sys(Sysno::read).rule(0); 64];
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
            Mode::Sweep { .. } | Mode::NoSys => {}
        }
        if let Mode::Errno { target, .. } | Mode::Count { target } = self.mode {
            if let Some(rule) = target.prerequisite() {
                rules[n] = rule;
                n += 1;
            }
        }
        match self.mode {
            Mode::Errno { .. } | Mode::Count { .. } => {}
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

    /// From now on, `nr` fails with `errno`: for a scenario's setup that
    /// needs a system without that call.
    pub fn deny(&self, nr: Sysno, errno: i32) {
        let rule = Rule {
            nr,
            arg: None,
            arg_bits: None,
            action: RET_ERRNO | (errno as u32 & RET_DATA),
        };
        self.install(&[rule]);
    }

    /// From now on, `nr` with first argument `arg0` ends the child as a
    /// failure: for "a failed close (or unmap) is never issued again".
    pub fn forbid(&self, nr: Sysno, arg0: u64) {
        let rule = Rule {
            nr,
            arg: Some((0, arg0)),
            arg_bits: None,
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

    fn open_fds(&self) -> FdSet {
        FdSet::of(self.proc_fd).unwrap_or_else(|e| self.fail(format_args!("harness: {e}")))
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
        libc::EEXIST => ErrorKind::AlreadyExists,
        libc::ENOENT => ErrorKind::NotFound,
        libc::ECANCELED => ErrorKind::Canceled,
        _ => ErrorKind::Other,
    }
}

/// The child: set up, run `scenario` under `mode`, and report.
fn child(mode: Mode, scenario: fn(&mut Cx)) -> ! {
    // A scenario that hangs (a retry loop on an error that never clears)
    // is ended by SIGALRM, which the parent reports.
    // SAFETY: alarm(2) has no memory argument.
    unsafe { libc::alarm(10) };
    trap::install_sigsys_handler();
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
            let n = trap::traps();
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
