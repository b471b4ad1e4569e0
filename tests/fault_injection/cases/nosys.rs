//! Paths documented to make no system call, run with every call iofd
//! issues forbidden: each gives its documented result without reaching
//! the kernel.

use std::time::Duration;

use iofd::{
    Epoll, EpollEvent, EpollFlags, EventFd, Fd, MemFd, PidFd, Prot, SIGUSR1, Seals, SigSet,
    SignalFd, TimerFd,
};

use super::{NoSys, ensure};
use crate::child::Cx;

pub const NOSYS: &[NoSys] = &[
    NoSys {
        name: "Fd::read/write of an empty buffer",
        run: empty_io,
    },
    NoSys {
        name: "Fd::read_at/write_at beyond i64::MAX",
        run: huge_offsets,
    },
    NoSys {
        name: "every Fd operation after close",
        run: closed_fd,
    },
    NoSys {
        name: "EventFd::signal(0)",
        run: signal_zero,
    },
    NoSys {
        name: "EventFd bad arguments",
        run: eventfd_arguments,
    },
    NoSys {
        name: "TimerFd bad arguments",
        run: timerfd_arguments,
    },
    NoSys {
        name: "PidFd bad arguments",
        run: pidfd_arguments,
    },
    NoSys {
        name: "Epoll bad arguments",
        run: epoll_arguments,
    },
    NoSys {
        name: "send_signal_to_thread bad arguments",
        run: thread_signal_arguments,
    },
    NoSys {
        name: "MemFd bad names",
        run: memfd_names,
    },
    NoSys {
        name: "MemFd mmap/truncate bad arguments",
        run: memfd_arguments,
    },
    NoSys {
        name: "MappedRegion::read_at/write_at",
        run: region_copies,
    },
    NoSys {
        name: "operations on closed handles",
        run: closed_handles,
    },
    NoSys {
        name: "the bad-input table's checked-first rows",
        run: bad_input_table,
    },
    NoSys {
        name: "from_fd of every handle",
        run: adopt_handles,
    },
    NoSys {
        name: "clock_now of every clock, through the vDSO",
        run: super::auxv::clocks_through_the_vdso,
    },
    NoSys {
        name: "page_size after the first call",
        run: super::auxv::page_size_again,
    },
];

/// `from_fd` trusts the caller and asks the kernel nothing.
fn adopt_handles(cx: &mut Cx) {
    let ev = Fd::from(cx.setup("eventfd", EventFd::new(0)));
    let t = Fd::from(cx.setup("timerfd", TimerFd::new()));
    let mut set = SigSet::empty();
    cx.setup("SigSet::add", set.add(SIGUSR1));
    let s = Fd::from(cx.setup("signalfd", SignalFd::new(&set)));
    let pid = iofd::getpid();
    let p = Fd::from(cx.setup("pidfd", PidFd::open(pid)));
    let raws = [ev.raw(), t.raw(), s.raw(), p.raw()];
    let got = cx.call(|| {
        // SAFETY: each descriptor is of the kind it is adopted as, with
        // the clock, mask and pid it was made with.
        unsafe {
            (
                EventFd::from_fd(ev),
                TimerFd::from_fd(t, iofd::Clock::Monotonic),
                SignalFd::from_fd(s, &set),
                PidFd::from_fd(p, pid),
            )
        }
    });
    let now = [got.0.raw(), got.1.raw(), got.2.raw(), got.3.raw()];
    ensure!(cx, now == raws, "adopted {now:?}, made {raws:?}");
    ensure!(
        cx,
        got.1.clock() == iofd::Clock::Monotonic && got.2.mask() == set && got.3.pid() == pid,
        "an adopted handle misreports what it was given"
    );
    cx.pass();
}

/// Every row of `tests/bad_input/rows.rs` marked as rejected before any
/// system call gives its documented outcome with every call forbidden.
fn bad_input_table(cx: &mut Cx) {
    use crate::bad_input_rows::{fixtures, outcome, rows};
    let f = fixtures();
    let rows: Vec<_> = rows().into_iter().filter(|r| r.checked_first).collect();
    let got: Vec<_> = cx.call(|| rows.iter().map(|r| outcome((r.run)(&f))).collect());
    for (row, got) in rows.iter().zip(&got) {
        ensure!(
            cx,
            *got == row.expect,
            "{}: expected {:?}, got {:?}",
            row.what,
            row.expect,
            got
        );
    }
    ensure!(
        cx,
        rows.len() >= 40,
        "only {} checked-first rows",
        rows.len()
    );
    cx.pass();
}

/// The errno of each result, `None` for `Ok`.
fn errnos<const N: usize>(results: [Option<iofd::Error>; N]) -> [Option<i32>; N] {
    results.map(|r| r.map(|e| e.raw_os_error()))
}

