//! Process entry and exit: `_start` for each arch, the call into Rust, and
//! the panic handler.
//!
//! Linux starts a static executable at its ELF entry point, `_start`, with
//! the stack pointer on `argc` (followed by `argv`, `envp` and the auxiliary
//! vector) and no return address: there is nothing to return to. `_start`
//! passes that stack pointer to [`main`] as its argument, which hands it to
//! iofd: the auxiliary vector holds the page size and the address of the
//! vDSO, through which iofd reads clocks. Every Linux ABI puts the stack
//! pointer on a 16-byte boundary; `_start` aligns it anyway, because
//! compiled Rust relies on it (x86_64 spills SSE registers with aligned
//! stores, aarch64 faults on a misaligned `sp`, i686 code assumes the 16
//! bytes of the i386 psABI, arm the 8 of the AAPCS). It also zeroes the frame
//! pointer and return address, so that a debugger's backtrace ends here,
//! and calls [`main`], which never returns.

use core::panic::PanicInfo;

use crate::out::Line;

/// Runs the program and ends the process: status 0 on success, 1 after
/// printing the errno of the first failure to standard error.
/// `initial_stack` is the stack pointer `_start` was entered with.
extern "C" fn main(initial_stack: *const usize) -> ! {
    // SAFETY: `initial_stack` is the stack pointer the kernel entered
    // `_start` with, above which nothing has been written, and this
    // program links no libc.
    unsafe { iofd::init_no_libc(initial_stack) };
    let status = match crate::run() {
        Ok(()) => 0,
        Err(e) => {
            let errno = e.raw_os_error() as u64;
            // Nothing more can be done if standard error is gone too.
            let _ = Line::new("nolibc: failed with errno ").num(errno).eprint();
            1
        }
    };
    iofd::exit(status)
}

/// Ends the process with status 101, as a panicking Rust program does.
/// The message is not printed: that would take `core::fmt`.
#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    let _ = Line::new("nolibc: panicked").eprint();
    iofd::exit(101)
}

/// The entry point. `call` pushes the return address, leaving `rsp` 8 past
/// a 16-byte boundary, as a function expects on entry.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov rdi, rsp",  // main's argument: the initial stack
        "xor ebp, ebp",  // no caller frame
        "and rsp, -16",  // 16-byte aligned stack
        "call {main}",
        "ud2",           // `main` never returns
        main = sym main,
    )
}

/// The entry point. `sp` cannot be the source of `and`, hence the detour
/// through `x9`.
#[cfg(target_arch = "aarch64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov x0, sp",          // main's argument: the initial stack
        "mov x29, xzr",        // no caller frame
        "mov x30, xzr",        // no return address
        "mov x9, sp",
        "and sp, x9, #-16",    // 16-byte aligned stack
        "bl {main}",
        "udf #0",              // `main` never returns
        main = sym main,
    )
}

/// The entry point. Nothing in this program reads `gp`: compiled Rust
/// never uses it, and Rust's object files carry no relaxation hints
/// (`R_RISCV_RELAX`), so no linker rewrites their data accesses into
/// `gp`-relative ones, as GNU ld does for C code. `_start` sets `gp` to
/// the linker's `__global_pointer$` anyway, at the cost of two
/// instructions, so that a toolchain that does relax finds it right; that
/// one load must not itself be relaxed into a use of `gp`.
#[cfg(target_arch = "riscv64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".option push",
        ".option norelax",
        "lla gp, __global_pointer$",
        ".option pop",
        "mv a0, sp",           // main's argument: the initial stack
        "li fp, 0",            // no caller frame
        "li ra, 0",            // no return address
        "andi sp, sp, -16",    // 16-byte aligned stack
        "call {main}",
        "unimp",               // `main` never returns
        main = sym main,
    )
}

/// The entry point. `bstrins.d` with `$zero` clears bits 3..=0 of `$sp`,
/// the LoongArch way to round it down to a 16-byte boundary.
#[cfg(target_arch = "loongarch64")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "move $a0, $sp",               // main's argument: the initial stack
        "move $fp, $zero",             // no caller frame
        "move $ra, $zero",             // no return address
        "bstrins.d $sp, $zero, 3, 0",  // 16-byte aligned stack
        "bl {main}",
        "break 0",                     // `main` never returns
        main = sym main,
    )
}

/// The entry point (A32). `sp` may be the destination of `bic` in A32
/// only as a deprecated form: go through `r1`.
#[cfg(target_arch = "arm")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov r0, sp",          // main's argument: the initial stack
        "mov fp, #0",          // no caller frame
        "mov lr, #0",          // no return address
        "bic r1, r0, #15",
        "mov sp, r1",          // 16-byte aligned stack
        "bl {main}",
        "udf #0",              // `main` never returns
        main = sym main,
    )
}

/// The entry point. The argument goes on the stack (cdecl), placed so
/// that `esp` is on a 16-byte boundary at the `call`, as the i386 psABI
/// wants; `call` then pushes the return address.
#[cfg(target_arch = "x86")]
#[unsafe(naked)]
#[unsafe(no_mangle)]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov eax, esp",  // main's argument: the initial stack
        "xor ebp, ebp",  // no caller frame
        "and esp, -16",
        "sub esp, 12",
        "push eax",      // 16-byte aligned stack at the call
        "call {main}",
        "ud2",           // `main` never returns
        main = sym main,
    )
}
