//! The bad-input table: one row per case, each with its documented
//! outcome. `checked_first` rows are rejected by the crate before any
//! system call; the fault-injection harness runs them with every system
//! call iofd issues forbidden to prove it.
#![allow(dead_code)] // each includer uses part of it

use std::time::Duration;

use iofd::*;

/// What every row can use, prepared before the rows run.
pub struct Fixtures {
    ev: EventFd,
    closed_ev: EventFd,
    closed_fd: Fd,
    timer: TimerFd,
    memfd: MemFd,
    write_sealed: MemFd,
    sfd: SignalFd,
    me: PidFd,
    ro: MappedRegion,
    rw: MappedRegion,
    /// An epoll with `ev` registered under token 1.
    epoll: Epoll,
    closed_epoll: Epoll,
    closed_pidfd: PidFd,
    /// A connected socket pair, and a socket whose peer is closed.
    socket: Fd,
    peer: Fd,
    widowed: Fd,
    /// `iofd::page_size()`: `ro` and `rw` are one page long, `memfd` two.
    page: usize,
    /// `memfd` mapped four pages long: two within the file, two past it.
    past_end: MappedRegion,
}

pub fn fixtures() -> Fixtures {
    let page = iofd::page_size();
    let memfd = MemFd::new_sealable("bad-input").unwrap();
    memfd.truncate(2 * page as u64).unwrap();
    let write_sealed = MemFd::new_sealable("sealed").unwrap();
    write_sealed.truncate(page as u64).unwrap();
    write_sealed.seal(Seals::WRITE).unwrap();
    let ro = memfd.mmap(page, Prot::READ).unwrap();
    let rw = memfd.mmap(page, Prot::READ | Prot::WRITE).unwrap();
    let past_end = memfd.mmap_past_end(4 * page, Prot::READ, 0).unwrap();
    let closed_ev = EventFd::new(1).unwrap();
    closed_ev.close().unwrap();
    let (closed_fd, _) = pipe().unwrap();
    closed_fd.close().unwrap();
    let mut usr2 = SigSet::empty();
    usr2.add(SIGUSR2).unwrap();
    let ev = EventFd::new(0).unwrap();
    let epoll = Epoll::new().unwrap();
    epoll.add(&ev, EpollFlags::IN, 1).unwrap();
    let closed_epoll = Epoll::new().unwrap();
    closed_epoll.close().unwrap();
    let closed_pidfd = PidFd::open(getpid()).unwrap();
    closed_pidfd.close().unwrap();
    let (socket, peer) = socketpair().unwrap();
    let (widowed, _) = socketpair().unwrap();
    Fixtures {
        ev,
        closed_ev,
        closed_fd,
        timer: TimerFd::new().unwrap(),
        memfd,
        write_sealed,
        sfd: SignalFd::new(&usr2).unwrap(),
        me: PidFd::open(getpid()).unwrap(),
        ro,
        rw,
        epoll,
        closed_epoll,
        closed_pidfd,
        socket,
        peer,
        widowed,
        page,
        past_end,
    }
}

/// A pid that cannot exist: pids are always below `pid_max`.
fn impossible_pid() -> i32 {
    let max = std::fs::read_to_string("/proc/sys/kernel/pid_max").unwrap();
    max.trim().parse().unwrap()
}

pub type Run = fn(&Fixtures) -> Result<()>;

pub struct Row {
    pub what: &'static str,
    pub run: Run,
    /// `Ok(())`, or the kind and errno of the error.
    pub expect: Outcome,
    /// Rejected by the crate itself, without a system call.
    pub checked_first: bool,
}

/// `Ok(())`, or the kind and errno of an error.
pub type Outcome = core::result::Result<(), (ErrorKind, i32)>;

const fn err(
    what: &'static str,
    kind: ErrorKind,
    errno: i32,
    checked_first: bool,
    run: Run,
) -> Row {
    Row {
        what,
        run,
        expect: Err((kind, errno)),
        checked_first,
    }
}