/// Every entry is `errno`.
fn all_are<const N: usize>(cx: &Cx, what: &str, got: [Option<i32>; N], errno: i32) {
    ensure!(
        cx,
        got.iter().all(|&e| e == Some(errno)),
        "{what}: errnos {got:?}, expected all {errno}"
    );
}

fn empty_io(cx: &mut Cx) {
    let (rx, tx) = cx.setup("pipe", iofd::pipe());
    let got = cx.call(|| (rx.read(&mut []), tx.write(&[])));
    ensure!(cx, got == (Ok(0), Ok(0)), "empty I/O returned {got:?}");
    cx.pass();
}

fn huge_offsets(cx: &mut Cx) {
    let f = Fd::from(cx.setup("memfd", MemFd::new("nosys")));
    let off = i64::MAX as u64 + 1;
    let got = cx.call(|| {
        errnos([
            f.read_at(&mut [0; 1], off).err(),
            f.write_at(b"x", off).err(),
            f.read_at(&mut [0; 1], u64::MAX).err(),
        ])
    });
    all_are(cx, "offsets beyond loff_t", got, libc::EINVAL);
    cx.pass();
}

fn closed_fd(cx: &mut Cx) {
    let fd = Fd::from(cx.setup("eventfd", EventFd::new(0)));
    cx.setup("close", fd.close());
    let (got, again) = cx.call(|| {
        let got = errnos([
            fd.read(&mut [0; 1]).err(),
            fd.write(b"x").err(),
            fd.read(&mut []).err(),
            fd.write(&[]).err(),
            fd.read_at(&mut [0; 1], 0).err(),
            fd.write_at(b"x", 0).err(),
            fd.set_nonblocking(true).err(),
            fd.is_nonblocking().err(),
            fd.set_cloexec(true).err(),
            fd.is_cloexec().err(),
            fd.dup().err(),
            fd.borrow().err(),
        ]);
        (got, fd.close())
    });
    all_are(cx, "operations on a closed Fd", got, libc::EBADF);
    ensure!(cx, again.is_ok(), "a second close returned {again:?}");
    cx.pass();
}

fn signal_zero(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let got = cx.call(|| ev.signal(0));
    ensure!(cx, got.is_ok(), "signal(0) returned {got:?}");
    cx.pass();
}

fn eventfd_arguments(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let got = cx.call(|| {
        errnos([
            ev.signal(u64::MAX).err(),
            ev.read(&mut [0; 7]).err(),
            ev.write(&[0; 7]).err(),
        ])
    });
    all_are(cx, "eventfd arguments", got, libc::EINVAL);
    cx.pass();
}

fn timerfd_arguments(cx: &mut Cx) {
    let t = cx.setup("timerfd", TimerFd::new());
    let got = cx.call(|| {
        errnos([
            t.read(&mut [0; 7]).err(),
            t.arm(Duration::MAX, Duration::ZERO).err(),
            t.arm(Duration::ZERO, Duration::MAX).err(),
            t.arm_at(Duration::MAX, Duration::ZERO).err(),
        ])
    });
    all_are(cx, "timerfd arguments", got, libc::EINVAL);
    cx.pass();
}

fn pidfd_arguments(cx: &mut Cx) {
    let p = cx.setup("pidfd_open", PidFd::open(iofd::getpid()));
    let got = cx.call(|| {
        errnos([
            PidFd::open(0).err(),
            PidFd::open(-1).err(),
            PidFd::open_blocking(0).err(),
            p.send_signal(65).err(),
            p.send_signal(-1).err(),
            p.get_fd(-1).err(),
        ])
    });
    all_are(cx, "pidfd arguments", got, libc::EINVAL);
    cx.pass();
}

fn epoll_arguments(cx: &mut Cx) {
    let ep = cx.setup("Epoll::new", Epoll::new());
    let ev = cx.setup("eventfd", EventFd::new(0));
    cx.setup("add", ep.add(&ev, EpollFlags::IN, 1));
    let reserved = Epoll::RESERVED_TOKEN;
    let got = cx.call(|| {
        errnos([
            ep.wait(&mut [], None).err(),
            ep.wait(&mut [], Some(Duration::ZERO)).err(),
            ep.add(&ev, EpollFlags::IN, reserved).err(),
            ep.modify(&ev, EpollFlags::IN, reserved).err(),
        ])
    });
    all_are(cx, "epoll arguments", got, libc::EINVAL);
    cx.pass();
}

fn thread_signal_arguments(cx: &mut Cx) {
    let tid = iofd::gettid();
    let got = cx.call(|| {
        errnos([
            iofd::send_signal_to_thread(tid, 65).err(),
            iofd::send_signal_to_thread(tid, -1).err(),
            iofd::send_signal_to_thread(0, 0).err(),
            iofd::send_signal_to_thread(-5, 0).err(),
        ])
    });
    all_are(cx, "send_signal_to_thread arguments", got, libc::EINVAL);
    cx.pass();
}

