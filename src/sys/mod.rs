//! The typed system-call layer: the only code that issues system calls.
//!
//! One small function per system call, named after it, taking typed
//! arguments and returning a [`Result`]. Conversions to register words live
//! in [`arg`]: one helper per C argument kind, so a signed `int` is
//! sign-extended and an unsigned one zero-extended in exactly one place.
//!
//! Descriptors are passed as [`BorrowedFd`]: a number some owner keeps open
//! for the borrow's lifetime (an in-flight guard of an [`Fd`](crate::Fd), in
//! practice). This keeps every `unsafe` block below down to the memory
//! arguments, which each one justifies.
//!
//! # Read-only calls
//!
//! These calls, and only these, go through the `_readonly` stubs, which let
//! the compiler keep memory values cached across the call (the contract is
//! in [`raw`](crate::raw#read-only-calls)): none writes memory of this
//! process through an argument, into a mapping, or from a signal handler
//! that runs before it returns. The test below checks that the list is the
//! code's.
//!
//! | call | why it is read-only |
//! |---|---|
//! | getpid, gettid | no argument, no wait |
//! | eventfd2, timerfd_create, pidfd_open, epoll_create1 | make a descriptor from integers; no interruptible wait |
//! | memfd_create | makes a descriptor, reads the name; no interruptible wait |
//! | pidfd_getfd | makes a descriptor; its one wait is killable (only a fatal signal ends it, and no handler runs) |
//! | fcntl | `F_GETFL`, `F_SETFL`, `F_GETFD`, `F_SETFD`, `F_DUPFD_CLOEXEC`, `F_ADD_SEALS`, `F_GET_SEALS`: descriptor, file and seal flags; `F_ADD_SEALS` waits for pinned pages killably only |
//! | signalfd4 | reads the mask, changes the signalfd only; no interruptible wait |
//! | epoll_ctl | reads the event, changes the epoll instance only; its locks are not interruptible, and it never fails with `EINTR` |
//! | timerfd_settime, timerfd_settime64 | with a NULL old value: reads the new value, arms the timer; no interruptible wait |
//!
//! Not read-only, although they take no output pointer:
//!
//! | call | what it can change before it returns |
//! |---|---|
//! | write, pwrite64 | bytes of a file this process maps `MAP_SHARED` (a memfd behind a `MappedRegion`, `/proc/self/mem`); a blocking write (pipe, socket, FUSE) that a signal interrupts runs the handler first (`EINTR`) |
//! | sendmsg | a send on a blocking socket that a signal interrupts runs the handler first (`EINTR`) |
//! | openat | an open on a file system that waits for a server (FUSE) can be interrupted: a handler ran |
//! | ftruncate, ftruncate64 | shrinking a mapped file, then growing it back, zeroes mapped bytes |
//! | close | can be interrupted (`EINTR`, on NFS or FUSE): a handler ran |
//! | lseek, _llseek | on a FUSE file it waits for the server, and can be interrupted |
//! | tgkill, pidfd_send_signal | a signal for the calling thread, or its process, runs the handler before the call returns |
//! | rt_sigprocmask | unblocking a pending signal runs its handler before the call returns |
//!
//! Dropping `readonly` from write(2) and pwrite64(2) cost no instruction on
//! the paths measured (`scripts/instr-count.sh eventfd memfd`: the same
//! count per operation before and after).
//!
//! Every pointer of this layer passed with [`arg::ptr`], [`arg::buf`] or
//! [`arg::cstr`] is one the kernel only reads through; it writes only
//! through those of [`arg::ptr_mut`], [`arg::buf_mut`] and
//! [`arg::slice_mut`].

#[cfg(target_pointer_width = "32")]
mod abi32;
pub(crate) mod arg;
mod auxv;
mod epoll;
mod event;
mod io;
mod mem;
mod poll;
mod process;
mod signal;
mod socket;
mod time;

#[cfg(target_pointer_width = "32")]
pub(crate) use abi32::*;
pub(crate) use auxv::*;
pub(crate) use epoll::*;
pub(crate) use event::*;
pub(crate) use io::*;
pub(crate) use mem::*;
pub(crate) use poll::*;
pub(crate) use process::*;
pub(crate) use signal::*;
pub(crate) use socket::*;
pub(crate) use time::*;

use core::marker::PhantomData;

use crate::{Result, raw};

/// A descriptor number that stays open for `'fd`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BorrowedFd<'fd> {
    raw: i32,
    _owner: PhantomData<&'fd ()>,
}

impl BorrowedFd<'_> {
    /// Borrows `raw`.
    ///
    /// # Safety
    /// - `raw` is an open descriptor, and nothing closes it while the
    ///   returned value (of any lifetime the caller picks) is alive.
    #[inline(always)]
    pub(crate) const unsafe fn borrow_raw(raw: i32) -> Self {
        BorrowedFd {
            raw,
            _owner: PhantomData,
        }
    }

    /// The descriptor number.
    #[inline(always)]
    pub(crate) const fn raw(self) -> i32 {
        self.raw
    }
}

