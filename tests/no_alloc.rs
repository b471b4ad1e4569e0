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
    let mut child = std::process::Command::new("/bin/sleep")
        .arg("30")
        .spawn()
        .unwrap();
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
    let n = allocations_in(|| {
        let m = MemFd::new_sealable("no-alloc").unwrap();
        let _p = MemFd::new("plain").unwrap();
        let _ = MemFd::new("bad\0name").unwrap_err();
        m.write(b"0123456789").unwrap();
        m.write_at(b"ab", 2).unwrap();
        m.read_at(&mut [0u8; 4], 0).unwrap();
        m.read(&mut [0u8; 4]).unwrap();
        m.truncate(8192).unwrap();
        m.size().unwrap();
        assert_eq!(m.name(), "no-alloc");
        let rw = m.mmap(4096, Prot::READ | Prot::WRITE).unwrap();
        rw.write_at(0, b"map").unwrap();
        rw.read_at(0, &mut [0u8; 3]).unwrap();
        rw.unmap().unwrap();
        m.seal(Seals::WRITE | Seals::SHRINK).unwrap();
        m.seals().unwrap();
        let ro = m.mmap_at(4096, Prot::READ, 4096).unwrap();
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
