//! Offsets, lengths and times that do not fit 32 bits, on every target.
//!
//! On the 64-bit targets each is one register. On the 32-bit ones (armv7,
//! i686) iofd passes them as the 32-bit ABI wants (`src/sys/abi32.rs`):
//! register pairs (padded to an even register on arm EABI), `_llseek`,
//! `ftruncate64`, `mmap2` in 4096-byte units, and the `*_time64` calls. A
//! mistake there loses the high word: the file is cut at the low 32 bits
//! of the length, bytes land at the low 32 bits of the offset, a time past
//! 2038 is refused or wraps.

use std::io::{Seek, SeekFrom};
use std::time::Duration;

use iofd::{Clock, MemFd, Prot, TimerFd};

/// 5 GiB and a little: above 2^32, and not a multiple of it, so that both
/// words of the offset are non-zero.
const FAR: u64 = (5 << 30) + 3 * 4096;

/// The page size, from libc: mappings are made of whole pages.
fn page() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(n).expect("a page size")
}

/// A memfd of `len` bytes: sparse, so it takes no memory but the pages
/// written.
fn sparse(len: u64) -> MemFd {
    let mem = MemFd::new("beyond 32 bits").unwrap();
    mem.truncate(len).unwrap();
    mem
}

#[test]
fn a_file_grows_and_shrinks_to_lengths_beyond_4_gib() {
    let mem = sparse(FAR);
    assert_eq!(mem.size().unwrap(), FAR);
    mem.truncate(FAR + 1).unwrap();
    assert_eq!(mem.size().unwrap(), FAR + 1);
    // The low word alone: what a length cut to 32 bits would leave.
    mem.truncate(FAR & 0xffff_ffff).unwrap();
    assert_eq!(mem.size().unwrap(), FAR & 0xffff_ffff);
}

#[test]
fn read_at_and_write_at_reach_offsets_beyond_4_gib() {
    let mem = sparse(FAR + 4096);
    assert_eq!(mem.write_at(b"far", FAR).unwrap(), 3);
    let mut buf = [0u8; 3];
    assert_eq!(mem.read_at(&mut buf, FAR).unwrap(), 3);
    assert_eq!(&buf, b"far");
    // Nothing landed at the offset's low word, or at its high word.
    for near in [FAR & 0xffff_ffff, FAR >> 32] {
        assert_eq!(mem.read_at(&mut buf, near).unwrap(), 3);
        assert_eq!(buf, [0; 3], "bytes at {near:#x}");
    }
    // The same through the plain `Fd`.
    let mut buf = [0u8; 3];
    assert_eq!(mem.fd().read_at(&mut buf, FAR).unwrap(), 3);
    assert_eq!(&buf, b"far");
}

#[test]
fn seek_moves_to_and_reports_offsets_beyond_4_gib() {
    let mut mem = sparse(FAR + 4096);
    assert_eq!(mem.seek(SeekFrom::Start(FAR)).unwrap(), FAR);
    assert_eq!(mem.seek(SeekFrom::Current(7)).unwrap(), FAR + 7);
    assert_eq!(mem.seek(SeekFrom::End(-1)).unwrap(), FAR + 4095);
    // Back below 4 GiB from above it.
    assert_eq!(mem.seek(SeekFrom::Current(-(FAR as i64))).unwrap(), 4095);
}

/// 3 GiB and a few pages: above 2^31, where a signed 32-bit `off_t` ends,
/// and a multiple of every page size. (Not above 2^32: qemu-user 7.2
/// shifts a 32-bit guest's mmap2 offset in 32 bits and maps the wrong
/// bytes there; natively i686 maps 5 GiB right. `src/sys/abi32.rs` tests
/// the conversion up to mmap2's 2^44 on its own.)
const MAP_AT: u64 = (3 << 30) + (3 << 16);

#[test]
fn a_mapping_starts_at_its_offset_beyond_2_gib() {
    let page = page();
    let at = MAP_AT;
    assert_eq!(at % page, 0);
    let mem = sparse(at + page);
    assert_eq!(mem.write_at(b"mapped", at).unwrap(), 6);
    let len = usize::try_from(page).unwrap();
    let region = mem.mmap_at(len, Prot::READ, at).unwrap();
    let mut buf = [0u8; 6];
    region.read_at(0, &mut buf).unwrap();
    assert_eq!(&buf, b"mapped");
}

#[test]
fn a_realtime_timer_is_armed_for_a_deadline_after_2038() {
    // 2040-01-01T00:00:00Z: past the 32-bit `time_t` (2038-01-19).
    let deadline = Duration::from_secs(2_208_988_800);
    let timer = TimerFd::new_realtime().unwrap();
    timer.arm_at(deadline, Duration::ZERO).unwrap();
    let (left, interval) = timer.get_time().unwrap();
    let now = iofd::clock_now(Clock::Realtime).unwrap();
    // What is left is the whole way to 2040, give or take the calls above.
    let expected = deadline - now;
    let slack = Duration::from_secs(5);
    assert!(
        left <= expected + slack && left + slack >= expected,
        "{left:?} left, expected about {expected:?}"
    );
    assert_eq!(interval, Duration::ZERO);
}

#[test]
fn a_timer_period_beyond_68_years_is_kept_whole() {
    // 2^31 seconds and more: past a 32-bit `time_t`.
    let period = Duration::from_secs((1 << 31) + 12_345);
    let timer = TimerFd::new().unwrap();
    timer.arm(Duration::from_secs(1), period).unwrap();
    let (_, interval) = timer.get_time().unwrap();
    assert_eq!(interval, period);
}