/// Decodes a return value: `-4095..=-1` is `-errno`.
#[inline(always)]
pub(crate) fn ret(r: usize) -> Result<usize> {
    raw::result(r)
}

/// A system call's raw return value, not yet decoded.
///
/// The calls on the hot paths return this, so that the caller can release
/// its in-flight guard first and decode once afterwards: the compiler then
/// keeps one register live across the release instead of a `Result`.
#[derive(Clone, Copy, Debug)]
#[must_use = "a system call's result must be decoded"]
pub(crate) struct Ret(usize);

impl Ret {
    /// `-EBADF`: what an operation reports when closing began under it.
    pub(crate) const CLOSED: Ret = Ret(-9_isize as usize);

    /// The result as a count or value.
    #[inline(always)]
    pub(crate) fn usize(self) -> Result<usize> {
        ret(self.0)
    }

    /// The result of a call that returns nothing on success.
    #[inline(always)]
    pub(crate) fn unit(self) -> Result<()> {
        ret_unit(self.0)
    }

    /// The result of a call that returns a descriptor (or another `int`).
    #[inline(always)]
    pub(crate) fn int(self) -> Result<i32> {
        ret_int(self.0)
    }

    /// Whether the call failed with `EAGAIN`.
    #[inline(always)]
    pub(crate) fn would_block(self) -> bool {
        self.0 == (-11_isize) as usize
    }
}

/// Decodes a return value that carries no data on success.
#[inline(always)]
pub(crate) fn ret_unit(r: usize) -> Result<()> {
    ret(r).map(drop)
}

/// Decodes a return value that is a new descriptor (or another C `int`).
#[inline(always)]
pub(crate) fn ret_int(r: usize) -> Result<i32> {
    // A successful `int`-returning call fits in 32 bits; the truncation keeps
    // exactly the value the kernel returned.
    ret(r).map(|v| v as i32)
}

/// The `_readonly` calls of this layer are those of the module's table.
#[cfg(test)]
mod readonly_audit {
    use std::collections::BTreeSet;

    /// Every file of this layer that issues system calls (the test below
    /// checks that no other one does).
    const SOURCES: [(&str, &str); 11] = [
        ("abi32.rs", include_str!("abi32.rs")),
        ("auxv.rs", include_str!("auxv.rs")),
        ("epoll.rs", include_str!("epoll.rs")),
        ("event.rs", include_str!("event.rs")),
        ("io.rs", include_str!("io.rs")),
        ("mem.rs", include_str!("mem.rs")),
        ("poll.rs", include_str!("poll.rs")),
        ("process.rs", include_str!("process.rs")),
        ("signal.rs", include_str!("signal.rs")),
        ("socket.rs", include_str!("socket.rs")),
        ("time.rs", include_str!("time.rs")),
    ];

    /// The system calls the sources issue through a `_readonly` stub.
    fn issued_readonly() -> BTreeSet<&'static str> {
        let mut calls = BTreeSet::new();
        for (_, src) in SOURCES {
            for (i, _) in src.match_indices("_readonly(Sysno::") {
                let name = &src[i + "_readonly(Sysno::".len()..];
                let end = name
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .unwrap_or(name.len());
                calls.insert(&name[..end]);
            }
        }
        calls
    }

    /// The first column of the table headed "why it is read-only".
    fn listed_readonly() -> BTreeSet<&'static str> {
        let docs = include_str!("mod.rs");
        let table = docs
            .split("//! | call | why it is read-only |\n//! |---|---|\n")
            .nth(1)
            .expect("the read-only table");
        table
            .lines()
            .take_while(|l| l.starts_with("//! | "))
            .flat_map(|l| l["//! | ".len()..].split(" | ").next().unwrap().split(", "))
            .collect()
    }

    /// A file that issues system calls but is missing from [`SOURCES`]
    /// would keep its read-only calls out of the audit. (A check of the
    /// source tree, so not under Miri, which cannot read it.)
    #[test]
    #[cfg(not(miri))]
    fn every_file_that_issues_calls_is_audited() {
        use std::borrow::ToOwned;
        use std::string::String;

        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/sys");
        let mut issuing = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // Spelt in two pieces, so that this file does not match itself.
            if text.contains(concat!("raw::", "syscall")) {
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                issuing.insert(name);
            }
        }
        let audited: BTreeSet<String> = SOURCES.iter().map(|(n, _)| (*n).to_owned()).collect();
        assert_eq!(
            issuing, audited,
            "files issuing calls (left) and audited (right)"
        );
    }

    #[test]
    fn readonly_calls_are_the_audited_ones() {
        let (issued, listed) = (issued_readonly(), listed_readonly());
        assert!(!listed.is_empty(), "the table has no rows");
        assert_eq!(
            issued, listed,
            "issued read-only (left) and listed as read-only in the table (right)"
        );
    }
}

/// The kernel ABI as libc (a test-only dependency) describes it, for every
/// private constant and structure of this layer.
#[cfg(test)]
mod abi_tests {
    use core::mem::{align_of, offset_of, size_of};

