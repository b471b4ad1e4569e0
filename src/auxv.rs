//! The auxiliary vector: what the kernel tells a new program about its
//! machine, here the page size (`AT_PAGESZ`) and the address of the vDSO
//! (`AT_SYSINFO_EHDR`).
//!
//! The kernel leaves the vector on the initial stack, above the
//! environment; a libc reads it there before `main`. iofd has no start-up
//! code of its own, so unless [`init_no_libc`] hands it the stack, it asks
//! for a copy the first time it needs a value, and keeps the answer:
//!
//! 1. `/proc/self/auxv` (openat(2), fstatfs(2), read(2), close(2)): the
//!    vector this program was started with. Emulators that run a program
//!    as their guest (valgrind, qemu-user) intercept the open and serve
//!    the guest's vector, even where no procfs is mounted, from a file of
//!    their own.
//! 2. prctl(2) `PR_GET_AUXV` (Linux 6.4): the kernel's copy, asked for
//!    directly. An emulator that does not know this request passes it on,
//!    and then it describes the emulator's own process. valgrind 3.19 does
//!    so: there prctl names the vDSO of valgrind itself, which valgrind has
//!    unmapped (its guest runs without one: the `/proc/self/auxv` it serves
//!    has no `AT_SYSINFO_EHDR`), so reading an image at that address would
//!    fault.
//!
//! Hence the rule ([`choose`]): the vDSO address is taken from
//! `/proc/self/auxv` only, only if the file is procfs's (fstatfs says
//! `PROC_SUPER_MAGIC`: in a chroot, whatever sits at that path could name
//! any address, and the address is code iofd will call), and dropped if
//! prctl names a different one; prctl alone, when `/proc/self/auxv` cannot
//! be read (no procfs, a sandbox), gives only the page size, because
//! nothing can tell whose vector it is. Without the vDSO, clocks are read
//! with a system call: so under an emulator that serves a file of its own
//! (valgrind, qemu-user), whatever vDSO it might name.
//!
//! <https://man7.org/linux/man-pages/man3/getauxval.3.html>

use core::sync::atomic::{
    AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};

use crate::sys::{self, BorrowedFd};

// include/uapi/linux/auxvec.h
const AT_NULL: usize = 0;
const AT_PAGESZ: usize = 6;
const AT_SYSINFO_EHDR: usize = 33;

/// The page size when no copy of the vector can be read: the smallest
/// page of any Linux arch, and the page of x86_64 and riscv64.
const FALLBACK_PAGE_SIZE: usize = 4096;

/// Room for the kernel's whole copy, `mm->saved_auxv`: `AT_VECTOR_SIZE`
/// words (include/linux/mm_types.h), 56 words (448 bytes) on x86_64 with
/// Linux 6.18. A longer vector would be cut short, which loses only
/// entries past the end: the kernel writes the arch's entries
/// (`ARCH_DLINFO`, with `AT_SYSINFO_EHDR`) first, then `AT_HWCAP` and
/// `AT_PAGESZ` (`create_elf_tables` in fs/binfmt_elf.c).
const BUF_LEN: usize = 1024;

const WORD: usize = size_of::<usize>();

/// What one copy of the vector says; 0 where it says nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Entries {
    vdso: usize,
    page_size: usize,
}

impl Entries {
    fn note(&mut self, kind: usize, value: usize) {
        match kind {
            AT_PAGESZ => self.page_size = value,
            AT_SYSINFO_EHDR => self.vdso = value,
            _ => {}
        }
    }

    /// The entries of a copy of the vector: native-endian (type, value)
    /// words, up to `AT_NULL` or the end of `bytes`.
    /// [`parse`](Entries::parse) of the copy read from `/proc/self/auxv`,
    /// whose vDSO address counts only if procfs served it.
    fn from_file(bytes: &[u8], procfs: bool) -> Entries {
        let e = Entries::parse(bytes);
        Entries {
            vdso: if procfs { e.vdso } else { 0 },
            ..e
        }
    }

    fn parse(bytes: &[u8]) -> Entries {
        let mut e = Entries::default();
        let mut rest = bytes;
        while let Some((kind, tail)) = rest.split_first_chunk::<WORD>() {
            let Some((value, tail)) = tail.split_first_chunk::<WORD>() else {
                break;
            };
            let kind = usize::from_ne_bytes(*kind);
            if kind == AT_NULL {
                break;
            }
            e.note(kind, usize::from_ne_bytes(*value));
            rest = tail;
        }
        e
    }
}

/// A page size a kernel can have: a power of two, at least 4096.
fn is_page_size(n: usize) -> bool {
    n.is_power_of_two() && n >= FALLBACK_PAGE_SIZE
}

