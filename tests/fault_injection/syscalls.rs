//! The system calls iofd issues, as injection targets, and the check that
//! this list is the one in `src/sys/`.
//!
//! The 32-bit targets issue other calls for some rows (ftruncate64, mmap2,
//! _llseek, and the `*_time64` calls of Linux 5.1), and each `*_time64`
//! row has a [`Target::Fallback`] twin: the 32-bit call that iofd makes
//! once the time64 one has answered `ENOSYS` (`src/sys/abi32.rs`).

use std::collections::BTreeSet;

use iofd::raw::Sysno;

use crate::seccomp::Rule;

/// What a filter fails: a system call, or one fcntl(2) command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every call of this number.
    Sys(Sysno),
    /// fcntl(2) with `F_SETFL` only: the second call of
    /// `Fd::set_nonblocking`, which a plain fcntl filter never reaches.
    FcntlSetfl,
    /// The 32-bit call `old`, which iofd reaches when the `*_time64` call
    /// `time64` answers `ENOSYS`: the filter answers it so, and applies
    /// the cell's action to `old`. Every API listed with `time64` issues
    /// `old` too.
    #[cfg_attr(target_pointer_width = "64", allow(dead_code))]
    Fallback { time64: Sysno, old: Sysno },
    /// memfd_create(2) with this flag set only: the first call of a
    /// constructor that falls back without the flag on `EINVAL`, as
    /// kernels that lack it answer; a plain filter fails the fallback too.
    MemfdCreateWith(u32),
}

/// fcntl(2) `F_SETFL`.
const F_SETFL: u64 = 4;
/// memfd_create(2) `MFD_NOEXEC_SEAL` and `MFD_EXEC`.
const MFD_NOEXEC_SEAL: u32 = 0x0008;
const MFD_EXEC: u32 = 0x0010;

impl Target {
    /// The system call number the filter matches.
    pub fn sysno(self) -> Sysno {
        match self {
            Target::Sys(nr) => nr,
            Target::FcntlSetfl => Sysno::fcntl,
            Target::Fallback { old, .. } => old,
            Target::MemfdCreateWith(_) => Sysno::memfd_create,
        }
    }

    /// The row an API is listed with when it issues this target: the
    /// time64 row for a fallback, the target itself otherwise.
    pub fn listed_as(self) -> Target {
        match self {
            Target::Fallback { time64, .. } => Target::Sys(time64),
            t => t,
        }
    }

    /// Whether an API issuing this target goes on without an error when
    /// the target fails with `errno`, and why: a `*_time64` call failing
    /// with `ENOSYS` sends iofd to its 32-bit call (the fallback rows).
    pub fn recovers_from(self, errno: i32) -> Option<&'static str> {
        let time64 = ROWS
            .iter()
            .any(|r| matches!(r, Target::Fallback { time64, .. } if Target::Sys(*time64) == self));
        (time64 && errno == libc::ENOSYS).then_some(
            "iofd makes the 32-bit call instead (see the fallback row), \
             as on a kernel before Linux 5.1",
        )
    }

    /// The rule that sends iofd to this target, if it is a fallback: the
    /// time64 call answers `ENOSYS`.
    pub fn prerequisite(self) -> Option<Rule> {
        match self {
            Target::Fallback { time64, .. } => Some(Rule {
                nr: time64,
                arg: None,
                arg_bits: None,
                action: crate::seccomp::RET_ERRNO | libc::ENOSYS as u32,
            }),
            _ => None,
        }
    }

    /// `read`, `fcntl[F_SETFL]`, …
    pub fn name(self) -> &'static str {
        match self {
            Target::Sys(nr) => nr.name(),
            Target::FcntlSetfl => "fcntl[F_SETFL]",
            Target::Fallback { old, .. } => old.name(),
            Target::MemfdCreateWith(MFD_NOEXEC_SEAL) => "memfd_create[MFD_NOEXEC_SEAL]",
            Target::MemfdCreateWith(MFD_EXEC) => "memfd_create[MFD_EXEC]",
            Target::MemfdCreateWith(_) => "memfd_create[?]",
        }
    }

    /// The filter rule giving this target `action`.
    pub fn rule(self, action: u32) -> Rule {
        let (arg, arg_bits) = match self {
            Target::Sys(_) | Target::Fallback { .. } => (None, None),
            Target::FcntlSetfl => (Some((1, F_SETFL)), None),
            Target::MemfdCreateWith(flag) => (None, Some((1, flag))),
        };
        Rule {
            nr: self.sysno(),
            arg,
            arg_bits,
            action,
        }
    }
}