    use super::*;

    #[test]
    fn file_flags_and_fcntl_commands() {
        assert_eq!(O_NONBLOCK, libc::O_NONBLOCK as u32);
        assert_eq!(O_CLOEXEC, libc::O_CLOEXEC as u32);
        assert_eq!(FD_CLOEXEC, libc::FD_CLOEXEC as u32);
        assert_eq!(MAP_SHARED, libc::MAP_SHARED as u32);
        assert_eq!(SIG_BLOCK, libc::SIG_BLOCK);
        assert_eq!(SIG_UNBLOCK, libc::SIG_UNBLOCK);
        assert_eq!(SIG_SETMASK, libc::SIG_SETMASK);
        io::check_fcntl_commands();
        mem::check_constants();
        socket::check_constants_and_layouts();
    }

    #[test]
    fn epoll_constants_and_event_layout() {
        epoll::check_constants();
    }

    #[test]
    fn waitid_constants_and_siginfo_layout() {
        process::check_constants();
        auxv::check_constants();
    }

    #[test]
    fn timespec_layouts() {
        // `struct __kernel_timespec` is two `long long`s on every arch
        // (include/uapi/linux/time_types.h); `struct __kernel_itimerspec`
        // two of those.
        assert_eq!(size_of::<Timespec>(), 16);
        assert_eq!(offset_of!(Timespec, tv_nsec), 8);
        assert_eq!(size_of::<Itimerspec>(), 32);
        assert_eq!(offset_of!(Itimerspec, it_value), 16);
        // It is libc's `struct timespec` on the 64-bit targets only: glibc's
        // 32-bit one is the old `long` pair (`sys::Timespec32`).
        if cfg!(target_pointer_width = "32") {
            return;
        }
        assert_eq!(size_of::<Timespec>(), size_of::<libc::timespec>());
        assert_eq!(align_of::<Timespec>(), align_of::<libc::timespec>());
        assert_eq!(
            offset_of!(Timespec, tv_sec),
            offset_of!(libc::timespec, tv_sec)
        );
        assert_eq!(
            offset_of!(Timespec, tv_nsec),
            offset_of!(libc::timespec, tv_nsec)
        );
        assert_eq!(size_of::<Itimerspec>(), size_of::<libc::itimerspec>());
        assert_eq!(
            offset_of!(Itimerspec, it_interval),
            offset_of!(libc::itimerspec, it_interval)
        );
        assert_eq!(
            offset_of!(Itimerspec, it_value),
            offset_of!(libc::itimerspec, it_value)
        );
    }

    #[test]
    fn statx_layout() {
        assert_eq!(size_of::<Statx>(), size_of::<libc::statx>());
        assert_eq!(
            offset_of!(Statx, stx_mask),
            offset_of!(libc::statx, stx_mask)
        );
        assert_eq!(
            offset_of!(Statx, stx_size),
            offset_of!(libc::statx, stx_size)
        );
    }

    #[test]
    fn statfs_layout() {
        assert_eq!(size_of::<RawStatfs>(), size_of::<libc::statfs>());
        assert_eq!(align_of::<RawStatfs>(), align_of::<libc::statfs>());
        mem::check_statfs_offsets();
        let words = size_of::<core::ffi::c_ulong>();
        assert_eq!(size_of::<RawStatfs>(), 14 * words + 8); // 120 or 64 bytes
    }

    #[test]
    fn pollfd_layout() {
        assert_eq!(size_of::<PollFd>(), size_of::<libc::pollfd>());
        assert_eq!(offset_of!(PollFd, fd), offset_of!(libc::pollfd, fd));
        assert_eq!(offset_of!(PollFd, events), offset_of!(libc::pollfd, events));
        assert_eq!(
            offset_of!(PollFd, revents),
            offset_of!(libc::pollfd, revents)
        );
    }

    #[test]
    #[cfg(not(miri))] // a system call: Miri runs pure logic only
    fn sigset_is_the_kernels_64_bits() {
        // The kernel's sigset_t (not glibc's 1024-bit one) is one u64 on
        // every supported arch; rt_sigprocmask rejects any other size.
        let old = rt_sigprocmask(SIG_BLOCK, None).unwrap();
        let mut libc_old = core::mem::MaybeUninit::<libc::sigset_t>::uninit();
        // SAFETY: a query (NULL set) into a valid sigset_t.
        let r = unsafe {
            libc::pthread_sigmask(libc::SIG_BLOCK, core::ptr::null(), libc_old.as_mut_ptr())
        };
        assert_eq!(r, 0);
        // SAFETY: initialised by the successful call above.
        let libc_old = unsafe { libc_old.assume_init() };
        for sig in 1..=64 {
            // SAFETY: a valid, initialised set and signal number.
            let member = unsafe { libc::sigismember(&libc_old, sig) } == 1;
            assert_eq!(old & (1 << (sig - 1)) != 0, member, "signal {sig}");
        }
    }
}
