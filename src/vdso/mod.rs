//! The vDSO: clock reads without a system call.
//!
//! The kernel maps a small shared object, the vDSO, into every process and
//! gives its address in the auxiliary vector (`AT_SYSINFO_EHDR`, see
//! [`auxv`](crate::auxv)). Its `clock_gettime` computes the time from a
//! data page the kernel keeps current, in user space. iofd looks for it
//! once: it takes the address from the auxiliary vector, checks the image
//! ([`elf`]), and looks the function up by name *and* version. If any
//! step fails, clock reads stay on the clock_gettime(2) system call.
//!
//! <https://man7.org/linux/man-pages/man7/vdso.7.html>

mod elf;
#[cfg(test)]
mod tests;

use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use crate::sys::{self, Timespec};
use crate::{Error, Result, arch, auxv};
use elf::{Class, Versioned};

/// What the vDSO of one architecture exports, as the kernel's linker
/// script for it says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Abi {
    /// The `target_arch` name, as `arch::NAME` spells it.
    arch: &'static str,
    /// `e_machine` (`EM_*` in the kernel's `include/uapi/linux/elf-em.h`).
    machine: u16,
    class: Class,
    /// clock_gettime on a 64-bit `struct __kernel_timespec`.
    clock_gettime: Versioned,
    /// The entry for system calls, on the arch whose vDSO has one (i686's
    /// `__kernel_vsyscall`; see `arch/x86.rs`).
    syscall: Option<Versioned>,
}

const fn clock(name: &'static str, version: &'static str) -> Versioned {
    Versioned { name, version }
}

/// One row per architecture; the kernel file each row comes from is above
/// it. The ELF reader handles both classes, so another arch is one more
/// row (the tests check every row on images built to match).
///
/// The 32-bit vDSOs export the clock on a 64-bit `__kernel_timespec` as
/// `__vdso_clock_gettime64` (their `__vdso_clock_gettime` is the old
/// 32-bit one); qemu-user maps no vDSO for them (nor for any arch).
#[rustfmt::skip]
const ABIS: [Abi; 6] = [
    // arch/x86/entry/vdso/vdso.lds.S
    Abi { arch: "x86_64", machine: 62, class: Class::Elf64, clock_gettime: clock("__vdso_clock_gettime", "LINUX_2.6"), syscall: None },
    // arch/arm64/kernel/vdso/vdso.lds.S
    Abi { arch: "aarch64", machine: 183, class: Class::Elf64, clock_gettime: clock("__kernel_clock_gettime", "LINUX_2.6.39"), syscall: None },
    // arch/riscv/kernel/vdso/vdso.lds.S
    Abi { arch: "riscv64", machine: 243, class: Class::Elf64, clock_gettime: clock("__vdso_clock_gettime", "LINUX_4.15"), syscall: None },
    // arch/loongarch/vdso/vdso.lds.S
    Abi { arch: "loongarch64", machine: 258, class: Class::Elf64, clock_gettime: clock("__vdso_clock_gettime", "LINUX_5.10"), syscall: None },
    // arch/arm/vdso/vdso.lds.S
    Abi { arch: "arm", machine: 40, class: Class::Elf32, clock_gettime: clock("__vdso_clock_gettime64", "LINUX_2.6"), syscall: None },
    // arch/x86/entry/vdso/vdso32/vdso32.lds.S
    Abi { arch: "x86", machine: 3, class: Class::Elf32, clock_gettime: clock("__vdso_clock_gettime64", "LINUX_2.6"), syscall: Some(clock("__kernel_vsyscall", "LINUX_2.5")) },
];

/// This target's row.
const ABI: Abi = row(arch::NAME);