pub const READ: Target = Target::Sys(Sysno::read);
pub const WRITE: Target = Target::Sys(Sysno::write);
pub const PREAD64: Target = Target::Sys(Sysno::pread64);
pub const PWRITE64: Target = Target::Sys(Sysno::pwrite64);
pub const CLOSE: Target = Target::Sys(Sysno::close);
pub const FCNTL: Target = Target::Sys(Sysno::fcntl);
pub const FCNTL_SETFL: Target = Target::FcntlSetfl;
pub const PIPE2: Target = Target::Sys(Sysno::pipe2);
pub const EVENTFD2: Target = Target::Sys(Sysno::eventfd2);
pub const CLOCK_GETTIME: Target = Target::Sys(abi::CLOCK_GETTIME);
pub const TIMERFD_CREATE: Target = Target::Sys(Sysno::timerfd_create);
pub const TIMERFD_SETTIME: Target = Target::Sys(abi::TIMERFD_SETTIME);
pub const TIMERFD_GETTIME: Target = Target::Sys(abi::TIMERFD_GETTIME);
pub const GETPID: Target = Target::Sys(Sysno::getpid);
pub const GETTID: Target = Target::Sys(Sysno::gettid);
pub const TGKILL: Target = Target::Sys(Sysno::tgkill);
pub const PIDFD_OPEN: Target = Target::Sys(Sysno::pidfd_open);
pub const PIDFD_SEND_SIGNAL: Target = Target::Sys(Sysno::pidfd_send_signal);
pub const PIDFD_GETFD: Target = Target::Sys(Sysno::pidfd_getfd);
pub const MEMFD_CREATE: Target = Target::Sys(Sysno::memfd_create);
pub const MEMFD_CREATE_NOEXEC: Target = Target::MemfdCreateWith(MFD_NOEXEC_SEAL);
pub const MEMFD_CREATE_EXEC: Target = Target::MemfdCreateWith(MFD_EXEC);
pub const FTRUNCATE: Target = Target::Sys(abi::FTRUNCATE);
pub const STATX: Target = Target::Sys(Sysno::statx);
pub const FSTATFS: Target = Target::Sys(Sysno::fstatfs);
pub const MMAP: Target = Target::Sys(abi::MMAP);
pub const MUNMAP: Target = Target::Sys(Sysno::munmap);
pub const RT_SIGPROCMASK: Target = Target::Sys(Sysno::rt_sigprocmask);
pub const SIGNALFD4: Target = Target::Sys(Sysno::signalfd4);
pub const PPOLL: Target = Target::Sys(abi::PPOLL);
pub const LSEEK: Target = Target::Sys(abi::LSEEK);
pub const EPOLL_CREATE1: Target = Target::Sys(Sysno::epoll_create1);
pub const EPOLL_CTL: Target = Target::Sys(Sysno::epoll_ctl);
pub const EPOLL_PWAIT: Target = Target::Sys(Sysno::epoll_pwait);
pub const EPOLL_PWAIT2: Target = Target::Sys(Sysno::epoll_pwait2);
pub const WAITID: Target = Target::Sys(Sysno::waitid);

pub const SOCKETPAIR: Target = Target::Sys(Sysno::socketpair);
pub const SENDMSG: Target = Target::Sys(Sysno::sendmsg);
pub const RECVMSG: Target = Target::Sys(Sysno::recvmsg);

pub const OPENAT: Target = Target::Sys(Sysno::openat);
pub const PRCTL: Target = Target::Sys(Sysno::prctl);

/// The numbers that differ between the 64-bit and the 32-bit ABIs.
#[cfg(target_pointer_width = "64")]
mod abi {
    use iofd::raw::Sysno;