const fn ok(what: &'static str, run: Run) -> Row {
    Row {
        what,
        run,
        expect: Ok(()),
        checked_first: false,
    }
}

use ErrorKind::{
    AlreadyExists, Closed, InvalidInput, NotFound, Other, OutOfMemory, PermissionDenied, WouldBlock,
};
use libc::{EACCES, EBADF, ECHILD, EEXIST, EINVAL, ELOOP, ENOENT, ENOMEM, EPERM, ESPIPE, ESRCH};

const HUGE: Duration = Duration::new(i64::MAX as u64 + 1, 0);

pub fn rows() -> Vec<Row> {
    vec![
        // memfd names
        err(
            "memfd name of 250 bytes",
            InvalidInput,
            EINVAL,
            true,
            |_| MemFd::new(&"n".repeat(250)).map(drop),
        ),
        err(
            "memfd name of 4096 bytes",
            InvalidInput,
            EINVAL,
            true,
            |_| MemFd::new(&"n".repeat(4096)).map(drop),
        ),
        err(
            "memfd name with a leading NUL",
            InvalidInput,
            EINVAL,
            true,
            |_| MemFd::new("\0abc").map(drop),
        ),
        err(
            "memfd name with an inner NUL",
            InvalidInput,
            EINVAL,
            true,
            |_| MemFd::new("ab\0c").map(drop),
        ),
        err(
            "memfd name with a trailing NUL",
            InvalidInput,
            EINVAL,
            true,
            |_| MemFd::new("abc\0").map(drop),
        ),
        err(
            "sealable memfd name too long",
            InvalidInput,
            EINVAL,
            true,
            |_| MemFd::new_sealable(&"n".repeat(250)).map(drop),
        ),
        ok("memfd name of 249 bytes (the limit)", |_| {
            MemFd::new(&"n".repeat(249)).map(drop)
        }),
        ok("empty memfd name (the kernel accepts it)", |_| {
            MemFd::new("").map(drop)
        }),
        err(
            "memfd EXEC with NOEXEC_SEAL",
            InvalidInput,
            EINVAL,
            false,
            |_| MemFd::with_flags("x", MemFdFlags::EXEC | MemFdFlags::NOEXEC_SEAL).map(drop),
        ),
        // mappings
        err("mmap of length 0", InvalidInput, EINVAL, true, |f| {
            f.memfd.mmap(0, Prot::READ).map(drop)
        }),
        err("mmap at offset 1", InvalidInput, EINVAL, true, |f| {
            f.memfd.mmap_at(f.page, Prot::READ, 1).map(drop)
        }),
        err("mmap at offset 4095", InvalidInput, EINVAL, true, |f| {
            f.memfd.mmap_at(f.page, Prot::READ, 4095).map(drop)
        }),
        err(
            "mmap at offset beyond i64",
            InvalidInput,
            EINVAL,
            true,
            |f| f.memfd.mmap_at(f.page, Prot::READ, 1 << 63).map(drop),
        ),
        err(
            "mmap at the end of the file",
            InvalidInput,
            EINVAL,
            false,
            |f| {
                let end = 2 * f.page as u64;
                f.memfd.mmap_at(f.page, Prot::READ, end).map(drop)
            },
        ),
        err(
            "mmap past the end of the file",
            InvalidInput,
            EINVAL,
            false,
            |f| f.memfd.mmap_at(f.page, Prot::READ, 1 << 30).map(drop),
        ),
        err(
            "mmap of usize::MAX bytes (past the end of the file)",
            InvalidInput,
            EINVAL,
            false,
            |f| f.memfd.mmap(usize::MAX, Prot::READ).map(drop),
        ),
        err(
            "mmap reaching one page past the end of the file",
            InvalidInput,
            EINVAL,
            false,
            |f| f.memfd.mmap(3 * f.page, Prot::READ).map(drop),
        ),
        err(
            "mmap_past_end of usize::MAX bytes",
            OutOfMemory,
            ENOMEM,
            false,
            |f| f.memfd.mmap_past_end(usize::MAX, Prot::READ, 0).map(drop),
        ),
        err(
            "mmap_past_end of length 0",
            InvalidInput,
            EINVAL,
            true,
            |f| f.memfd.mmap_past_end(0, Prot::READ, 0).map(drop),
        ),
        err(
            "mmap_past_end at offset 4095",
            InvalidInput,
            EINVAL,
            true,
            |f| f.memfd.mmap_past_end(f.page, Prot::READ, 4095).map(drop),
        ),
        err(
            "Prot::WRITE on a write-sealed memfd",
            PermissionDenied,
            EPERM,
            false,
            |f| {
                f.write_sealed
                    .mmap(f.page, Prot::READ | Prot::WRITE)
                    .map(drop)
            },
        ),
        err(
            "write to a write-sealed memfd",
            PermissionDenied,
            EPERM,
            false,
            |f| f.write_sealed.write(b"x").map(drop),
        ),
        err("truncate beyond i64", InvalidInput, EINVAL, true, |f| {
            f.memfd.truncate(u64::MAX)
        }),
        err("seal with unknown bits", InvalidInput, EINVAL, false, |f| {
            f.memfd.seal(Seals::from_bits_retain(0x1000))
        }),
        err(
            "region read past its end",
            InvalidInput,
            EINVAL,
            true,
            |f| f.ro.read_at(f.page - 1, &mut [0; 2]),
        ),
        err(
            "region read at usize::MAX",
            InvalidInput,
            EINVAL,
            true,
            |f| f.ro.read_at(usize::MAX, &mut [0; 1]),
        ),
        err(
            "region write past its end",
            InvalidInput,
            EINVAL,
            true,
            |f| f.rw.write_at(f.page, b"x"),
        ),
        err(
            "region read past the file's end (mmap_past_end)",
            InvalidInput,
            EINVAL,
            true,
            |f| f.past_end.read_at(2 * f.page - 1, &mut [0; 2]),
        ),
        err(
            "region write on a read-only mapping",
            PermissionDenied,
            EACCES,
            true,
            |f| f.ro.write_at(0, b"x"),
        ),
        // positional I/O
        err(
            "read_at an offset beyond i64",
            InvalidInput,
            EINVAL,
            true,
            |f| f.memfd.read_at(&mut [0; 1], 1 << 63).map(drop),
        ),
        err(
            "write_at an offset beyond i64",
            InvalidInput,
            EINVAL,
            true,
            |f| f.memfd.write_at(b"x", u64::MAX).map(drop),
        ),
        err("read_at on an eventfd", Other, ESPIPE, false, |f| {
            f.ev.fd().read_at(&mut [0; 8], 0).map(drop)
        }),
        // timers
        err(
            "arm with initial seconds beyond i64",
            InvalidInput,
            EINVAL,
            true,
            |f| f.timer.arm(HUGE, Duration::ZERO),
        ),
        err(
            "arm with interval seconds beyond i64",
            InvalidInput,
            EINVAL,
            true,
            |f| f.timer.arm(Duration::from_secs(1), HUGE),
        ),
        err("arm with Duration::MAX", InvalidInput, EINVAL, true, |f| {
            f.timer.arm(Duration::MAX, Duration::MAX)
        }),
        err(
            "arm_at a deadline beyond i64",
            InvalidInput,
            EINVAL,
            true,
            |f| f.timer.arm_at(HUGE, Duration::ZERO),
        ),
        err("timer read into 7 bytes", InvalidInput, EINVAL, true, |f| {
            f.timer.read(&mut [0; 7]).map(drop)
        }),
        err("timer read into 0 bytes", InvalidInput, EINVAL, true, |f| {
            f.timer.read(&mut []).map(drop)
        }),
        err(
            "timerfd with unknown flags",
            InvalidInput,
            EINVAL,
            false,
            |_| {
                TimerFd::with_clock(Clock::Monotonic, TimerFdFlags::from_bits_retain(0x1)).map(drop)
            },
        ),
        // eventfd
        err("signal(u64::MAX)", InvalidInput, EINVAL, true, |f| {
            f.ev.signal(u64::MAX)
        }),
        err(
            "eventfd write of u64::MAX bytes",
            InvalidInput,
            EINVAL,
            false,
            |f| f.ev.write(&u64::MAX.to_ne_bytes()).map(drop),
        ),
        err(
            "eventfd read into 7 bytes",
            InvalidInput,
            EINVAL,
            true,
            |f| f.ev.read(&mut [0; 7]).map(drop),
        ),
        err(
            "eventfd write of 7 bytes",
            InvalidInput,
            EINVAL,
            true,
            |f| f.ev.write(&[1; 7]).map(drop),
        ),
        err(
            "wait on an empty eventfd",
            WouldBlock,
            libc::EAGAIN,
            false,
            |f| f.ev.wait().map(drop),
        ),
        err(
            "eventfd with unknown flags",
            InvalidInput,
            EINVAL,
            false,
            |_| EventFd::with_flags(0, EventFdFlags::from_bits_retain(0x2)).map(drop),
        ),
        // signals
        err("SigSet::add(0)", InvalidInput, EINVAL, true, |_| {
            SigSet::empty().add(0)
        }),
        err("SigSet::add(-1)", InvalidInput, EINVAL, true, |_| {
            SigSet::empty().add(-1)
        }),
        err("SigSet::add(65)", InvalidInput, EINVAL, true, |_| {
            SigSet::empty().add(65)
        }),
        err("SigSet::remove(65)", InvalidInput, EINVAL, true, |_| {
            SigSet::full().remove(65)
        }),
        err("SigSet::remove(0)", InvalidInput, EINVAL, true, |_| {
            SigSet::full().remove(0)
        }),
        err(
            "signalfd read into 127 bytes (raw Fd)",
            InvalidInput,
            EINVAL,
            false,
            |f| f.sfd.fd().read(&mut [0; 127]).map(drop),
        ),
        err(
            "send_signal_to_thread signal 65",
            InvalidInput,
            EINVAL,
            true,
            |_| send_signal_to_thread(1, 65),
        ),
        err(
            "send_signal_to_thread tid 0",
            InvalidInput,
            EINVAL,
            true,
            |_| send_signal_to_thread(0, SIGUSR2),
        ),
        // pidfd
        err("PidFd::open(0)", InvalidInput, EINVAL, true, |_| {
            PidFd::open(0).map(drop)
        }),
        err("PidFd::open(-1)", InvalidInput, EINVAL, true, |_| {
            PidFd::open(-1).map(drop)
        }),
        err(
            "PidFd::open_blocking(-1)",
            InvalidInput,
            EINVAL,
            true,
            |_| PidFd::open_blocking(-1).map(drop),
        ),
        err(
            "PidFd::open of a pid that does not exist",
            Other,
            ESRCH,
            false,
            |_| PidFd::open(impossible_pid()).map(drop),
        ),
        err(
            "get_fd of a number not open in the target",
            Closed,
            EBADF,
            false,
            |f| f.me.get_fd(1 << 20).map(drop),
        ),
        err("get_fd(-1)", InvalidInput, EINVAL, true, |f| {
            f.me.get_fd(-1).map(drop)
        }),
        err(
            "send_signal(65) through a pidfd",
            InvalidInput,
            EINVAL,
            true,
            |f| f.me.send_signal(65),
        ),
        err(
            "PidFd::wait for a process that is not a child",
            Other,
            ECHILD,
            false,
            |f| f.me.wait().map(drop),
        ),
        err(
            "PidFd::try_wait for a process that is not a child",
            Other,
            ECHILD,
            false,
            |f| f.me.try_wait().map(drop),
        ),
        // epoll
        err(
            "Epoll::wait into an empty slice",
            InvalidInput,
            EINVAL,
            true,
            |f| f.epoll.wait(&mut [], None).map(drop),
        ),
        err(
            "Epoll::wait into an empty slice, zero timeout",
            InvalidInput,
            EINVAL,
            true,
            |f| f.epoll.wait(&mut [], Some(Duration::ZERO)).map(drop),
        ),
        err(
            "Epoll::add with the reserved token",
            InvalidInput,
            EINVAL,
            true,
            |f| f.epoll.add(&f.timer, EpollFlags::IN, Epoll::RESERVED_TOKEN),
        ),
        err(
            "Epoll::modify with the reserved token",
            InvalidInput,
            EINVAL,
            true,
            |f| f.epoll.modify(&f.ev, EpollFlags::IN, Epoll::RESERVED_TOKEN),
        ),
        err("Epoll::add of itself", InvalidInput, EINVAL, false, |f| {
            f.epoll.add(&f.epoll, EpollFlags::IN, 2)
        }),
        err(
            "Epoll::add of a handle already added",
            AlreadyExists,
            EEXIST,
            false,
            |f| f.epoll.add(&f.ev, EpollFlags::OUT, 2),
        ),
        err(
            "Epoll::add of a regular file (memfd)",
            PermissionDenied,
            EPERM,
            false,
            |f| f.epoll.add(&f.memfd, EpollFlags::IN, 2),
        ),
        err(
            "Epoll::add that would nest an epoll in itself",
            Other,
            ELOOP,
            false,
            |f| {
                let inner = Epoll::new()?;
                inner.add(&f.epoll, EpollFlags::IN, 2)?;
                f.epoll.add(&inner, EpollFlags::IN, 3)
            },
        ),
        err(
            "Epoll::add with EXCLUSIVE and ONESHOT",
            InvalidInput,
            EINVAL,
            false,
            |f| {
                let flags = EpollFlags::IN | EpollFlags::EXCLUSIVE | EpollFlags::ONESHOT;
                f.epoll.add(&f.timer, flags, 2)
            },
        ),
        err(
            "Epoll::modify with EXCLUSIVE",
            InvalidInput,
            EINVAL,
            false,
            |f| {
                f.epoll
                    .modify(&f.ev, EpollFlags::IN | EpollFlags::EXCLUSIVE, 2)
            },
        ),
        err(
            "Epoll::modify of a handle not added",
            NotFound,
            ENOENT,
            false,
            |f| f.epoll.modify(&f.timer, EpollFlags::IN, 2),
        ),
        err(
            "Epoll::delete of a handle not added",
            NotFound,
            ENOENT,
            false,
            |f| f.epoll.delete(&f.timer),
        ),
        err("Epoll::add of a closed handle", Closed, EBADF, true, |f| {
            f.epoll.add(&f.closed_ev, EpollFlags::IN, 2)
        }),
        // after close
        err("read after close", Closed, EBADF, true, |f| {
            f.closed_fd.read(&mut [0; 4]).map(drop)
        }),
        err("empty write after close", Closed, EBADF, true, |f| {
            f.closed_fd.write(&[]).map(drop)
        }),
        err("dup after close", Closed, EBADF, true, |f| {
            f.closed_fd.dup().map(drop)
        }),
        err("set_nonblocking after close", Closed, EBADF, true, |f| {
            f.closed_fd.set_nonblocking(true)
        }),
        err("borrow after close", Closed, EBADF, true, |f| {
            f.closed_fd.borrow().map(drop)
        }),
        err("signal after close", Closed, EBADF, true, |f| {
            f.closed_ev.signal(1)
        }),
        err("signal(0) after close", Closed, EBADF, true, |f| {
            f.closed_ev.signal(0)
        }),
        err("wait after close", Closed, EBADF, true, |f| {
            f.closed_ev.wait().map(drop)
        }),
        err("wait_blocking after close", Closed, EBADF, true, |f| {
            f.closed_ev.wait_blocking().map(drop)
        }),
        err("Fd::from_raw(-7) used", Closed, EBADF, true, |_| {
            // SAFETY: a negative number owns nothing.
            unsafe { Fd::from_raw(-7) }.write(b"x").map(drop)
        }),
        err("Epoll::wait after close", Closed, EBADF, true, |f| {
            f.closed_epoll
                .wait(&mut [EpollEvent::default(); 4], None)
                .map(drop)
        }),
        err("Epoll::add after close", Closed, EBADF, true, |f| {
            f.closed_epoll.add(&f.ev, EpollFlags::IN, 2)
        }),
        err("Epoll::delete after close", Closed, EBADF, true, |f| {
            f.closed_epoll.delete(&f.ev)
        }),
        err("PidFd::wait after close", Closed, EBADF, true, |f| {
            f.closed_pidfd.wait().map(drop)
        }),
        err("PidFd::try_wait after close", Closed, EBADF, true, |f| {
            f.closed_pidfd.try_wait().map(drop)
        }),
        ok("close after close", |f| f.closed_fd.close()),
        ok("Epoll::close after close", |f| f.closed_epoll.close()),
        // descriptor passing
        err("send_fds of empty data", InvalidInput, EINVAL, true, |f| {
            send_fds(&f.socket, b"", &[f.ev.fd()]).map(drop)
        }),
        err(
            "send_fds of 254 descriptors (SCM_MAX_FD + 1)",
            InvalidInput,
            EINVAL,
            true,
            |f| send_fds(&f.socket, b"x", &vec![f.ev.fd(); SCM_MAX_FD + 1]).map(drop),
        ),
        err(
            "send_fds with a closed descriptor",
            Closed,
            EBADF,
            true,
            |f| send_fds(&f.socket, b"x", &[f.ev.fd(), &f.closed_fd]).map(drop),
        ),
        err("send_fds on a closed socket", Closed, EBADF, true, |f| {
            send_fds(&f.closed_fd, b"x", &[]).map(drop)
        }),
        err(
            "send_fds to a closed peer",
            Other,
            libc::EPIPE,
            false,
            |f| send_fds(&f.widowed, b"x", &[f.ev.fd()]).map(drop),
        ),
        err(
            "recv_fds into an empty buffer",
            InvalidInput,
            EINVAL,
            true,
            |f| recv_fds(&f.peer, &mut [], &mut []).map(drop),
        ),
        err("recv_fds on a closed socket", Closed, EBADF, true, |f| {
            recv_fds(&f.closed_fd, &mut [0; 8], &mut []).map(drop)
        }),
        err(
            "recv_fds with nothing waiting",
            WouldBlock,
            libc::EAGAIN,
            false,
            |f| recv_fds(&f.peer, &mut [0; 8], &mut [None]).map(drop),
        ),
        err(
            "MemFd::try_from an eventfd",
            InvalidInput,
            EINVAL,
            false,
            |_| {
                let ev = Fd::from(EventFd::new(0)?);
                MemFd::try_from(ev).map(drop).map_err(|e| e.error())
            },
        ),
        err("MemFd::try_from a closed Fd", Closed, EBADF, true, |_| {
            // SAFETY: a negative number owns nothing.
            let closed = unsafe { Fd::from_raw(-1) };
            MemFd::try_from(closed).map(drop).map_err(|e| e.error())
        }),
        // signals and timers, continued
        err(
            "SignalFd::read_many into no records",
            InvalidInput,
            EINVAL,
            true,
            |f| f.sfd.read_many(&mut []).map(drop),
        ),
        err(
            "arm_at_cancel_on_set on a monotonic timer",
            InvalidInput,
            EINVAL,
            true,
            |f| {
                f.timer
                    .arm_at_cancel_on_set(Duration::from_secs(1), Duration::ZERO)
            },
        ),
        err(
            "arm_replacing with seconds beyond i64",
            InvalidInput,
            EINVAL,
            true,
            |f| f.timer.arm_replacing(HUGE, Duration::ZERO).map(drop),
        ),
    ]
}

pub fn outcome(r: Result<()>) -> Outcome {
    r.map_err(|e| (e.kind(), e.raw_os_error()))
}