const fn row(arch: &str) -> Abi {
    let mut i = 0;
    while i < ABIS.len() {
        if same(ABIS[i].arch.as_bytes(), arch.as_bytes()) {
            return ABIS[i];
        }
        i += 1;
    }
    panic!("no vDSO row for this architecture in src/vdso/mod.rs");
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The C signature of every vDSO `clock_gettime` in [`ABIS`]:
/// `int (clockid_t, struct __kernel_timespec *)`.
type ClockGettime = unsafe extern "C" fn(clock: i32, ts: *mut Timespec) -> i32;

/// [`CLOCK_GETTIME`] before anyone looked for the vDSO function.
const UNRESOLVED: usize = 0;
/// [`CLOCK_GETTIME`] when there is no vDSO function to call.
const NONE: usize = 1;

/// The address of the vDSO's `clock_gettime`, [`UNRESOLVED`] or [`NONE`].
///
/// Threads that find it unresolved each look it up and store what they
/// found; all find the same, as they read the same auxiliary vector and
/// the same image, so the race is benign. `Relaxed` suffices: a reader
/// needs only the value itself, since the function and its data are the
/// kernel's, mapped before the process ran its first instruction, not
/// memory that the storing thread wrote.
static CLOCK_GETTIME: AtomicUsize = AtomicUsize::new(UNRESOLVED);

/// Every Linux page size is a multiple of this; the vDSO is mapped at a
/// page boundary and is at least one page long.
const MIN_PAGE: usize = 4096;

/// A bound on the image length a header may claim: the vDSOs of every
/// arch are a few KiB (the kernel's `vdso_image`s, `vdso.so`).
const MAX_IMAGE_LEN: usize = 1 << 20;

/// clock_gettime: through the vDSO function when there is one, else the
/// system call.
#[inline]
pub(crate) fn clock_gettime(clock: i32) -> Result<Timespec> {
    let mut f = CLOCK_GETTIME.load(Relaxed);
    if f == UNRESOLVED {
        f = resolve();
    }
    if f != NONE {
        // SAFETY: `f` is the address `find` returned: the named,
        // versioned `clock_gettime` of a checked vDSO image, whose C
        // signature is `ClockGettime`. Function pointers and `usize`
        // have the same size on every supported target.
        let vdso = unsafe { core::mem::transmute::<usize, ClockGettime>(f) };
        let mut ts = Timespec::default();
        // SAFETY: the vDSO function writes one `__kernel_timespec` (the
        // layout of `Timespec`) through its second argument, here valid
        // and exclusively borrowed, and touches no other memory of ours.
        if let Some(r) = decode(unsafe { vdso(clock, &mut ts) }) {
            return r.map(|()| ts);
        }
    }
    sys::clock_gettime(clock)
}

/// The address of the vDSO's system-call entry (the row's `syscall`), or
/// 0: none, or not looked up yet. Set with the clock, in [`resolve`]; the
/// same reasoning as for [`CLOCK_GETTIME`] makes `Relaxed` enough.
static SYSCALL_ENTRY: AtomicUsize = AtomicUsize::new(0);

/// The vDSO's system-call entry, 0 if there is none or iofd has not read
/// a clock yet (the first clock read looks both up): i686 system calls go
/// through it when it is not 0, through `int $0x80` otherwise.
#[inline(always)]
#[allow(
    dead_code,
    reason = "read by the stubs of the arch whose row has a system-call entry (i686)"
)]
pub(crate) fn syscall_entry() -> usize {
    SYSCALL_ENTRY.load(Relaxed)
}

/// Sets what [`syscall_entry`] returns.
///
/// # Safety
/// - `entry` is 0, or the row's `syscall` entry in this process's checked
///   vDSO image, which stays mapped for the life of the process.
#[cfg_attr(not(test), inline)]
pub(crate) unsafe fn set_syscall_entry(entry: usize) {
    SYSCALL_ENTRY.store(entry, Relaxed);
}

/// Looks up the vDSO functions and records the answers.
#[cold]
#[inline(never)]
fn resolve() -> usize {
    let (clock, entry) = find(auxv::sysinfo_ehdr()).unwrap_or((None, None));
    let f = clock.unwrap_or(NONE);
    if let Some(entry) = entry {
        // SAFETY: `find` looked `entry` up, by name and version, in the
        // checked image of this process's vDSO.
        unsafe { set_syscall_entry(entry) };
    }
    CLOCK_GETTIME.store(f, Relaxed);
    f
}

/// The addresses of this arch's vDSO `clock_gettime`, and of its
/// system-call entry if its row names one, in the image at `base`, the
/// `AT_SYSINFO_EHDR` of this process (0 if it has none): `None` without a
/// checked image, and each `None` where the image lacks the function (a
/// vDSO of an older i686 kernel without `__vdso_clock_gettime64` still has
/// the `__kernel_vsyscall` that system calls can use).
fn find(base: usize) -> Option<(Option<usize>, Option<usize>)> {
    if base == 0 || !base.is_multiple_of(MIN_PAGE) {
        return None;
    }
    let at = core::ptr::with_exposed_provenance::<u8>(base);
    // SAFETY: `base` is the `AT_SYSINFO_EHDR` of this process's own
    // auxiliary vector (`auxv::sysinfo_ehdr` takes it only from sources
    // that describe this program, not an emulator's host). The kernel maps
    // the vDSO image there, page-aligned, readable, never written, for the
    // life of the process; its first page is at least `MIN_PAGE` long.
    let head = unsafe { core::slice::from_raw_parts(at, MIN_PAGE) };
    let len = elf::image_len(head, &ABI)?;
    if len > MAX_IMAGE_LEN {
        return None;
    }
    // SAFETY: as above, for the whole image: the kernel maps all of the
    // vDSO file, of which the one `PT_LOAD` segment, starting at the ELF
    // header, covers the first `len` (its `p_filesz`) bytes.
    let image = unsafe { core::slice::from_raw_parts(at, len) };
    let image = elf::Image::parse(image, &ABI)?;
    let entry = ABI
        .syscall
        .and_then(|s| image.lookup(s))
        .map(|off| base + off);
    let clock = image.lookup(ABI.clock_gettime).map(|off| base + off);
    Some((clock, entry))
}

/// What a vDSO `clock_gettime` returned: 0 is success, `-4095..=-1` an
/// error, and anything else not the kernel's convention (`None`: ask the
/// system call instead).
///
/// An error is final. The vDSO function answers a clock it cannot read
/// itself (an invalid one, or one it does not serve) with the
/// clock_gettime system call (`clock_gettime_fallback` in the kernel's
/// `lib/vdso/gettimeofday.c` and `arch/*/include/asm/vdso/gettimeofday.h`)
/// and returns that call's raw result, `-errno`: issuing the call again
/// would only repeat it.
fn decode(ret: i32) -> Option<Result<()>> {
    match ret {
        0 => Some(Ok(())),
        -4095..=-1 => Some(Err(Error::from_raw_os_error(-ret))),
        _ => None,
    }
}