    pub const FTRUNCATE: Sysno = Sysno::ftruncate;
    pub const MMAP: Sysno = Sysno::mmap;
    pub const LSEEK: Sysno = Sysno::lseek;
    pub const CLOCK_GETTIME: Sysno = Sysno::clock_gettime;
    pub const TIMERFD_SETTIME: Sysno = Sysno::timerfd_settime;
    pub const TIMERFD_GETTIME: Sysno = Sysno::timerfd_gettime;
    pub const PPOLL: Sysno = Sysno::ppoll;
}

/// The numbers that differ between the 64-bit and the 32-bit ABIs, and
/// the fallback rows of the 32-bit ones.
#[cfg(target_pointer_width = "32")]
mod abi {
    use iofd::raw::Sysno;

    use super::Target;

    pub const FTRUNCATE: Sysno = Sysno::ftruncate64;
    pub const MMAP: Sysno = Sysno::mmap2;
    pub const LSEEK: Sysno = Sysno::_llseek;
    pub const CLOCK_GETTIME: Sysno = Sysno::clock_gettime64;
    pub const TIMERFD_SETTIME: Sysno = Sysno::timerfd_settime64;
    pub const TIMERFD_GETTIME: Sysno = Sysno::timerfd_gettime64;
    pub const PPOLL: Sysno = Sysno::ppoll_time64;

    const fn fallback(time64: Sysno, old: Sysno) -> Target {
        Target::Fallback { time64, old }
    }

    pub const FALLBACKS: [Target; 4] = [
        fallback(CLOCK_GETTIME, Sysno::clock_gettime),
        fallback(TIMERFD_SETTIME, Sysno::timerfd_settime),
        fallback(TIMERFD_GETTIME, Sysno::timerfd_gettime),
        fallback(PPOLL, Sysno::ppoll),
    ];
}

/// No fallback rows on the 64-bit targets.
#[cfg(target_pointer_width = "64")]
const FALLBACKS: [Target; 0] = [];
#[cfg(target_pointer_width = "32")]
use abi::FALLBACKS;

/// The rows of the matrix, in order: every system call iofd issues except
/// `exit_group` and `exit` (see [`NOT_INJECTED`]), fcntl's `F_SETFL` on its
/// own, memfd_create with each flag a constructor falls back without, and
/// on the 32-bit targets the fallbacks of the time64 calls.
pub const ROWS: [Target; 41 + FALLBACKS.len()] = rows();

const fn rows() -> [Target; 41 + FALLBACKS.len()] {
    let mut rows = [READ; 41 + FALLBACKS.len()];
    let mut i = 0;
    while i < COMMON.len() {
        rows[i] = COMMON[i];
        i += 1;
    }
    while i < rows.len() {
        rows[i] = FALLBACKS[i - COMMON.len()];
        i += 1;
    }
    rows
}

const COMMON: [Target; 41] = [
    READ,
    WRITE,
    PREAD64,
    PWRITE64,
    CLOSE,
    FCNTL,
    FCNTL_SETFL,
    PIPE2,
    EVENTFD2,
    CLOCK_GETTIME,
    TIMERFD_CREATE,
    TIMERFD_SETTIME,
    TIMERFD_GETTIME,
    GETPID,
    GETTID,
    TGKILL,
    PIDFD_OPEN,
    PIDFD_SEND_SIGNAL,
    PIDFD_GETFD,
    MEMFD_CREATE,
    MEMFD_CREATE_NOEXEC,
    MEMFD_CREATE_EXEC,
    FTRUNCATE,
    STATX,
    FSTATFS,
    MMAP,
    MUNMAP,
    RT_SIGPROCMASK,
    SIGNALFD4,
    PPOLL,
    LSEEK,
    EPOLL_CREATE1,
    EPOLL_CTL,
    EPOLL_PWAIT,
    EPOLL_PWAIT2,
    WAITID,
    SOCKETPAIR,
    SENDMSG,
    RECVMSG,
    OPENAT,
    PRCTL,
];

/// System calls iofd issues that the matrix leaves alone, and why.
pub const NOT_INJECTED: [(Sysno, &str); 2] = [
    (
        Sysno::exit_group,
        "every child of the matrix ends with it, so filtering it would \
         silence the report; the exit cells (exit.rs) refuse it",
    ),
    (
        Sysno::exit,
        "the fallback of iofd::exit when exit_group is refused; the exit \
         cells (exit.rs) refuse it too",
    ),
];