/// What iofd takes from the copies it could read (`None`: that source
/// failed).
///
/// - The vDSO address only from `/proc/self/auxv` (see the module
///   documentation), and not if prctl names another one.
/// - The page size from the first source with a valid one, else
///   [`FALLBACK_PAGE_SIZE`].
fn choose(procfs: Option<Entries>, prctl: Option<Entries>) -> Entries {
    let vdso = match (procfs, prctl) {
        (Some(p), Some(k)) if k.vdso != p.vdso => 0,
        (Some(p), _) => p.vdso,
        (None, _) => 0,
    };
    let page_size = match (procfs, prctl) {
        (Some(p), _) if is_page_size(p.page_size) => p.page_size,
        (_, Some(k)) if is_page_size(k.page_size) => k.page_size,
        _ => FALLBACK_PAGE_SIZE,
    };
    Entries { vdso, page_size }
}

/// Whether prctl has something to check or supply after `procfs`.
fn wants_prctl(procfs: Option<Entries>) -> bool {
    procfs.is_none_or(|p| p.vdso != 0 || !is_page_size(p.page_size))
}

/// The values, computed once and then read from two atomic words.
///
/// `page_size` is 0 until the values are known, and is stored after
/// `vdso` (`Release`), so a reader that sees it non-zero (`Acquire`) sees
/// a `vdso` of the same or a later computation. Threads that find it 0
/// each read the vector themselves, without a lock, and store what they
/// got; every computation reads the same vector, so all store the same
/// values (and if a source failed for one thread only, each value stored
/// is still one that [`choose`] accepted).
struct Cache {
    vdso: AtomicUsize,
    page_size: AtomicUsize,
}

impl Cache {
    const fn new() -> Cache {
        Cache {
            vdso: AtomicUsize::new(0),
            page_size: AtomicUsize::new(0),
        }
    }

    #[inline]
    fn get(&self, read: impl FnOnce() -> Entries) -> Entries {
        let page_size = self.page_size.load(Acquire);
        if page_size != 0 {
            return Entries {
                vdso: self.vdso.load(Relaxed),
                page_size,
            };
        }
        let e = read();
        self.set(e);
        e
    }

    fn set(&self, e: Entries) {
        self.vdso.store(e.vdso, Relaxed);
        self.page_size.store(e.page_size, Release);
    }
}

static CACHE: Cache = Cache::new();

/// `AT_PAGESZ` (getauxval(3)) — the size of a memory page, in bytes.
///
/// The kernel's page size: 4096 on x86_64 and riscv64; 4096, 16384 or
/// 65536 on aarch64, as the kernel was built. Mappings are made of whole
/// pages, and a mapping's offset into a file
/// ([`MemFd::mmap_at`](crate::MemFd::mmap_at)) must be a multiple of it.
///
/// The first call (of this, or of [`clock_now`](crate::clock_now), which
/// reads the same vector) reads a copy of the auxiliary vector: from
/// `/proc/self/auxv`, and prctl(2) `PR_GET_AUXV` to check it (Linux 6.4).
/// Later calls read one atomic word. A program without libc can hand
/// over the vector instead, with [`init_no_libc`]. Where no copy can be
/// read (no procfs, Linux before 6.4, no [`init_no_libc`]), the page size
/// is taken to be 4096, the smallest page of any Linux arch.
///
/// # Examples
///
/// ```
/// use iofd::{MemFd, Prot};
///
/// let page = iofd::page_size();
/// assert!(page.is_power_of_two() && page >= 4096);
///
/// let mem = MemFd::new("two pages")?;
/// mem.truncate(2 * page as u64)?;
/// let second = mem.mmap_at(page, Prot::READ, page as u64)?;
/// assert_eq!(second.len(), page);
/// # Ok::<(), iofd::Error>(())
/// ```
///
/// <https://man7.org/linux/man-pages/man3/getauxval.3.html>
#[doc(alias = "getpagesize")]
#[doc(alias = "sysconf")]
#[doc(alias = "AT_PAGESZ")]
#[inline]
#[must_use]
pub fn page_size() -> usize {
    CACHE.get(from_kernel).page_size
}

/// The vDSO's address (`AT_SYSINFO_EHDR`) of this process, 0 if none is
/// known to be mapped; see the module documentation.
pub(crate) fn sysinfo_ehdr() -> usize {
    CACHE.get(from_kernel).vdso
}

