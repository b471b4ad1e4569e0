//! The first calls of `page_size` and `clock_now`, which read the
//! auxiliary vector and look for the vDSO: made by several threads at
//! once, they allocate nothing and all get the same answers.
//!
//! A test binary of its own, with a single test, so that nothing else
//! makes those calls first.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Barrier;
use std::time::Duration;

use iofd::{Clock, clock_now};

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
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn libc_monotonic() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write.
    assert_eq!(
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) },
        0
    );
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[test]
fn racing_first_calls_allocate_nothing_and_agree() {
    const THREADS: usize = 8;
    let start = Barrier::new(THREADS);
    let results: Vec<_> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    COUNTING.with(|c| c.set(true));
                    let page = iofd::page_size();
                    let now = clock_now(Clock::Monotonic);
                    COUNTING.with(|c| c.set(false));
                    (page, now, ALLOCATIONS.with(Cell::get))
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let after = libc_monotonic();
    // SAFETY: sysconf has no memory argument.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    for (their_page, now, allocations) in results {
        assert_eq!(allocations, 0);
        assert_eq!(their_page, page);
        let now = now.unwrap();
        assert!(now <= after && after - now < Duration::from_secs(1));
    }
}