/// Calls that the `syscalls` crate numbers for loongarch64 although that
/// kernel has none of them: the crate's table for the arch copies
/// aarch64's. loongarch64 takes the generic table (scripts/syscall.tbl)
/// with none of its optional ABIs (arch/loongarch/kernel/Makefile.syscalls),
/// so it lacks the `renameat`, `rlimit` and `memfd_secret` rows, and before
/// Linux 6.11 the `newstat` pair too ("LoongArch: Define
/// __ARCH_WANT_NEW_STAT in unistd.h"); qemu-loongarch64 7.2 still answers
/// those two with `ENOSYS`. The crate calls 79 `fstatat`.
pub const ABSENT_ON_LOONGARCH64: [&str; 6] = [
    "renameat",
    "getrlimit",
    "setrlimit",
    "memfd_secret",
    "fstatat",
    "fstat",
];

/// Fails if iofd issues a call that loongarch64 lacks: checked on every
/// arch, so that such a call cannot reach the crate from a machine that
/// has it.
pub fn check_loongarch64_has_every_call() -> Result<(), String> {
    let issued = injectable().chain(NOT_INJECTED.iter().map(|&(nr, _)| nr));
    let absent: Vec<&str> = issued
        .map(|nr| nr.name())
        .filter(|name| ABSENT_ON_LOONGARCH64.contains(name))
        .collect();
    if absent.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "iofd issues {absent:?}, which loongarch64 does not have"
        ))
    }
}

/// Every system call iofd issues that a filter may fail or forbid.
pub fn injectable() -> impl Iterator<Item = Sysno> {
    ROWS.iter()
        .filter(|t| matches!(t, Target::Sys(_) | Target::Fallback { .. }))
        .map(|t| t.sysno())
}

/// Whether `file` of `src/sys` is compiled for this target: `abi32.rs`
/// only where pointers are 32 bits wide.
fn compiled_here(file: &std::path::Path) -> bool {
    let abi32 = file.file_name().is_some_and(|n| n == "abi32.rs");
    !abi32 || cfg!(target_pointer_width = "32")
}

/// `text` without the items this target does not compile: each one whose
/// attributes say `target_pointer_width` of another width, up to the
/// line `}` that closes it (the sources are formatted by rustfmt).
fn for_this_width(text: &str) -> String {
    let other = if cfg!(target_pointer_width = "64") {
        "target_pointer_width = \"32\""
    } else {
        "target_pointer_width = \"64\""
    };
    let mut kept = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if !skipping && line.starts_with("#[cfg") && line.contains(other) {
            skipping = true;
        }
        if !skipping {
            kept.push_str(line);
            kept.push('\n');
        }
        if skipping && (line == "}" || (line.ends_with(';') && !line.starts_with(' '))) {
            skipping = false;
        }
    }
    kept
}

/// Fails unless the system calls named in `src/sys/` (the only code that
/// issues any) are exactly [`ROWS`] plus [`NOT_INJECTED`]: a call added to
/// the crate without a row here, or a row for a call it no longer makes.
pub fn check_against_src() -> Result<(), String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/sys");
    let mut in_src = BTreeSet::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{dir}: {e}"))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !compiled_here(&path) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path:?}: {e}"))?;
        let text = for_this_width(&text);
        for (_, rest) in text
            .match_indices("Sysno::")
            .map(|(i, _)| text.split_at(i + 7))
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `Sysno::` followed by no name is not a call (a pattern in a
            // test of src/sys, say).
            if !name.is_empty() {
                in_src.insert(name);
            }
        }
    }
    let mut listed: BTreeSet<String> = injectable().map(|nr| nr.name().to_string()).collect();
    listed.extend(NOT_INJECTED.iter().map(|(nr, _)| nr.name().to_string()));
    if in_src == listed {
        Ok(())
    } else {
        let missing: Vec<_> = in_src.difference(&listed).collect();
        let stale: Vec<_> = listed.difference(&in_src).collect();
        Err(format!(
            "src/sys issues {missing:?} without a row here; rows {stale:?} are not in src/sys"
        ))
    }
}