fn memfd_names(cx: &mut Cx) {
    let long = "x".repeat(iofd::MEMFD_NAME_MAX + 1);
    let got = cx.call(|| {
        errnos([
            MemFd::new(&long).err(),
            MemFd::new("a\0b").err(),
            MemFd::new_sealable("\0").err(),
        ])
    });
    all_are(cx, "memfd names", got, libc::EINVAL);
    cx.pass();
}

fn memfd_arguments(cx: &mut Cx) {
    let (m, page) = (cx.setup("memfd", MemFd::new("nosys")), iofd::page_size());
    cx.setup("ftruncate", m.truncate(page as u64));
    let got = cx.call(|| {
        errnos([
            m.mmap(0, Prot::READ).err(),
            m.mmap_at(page, Prot::READ, 1).err(),
            m.mmap_at(page, Prot::READ, 2048).err(),
            m.mmap_at(page, Prot::READ, !4095).err(), // 4096-aligned, beyond i64
            m.mmap_past_end(0, Prot::READ, 0).err(),
            m.mmap_past_end(page, Prot::READ, 2048).err(),
            m.truncate(u64::MAX).err(),
        ])
    });
    all_are(cx, "memfd mapping arguments", got, libc::EINVAL);
    cx.pass();
}

fn region_copies(cx: &mut Cx) {
    let (m, page) = (cx.setup("memfd", MemFd::new("nosys")), iofd::page_size());
    cx.setup("ftruncate", m.truncate(page as u64));
    let rw = cx.setup("mmap", m.mmap(page, Prot::READ | Prot::WRITE));
    let ro = cx.setup("mmap", m.mmap(page, Prot::READ));
    let past = cx.setup("mmap", m.mmap_past_end(2 * page, Prot::READ, 0));
    let mut buf = [0u8; 3];
    let got = cx.call(|| {
        (
            rw.write_at(page - 3, b"abc"),
            ro.read_at(page - 3, &mut buf),
            rw.read_at(page - 2, &mut [0; 3])
                .err()
                .map(|e| e.raw_os_error()),
            ro.write_at(0, b"x").err().map(|e| e.raw_os_error()),
            past.read_at(page - 1, &mut [0; 2])
                .err()
                .map(|e| e.raw_os_error()),
        )
    });
    let want = (
        Ok(()),
        Ok(()),
        Some(libc::EINVAL),
        Some(libc::EACCES),
        Some(libc::EINVAL),
    );
    ensure!(cx, got == want, "region copies returned {got:?}");
    ensure!(
        cx,
        &buf == b"abc",
        "read back {buf:?} through the other mapping"
    );
    cx.pass();
}

fn closed_handles(cx: &mut Cx) {
    let ev = cx.setup("eventfd", EventFd::new(0));
    let t = cx.setup("timerfd", TimerFd::new());
    let m = cx.setup("memfd", MemFd::new_sealable("nosys"));
    let mut set = SigSet::empty();
    cx.setup("SigSet::add", set.add(SIGUSR1));
    let s = cx.setup("signalfd", SignalFd::new(&set));
    let p = cx.setup("pidfd", PidFd::open(iofd::getpid()));
    let ep = cx.setup("Epoll::new", Epoll::new());
    let open = cx.setup("eventfd", EventFd::new(0));
    let live = cx.setup("Epoll::new", Epoll::new());
    for closed in [
        ev.close(),
        t.close(),
        m.close(),
        s.close(),
        p.close(),
        ep.close(),
    ] {
        cx.setup("close", closed);
    }
    let page = iofd::page_size();
    let got = cx.call(|| {
        errnos([
            ev.wait().err(),
            ev.signal(1).err(),
            ev.signal(0).err(),
            ev.wait_blocking().err(),
            t.arm(Duration::from_secs(1), Duration::ZERO).err(),
            t.disarm().err(),
            t.get_time().err(),
            t.expirations().err(),
            t.wait_blocking().err(),
            m.size().err(),
            m.truncate(1).err(),
            m.seal(Seals::SEAL).err(),
            m.seals().err(),
            m.mmap(page, Prot::READ).err(),
            s.read().err(),
            s.set_mask(&set).err(),
            p.send_signal(0).err(),
            p.get_fd(0).err(),
            p.wait().err(),
            p.try_wait().err(),
            ep.add(&open, EpollFlags::IN, 1).err(),
            ep.modify(&open, EpollFlags::IN, 1).err(),
            ep.delete(&open).err(),
            ep.wait(&mut [EpollEvent::default(); 1], None).err(),
            // An open epoll refuses a closed handle without a call.
            live.add(&ev, EpollFlags::IN, 1).err(),
            live.delete(&ev).err(),
        ])
    });
    all_are(cx, "operations on closed handles", got, libc::EBADF);
    cx.pass();
}
