//! No handle operation allocates: a counting global allocator watches
//! every constructor and operation of the public API.
//!
//! Counting is per thread (a `const` thread-local, which itself never
//! allocates) and only between `start()` and `stop()`, so the test
//! harness's own allocations on other threads do not interfere.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use iofd::*;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call forwards to the system allocator unchanged; the
// bookkeeping touches only `const` thread-locals with no destructor.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// A spawn forks (qemu-user runs its vfork as a fork), and a fork copies
/// every mapping into the child until it execs; while a copy of a shared
/// writable mapping lives, the kernel refuses to seal its file `WRITE`
/// (`EBUSY`). Spawns take this lock exclusively, the test that maps and
/// then seals takes it shared.
static FORKS: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// `Command::spawn` under the lock: it returns once the child has exec'd
/// (or failed to), and the copy of this process is gone.
fn spawn(command: &mut std::process::Command) -> std::io::Result<std::process::Child> {
    let _lock = FORKS.write().unwrap_or_else(|e| e.into_inner());
    command.spawn()
}

/// Runs `f` with counting on and returns how many allocator calls it made.
fn allocations_in(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn the_counter_sees_allocations() {
    // The instrument works: a Vec is caught.
    assert_eq!(
        allocations_in(|| drop(std::hint::black_box(vec![1u8; 16]))),
        2
    );
}

#[test]
fn fd_and_pipe_allocate_nothing() {
    let n = allocations_in(|| {
        let (rx, tx) = pipe().unwrap();
        tx.write(b"abc").unwrap();
        rx.read(&mut [0u8; 8]).unwrap();
        let _ = rx.read(&mut [0u8; 8]).unwrap_err();
        rx.set_nonblocking(false).unwrap();
        rx.set_nonblocking(true).unwrap();
        rx.is_nonblocking().unwrap();
        rx.set_cloexec(true).unwrap();
        rx.is_cloexec().unwrap();
        let d = rx.dup().unwrap();
        let g = d.borrow().unwrap();
        d.close().unwrap(); // deferred to the guard
        drop(g);
        let _ = tx.write_at(b"x", 0).unwrap_err();
        let raw = tx.into_raw();
        // SAFETY: `into_raw` handed `raw` back to us.
        drop(unsafe { Fd::from_raw(raw) });
        rx.close().unwrap();
        let _ = rx.read(&mut [0u8; 1]).unwrap_err();
    });
    assert_eq!(n, 0);
}

#[test]
fn guards_waits_and_owned_closes_allocate_nothing() {
    let n = allocations_in(|| {
        let (rx, tx) = pipe().unwrap();
        let w = tx.borrow().unwrap();
        w.write(b"ab").unwrap();
        drop(w);
        let r = rx.borrow().unwrap();
        r.read(&mut [0u8; 2]).unwrap();
        drop(r);
        let mem = MemFd::new("no-alloc").unwrap();
        let g = mem.fd().borrow().unwrap();
        g.write_at(b"abc", 0).unwrap();
        g.read_at(&mut [0u8; 3], 0).unwrap();
        drop(g);
        tx.dup().unwrap().close_owned().unwrap();
        let ev = EventFd::new(0).unwrap();
        assert_eq!(ev.wait_timeout(Duration::from_millis(1)).unwrap(), None);
        ev.signal(3).unwrap();
        assert_eq!(ev.wait_timeout(Duration::from_millis(1)).unwrap(), Some(3));
        let timer = TimerFd::new().unwrap();
        assert_eq!(timer.wait_timeout(Duration::from_millis(1)).unwrap(), None);
        // A close with a wait in flight (a held guard stands in for it)
        // wakes it.
        let waiter = ev.fd().borrow().unwrap();
        ev.close().unwrap();
        drop(waiter);
        let waiter = timer.fd().borrow().unwrap();
        timer.close().unwrap();
        drop(waiter);
        let open = EventFd::new(1).unwrap();
        let mask = signal_mask().unwrap();
        let mut fds = [PollFd::new(&open, Events::IN)];
        poll_with_mask(&mut fds, Some(Duration::ZERO), &mask).unwrap();
        let mut fds = [PollFd::new(&open, Events::IN), PollFd::new(&ev, Events::IN)];
        let _ = poll(&mut fds, Some(Duration::ZERO)).unwrap_err();
        rx.close_owned().unwrap();
    });
    assert_eq!(n, 0);
}

#[test]
fn eventfd_allocates_nothing() {
    let n = allocations_in(|| {
        let ev = EventFd::new(1).unwrap();
        let sem = EventFd::new_semaphore(1).unwrap();
        let other = EventFd::with_flags(0, EventFdFlags::CLOEXEC | EventFdFlags::NONBLOCK).unwrap();
        ev.signal(2).unwrap();
        ev.signal(0).unwrap();
        let _ = ev.signal(u64::MAX).unwrap_err();
        ev.wait().unwrap();
        let _ = ev.wait().unwrap_err();
        ev.write(&5u64.to_ne_bytes()).unwrap();
        ev.read(&mut [0u8; 8]).unwrap();
        let _ = ev.read(&mut [0u8; 7]).unwrap_err();
        sem.wait().unwrap();
        other.signal(1).unwrap();
        other.wait_blocking().unwrap();
        ev.close().unwrap();
    });
    assert_eq!(n, 0);
}

#[test]
fn timerfd_and_clocks_allocate_nothing() {
    let n = allocations_in(|| {
        let t = TimerFd::new().unwrap();
        let _r = TimerFd::new_realtime().unwrap();
        let _b = TimerFd::new_boottime().unwrap();
        let _c = TimerFd::with_clock(Clock::Monotonic, TimerFdFlags::NONBLOCK).unwrap();
        clock_now(Clock::Monotonic).unwrap();
        t.arm(Duration::from_millis(1), Duration::ZERO).unwrap();
        t.get_time().unwrap();
        t.wait_blocking().unwrap();
        let deadline = clock_now(t.clock()).unwrap();
        t.arm_at(deadline, Duration::from_secs(1)).unwrap();
        t.expirations().unwrap();
        t.arm(Duration::ZERO, Duration::ZERO).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        t.read(&mut [0u8; 8]).unwrap();
        t.disarm().unwrap();
        let _ = t.expirations().unwrap_err();
    });
    assert_eq!(n, 0);
}

#[test]
fn every_clock_and_the_page_size_allocate_nothing() {
    // The first of these calls, in whichever test comes first, reads the
    // auxiliary vector; `tests/first_call.rs` counts that one for sure.
    let n = allocations_in(|| {
        for clock in [
            Clock::Realtime,
            Clock::Monotonic,
            Clock::Boottime,
            Clock::RealtimeAlarm,
            Clock::BoottimeAlarm,
        ] {
            clock_now(clock).unwrap();
        }
        assert!(page_size() >= 4096);
    });
    assert_eq!(n, 0);
}

#[test]
fn pidfd_and_process_helpers_allocate_nothing() {
    let mut child = spawn(std::process::Command::new("/bin/sleep").arg("30")).unwrap();
    let pid = child.id() as i32;
    let n = allocations_in(|| {
        let me = PidFd::open(getpid()).unwrap();
        let _b = PidFd::open_blocking(getpid()).unwrap();
        let (_rx, tx) = pipe().unwrap();
        me.get_fd(tx.raw()).unwrap();
        let _ = me.get_fd(-1).unwrap_err();
        let _ = PidFd::open(0).unwrap_err();
        assert!(gettid() > 0);
        send_signal_to_thread(gettid(), 0).unwrap();
        let kid = PidFd::open(pid).unwrap();
        kid.send_signal(0).unwrap();
        kid.send_signal(SIGKILL).unwrap();
        let mut fds = [PollFd::new(&kid, Events::IN)];
        poll(&mut fds, Some(Duration::from_secs(10))).unwrap();
    });
    child.wait().unwrap();
    assert_eq!(n, 0);
}

#[test]
fn memfd_and_regions_allocate_nothing() {
    let _lock = FORKS.read().unwrap_or_else(|e| e.into_inner());
    let page = iofd::page_size();
    let n = allocations_in(|| {
        let m = MemFd::new_sealable("no-alloc").unwrap();
        let _p = MemFd::new("plain").unwrap();
        let _ = MemFd::new("bad\0name").unwrap_err();
        let _ = MemFd::new_executable("exec");
        let _ = MemFd::new_hugetlb("huge");
        let _ = MemFd::new_hugetlb_sized("huge", HugePageSize::HUGE_2MB);
        let _ = HugePageSize::HUGE_1GB.flags();
        m.write(b"0123456789").unwrap();
        m.write_at(b"ab", 2).unwrap();
        m.read_at(&mut [0u8; 4], 0).unwrap();
        m.read(&mut [0u8; 4]).unwrap();
        m.truncate(2 * page as u64).unwrap();
        m.size().unwrap();
        assert_eq!(m.name(), "no-alloc");
        let rw = m.mmap(page, Prot::READ | Prot::WRITE).unwrap();
        rw.write_at(0, b"map").unwrap();
        rw.read_at(0, &mut [0u8; 3]).unwrap();
        rw.unmap().unwrap();
        let _ = m.mmap(1 << 20, Prot::READ).unwrap_err();
        let past = m.mmap_past_end(1 << 20, Prot::READ, 0).unwrap();
        assert_eq!(past.backed_len(), 2 * page);
        let _ = past.read_at(2 * page, &mut [0u8; 1]).unwrap_err();
        drop(past);
        m.seal(Seals::WRITE | Seals::SHRINK).unwrap();
        m.seals().unwrap();
        let ro = m.mmap_at(page, Prot::READ, page as u64).unwrap();
        ro.as_slice().unwrap();
        drop(ro);
    });
    assert_eq!(n, 0);
}

#[test]
fn signalfd_and_masks_allocate_nothing() {
    let n = allocations_in(|| {
        let mut set = SigSet::empty();
        set.add(SIGUSR1).unwrap();
        set.remove(SIGUSR2).unwrap();
        let _ = set.add(65).unwrap_err();
        assert!(set.contains(SIGUSR1));
        let _ = SigSet::full().is_empty();
        block_signals(&set).unwrap();
        signal_mask().unwrap();
        let sfd = SignalFd::new(&set).unwrap();
        let _w = SignalFd::with_flags(&set, SignalFdFlags::CLOEXEC).unwrap();
        send_signal_to_thread(gettid(), SIGUSR1).unwrap();
        sfd.read().unwrap();
        let _ = sfd.read().unwrap_err();
        send_signal_to_thread(gettid(), SIGUSR1).unwrap();
        let mut info = SignalInfo::zeroed();
        sfd.read_into(&mut info).unwrap();
        sfd.set_mask(&set).unwrap();
        assert_eq!(sfd.mask(), set);
        unblock_signals(&SigSet::empty()).unwrap();
        set_signal_mask(&set).unwrap();
    });
    assert_eq!(n, 0);
}

#[test]
fn epoll_allocates_nothing() {
    let n = allocations_in(|| {
        let epoll = Epoll::new().unwrap();
        let ev = EventFd::new(1).unwrap();
        let timer = TimerFd::new().unwrap();
        epoll.add(&ev, EpollFlags::IN, 1).unwrap();
        epoll
            .add(&timer, EpollFlags::IN | EpollFlags::ET, 2)
            .unwrap();
        let _ = epoll.add(&ev, EpollFlags::IN, 1).unwrap_err();
        let _ = epoll
            .add(&ev, EpollFlags::IN, Epoll::RESERVED_TOKEN)
            .unwrap_err();
        epoll
            .modify(&ev, EpollFlags::IN | EpollFlags::ONESHOT, 3)
            .unwrap();
        let mut events = [EpollEvent::default(); 4];
        assert_eq!(epoll.wait(&mut events, None).unwrap(), 1);
        assert_eq!((events[0].token(), events[0].flags()), (3, EpollFlags::IN));
        epoll.wait(&mut events, Some(Duration::ZERO)).unwrap();
        epoll
            .wait(&mut events, Some(Duration::from_millis(1)))
            .unwrap();
        epoll
            .wait(&mut events, Some(Duration::from_micros(1500)))
            .unwrap();
        let _ = epoll.wait(&mut [], None).unwrap_err();
        epoll.delete(&timer).unwrap();
        let _ = epoll.delete(&timer).unwrap_err();
        let inner = Epoll::new().unwrap();
        epoll.add(&inner, EpollFlags::IN, 4).unwrap();
        let _ = inner.add(&epoll, EpollFlags::IN, 5).unwrap_err();
        inner.close().unwrap();
        epoll.close().unwrap();
        let _ = epoll.wait(&mut events, None).unwrap_err();
        let as_handle: &dyn Handle = &epoll;
        as_handle.close().unwrap();
    });
    assert_eq!(n, 0);
}

/// `fmt::Write` into a fixed buffer: formatting without an allocator.
struct Buf {
    bytes: [u8; 64],
    len: usize,
}

impl std::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[test]
fn waiting_for_a_child_allocates_nothing() {
    use std::fmt::Write as _;

    // Both are reaped through their pidfds below.
    let exits = spawn(std::process::Command::new("/bin/sh").args(["-c", "sleep 0.1; exit 3"]));
    let sleeper = spawn(std::process::Command::new("/bin/sleep").arg("30"));
    let exits = exits.unwrap().id() as i32;
    let sleeper = sleeper.unwrap().id() as i32;
    let mut buf = Buf {
        bytes: [0; 64],
        len: 0,
    };
    let n = allocations_in(|| {
        let a = PidFd::open(exits).unwrap();
        let b = PidFd::open_blocking(sleeper).unwrap();
        assert_eq!(b.try_wait().unwrap(), None);
        let status = a.wait().unwrap(); // waitid, ppoll, waitid
        assert_eq!(status.code(), Some(3));
        let _ = a.wait().unwrap_err(); // ECHILD
        b.send_signal(SIGKILL).unwrap();
        let killed = b.wait().unwrap();
        write!(buf, "{killed}; {status:?}").unwrap();
    });
    assert_eq!(n, 0);
    assert_eq!(
        std::str::from_utf8(&buf.bytes[..buf.len]).unwrap(),
        "killed by signal 9 (SIGKILL); ExitStatus(exited with status 3)"
    );
}

#[test]
fn descriptor_passing_and_adoption_allocate_nothing() {
    let mut rt = SigSet::empty();
    rt.add(iofd::sigrtmin() + 7).unwrap();
    block_signals(&rt).unwrap();
    let n = allocations_in(|| {
        let (a, b) = socketpair().unwrap();
        let (rx, tx) = pipe().unwrap();
        let mem = MemFd::new_sealable("passed").unwrap();
        mem.write(b"sealed").unwrap();
        mem.seal(Seals::WRITE | Seals::SHRINK | Seals::GROW | Seals::SEAL)
            .unwrap();
        send_fds(&a, b"data", &[]).unwrap();
        send_fds(&a, b"fds", &[mem.fd(), &tx, &rx]).unwrap();
        let _ = send_fds(&a, b"", &[]).unwrap_err();
        let mut buf = [0u8; 8];
        let mut slots: [Option<Fd>; 2] = [None, None];
        recv_fds(&b, &mut buf, &mut slots).unwrap();
        let _ = recv_fds(&b, &mut buf, &mut slots).unwrap_err(); // three for two: EMSGSIZE
        let _ = recv_fds(&b, &mut buf, &mut slots).unwrap_err(); // WouldBlock
        let got = MemFd::try_from(slots[0].take().unwrap()).unwrap();
        got.mmap(6, Prot::READ).unwrap().as_slice().unwrap();
        let refused = MemFd::try_from(slots[1].take().unwrap()).unwrap_err();
        drop(refused.into_fd());

        // SAFETY: each descriptor is of the kind it is adopted as.
        let ev = unsafe { EventFd::from_fd(Fd::from(EventFd::new(0).unwrap())) };
        ev.signal(1).unwrap();
        // SAFETY: as above.
        let t = unsafe {
            TimerFd::from_fd(Fd::from(TimerFd::new_realtime().unwrap()), Clock::Realtime)
        };
        let deadline = clock_now(Clock::Realtime).unwrap() + Duration::from_secs(60);
        t.arm_at_cancel_on_set(deadline, Duration::ZERO).unwrap();
        t.arm_replacing(Duration::from_secs(1), Duration::ZERO)
            .unwrap();
        // SAFETY: as above.
        let p = unsafe { PidFd::from_fd(Fd::from(PidFd::open(getpid()).unwrap()), getpid()) };
        p.send_signal(0).unwrap();
        // SAFETY: as above.
        let sfd = unsafe { SignalFd::from_fd(Fd::from(SignalFd::new(&rt).unwrap()), &rt) };
        send_signal_to_thread(gettid(), iofd::sigrtmin() + 7).unwrap();
        send_signal_to_thread(gettid(), iofd::sigrtmin() + 7).unwrap();
        let mut infos = [SignalInfo::zeroed(); 4];
        assert_eq!(sfd.read_many(&mut infos).unwrap(), 2);
        let _ = sfd.read_many(&mut []).unwrap_err();
        sfd.set_mask(&rt).unwrap();
    });
    assert_eq!(n, 0);
}