/// Hands iofd the auxiliary vector on the initial stack — for a program
/// without libc, which starts at its own entry point.
///
/// The kernel enters a program with the stack pointer on `argc`, followed
/// by the `argv` pointers and a NULL, the `envp` pointers and a NULL, and
/// then the auxiliary vector: (type, value) pairs ending with `AT_NULL`.
/// Given that stack pointer, iofd reads the page size and the vDSO's
/// address from there, so that neither [`page_size`] nor
/// [`clock_now`](crate::clock_now) ever needs a system call to find them
/// (without this call, the first of them reads `/proc/self/auxv`).
///
/// # Safety
///
/// - `initial_stack` is the stack pointer the kernel entered the
///   program's ELF entry point with, and the words from there up to the
///   auxiliary vector's `AT_NULL` entry are still as the kernel wrote
///   them.
/// - The process runs without a C library: the program has its own entry
///   point (`#![no_main]`, no `crt1.o`) and links no libc, so no libc
///   state exists in it. iofd relies on this to let safe code use what a
///   libc would keep for itself (the real-time signals 32 to 34, see
///   [`sigrtmin`](crate::sigrtmin)).
///
/// # Examples
///
/// The Rust function that an entry point written in assembly calls with
/// the stack pointer it was entered with (as `examples/nolibc` does):
///
/// ```no_run
/// extern "C" fn start(initial_stack: *const usize) -> ! {
///     // SAFETY: the stack pointer of the entry point, in a program
///     // without libc.
///     unsafe { iofd::init_no_libc(initial_stack) };
///     let status = if iofd::page_size() >= 4096 { 0 } else { 1 };
///     iofd::exit(status)
/// }
/// # let _ = start;
/// ```
///
/// <https://man7.org/linux/man-pages/man3/getauxval.3.html>,
/// <https://man7.org/linux/man-pages/man2/execve.2.html>
pub unsafe fn init_no_libc(initial_stack: *const usize) {
    // SAFETY: the caller's first promise.
    let e = unsafe { from_stack(initial_stack) };
    CACHE.set(choose(Some(e), None));
    // The caller's second promise: no libc keeps signals for itself.
    crate::signal::declare_no_libc();
}

/// The entries of the vector on the initial stack at `sp`.
///
/// # Safety
/// - As the first promise of [`init_no_libc`]: `sp` points to `argc`,
///   then `argc` pointers and a NULL, pointers up to a NULL, and (type,
///   value) pairs up to `AT_NULL`, all readable.
unsafe fn from_stack(sp: *const usize) -> Entries {
    let mut e = Entries::default();
    // SAFETY: every read and step below stays within the words the caller
    // vouches for: past `argc` and `argv` with its NULL, over `envp` to
    // its NULL, then pair by pair up to `AT_NULL`.
    unsafe {
        let argc = sp.read();
        let mut p = sp.add(argc + 2);
        while p.read() != 0 {
            p = p.add(1);
        }
        p = p.add(1);
        loop {
            let kind = p.read();
            if kind == AT_NULL {
                break;
            }
            e.note(kind, p.add(1).read());
            p = p.add(2);
        }
    }
    e
}

/// Reads the vector from the kernel: `/proc/self/auxv`, then prctl if
/// there is something to check or supply.
#[cold]
#[inline(never)]
fn from_kernel() -> Entries {
    let procfs = from_procfs();
    let prctl = if wants_prctl(procfs) {
        from_prctl()
    } else {
        None
    };
    choose(procfs, prctl)
}

/// `/proc/self/auxv`: one read, which procfs answers with the whole
/// vector up to `AT_NULL` (`auxv_read` in fs/proc/base.c). Not retried
/// on any error.
fn from_procfs() -> Option<Entries> {
    let fd = sys::openat(c"/proc/self/auxv", sys::O_RDONLY | sys::O_CLOEXEC).ok()?;
    let mut buf = [0u8; BUF_LEN];
    // SAFETY: `fd` was just opened here and stays open until the close
    // below, after the borrows end.
    let file = unsafe { BorrowedFd::borrow_raw(fd) };
    let procfs = sys::fstatfs(file).is_ok_and(|fs| fs.f_type == sys::PROC_SUPER_MAGIC);
    let n = sys::read(file, &mut buf);
    // SAFETY: this function owns `fd` and never uses it again. Linux
    // releases the number even when close reports an error, which leaves
    // nothing to do about one.
    let _ = unsafe { sys::close(fd) };
    Some(Entries::from_file(buf.get(..n.usize().ok()?)?, procfs))
}

/// prctl(2) `PR_GET_AUXV`; the kernel's zeros after `AT_NULL` end the
/// parse.
fn from_prctl() -> Option<Entries> {
    let mut buf = [0u8; BUF_LEN];
    let n = sys::prctl_get_auxv(&mut buf).ok()?;
    Some(Entries::parse(&buf[..n.min(BUF_LEN)]))
}

#[cfg(test)]
mod tests;
