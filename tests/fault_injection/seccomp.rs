//! Seccomp-BPF filters written from the kernel ABI: `struct sock_filter`
//! programs over `struct seccomp_data`, installed with prctl(2).
//!
//! A filter is a list of [`Rule`]s: "system call `nr` (optionally with
//! argument `i` equal to `v`, or with some bits of `m` set in it) gets
//! `action`"; every other call is allowed.
//! Filters stack: each `install` adds one, and the kernel applies the most
//! severe action any of them returns (for equal actions, the newest
//! filter's data wins).

use iofd::raw::Sysno;

// <linux/bpf_common.h>: instruction classes, sizes, modes and jump ops.
const BPF_LD: u16 = 0x00;
const BPF_JMP: u16 = 0x05;
const BPF_RET: u16 = 0x06;
const BPF_W: u16 = 0x00;
const BPF_ABS: u16 = 0x20;
const BPF_JEQ: u16 = 0x10;
const BPF_JGE: u16 = 0x30;
const BPF_JSET: u16 = 0x40;
const BPF_K: u16 = 0x00;

// <linux/seccomp.h>
const SECCOMP_MODE_FILTER: u32 = 2;
/// Ends the whole process as if by an uncatchable `SIGSYS`.
pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
/// Skips the call and raises `SIGSYS`; `si_errno` carries the data bits.
pub const RET_TRAP: u32 = 0x0003_0000;
/// Skips the call, which returns `-data`.
pub const RET_ERRNO: u32 = 0x0005_0000;
/// Runs the call.
pub const RET_ALLOW: u32 = 0x7fff_0000;
/// The data bits of an action.
pub const RET_DATA: u32 = 0x0000_ffff;

// <linux/prctl.h>
const PR_SET_SECCOMP: i32 = 22;
const PR_SET_NO_NEW_PRIVS: i32 = 38;

// `struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer;
// __u64 args[6]; }`: byte offsets of the words a filter loads.
const DATA_NR: u32 = 0;
const DATA_ARCH: u32 = 4;
const DATA_ARGS: u32 = 16;

// <linux/audit.h> and <linux/elf-em.h>: the `arch` word of this target.
const AUDIT_ARCH_64BIT: u32 = 0x8000_0000;
const AUDIT_ARCH_LE: u32 = 0x4000_0000;
#[cfg(target_arch = "x86_64")]
const EM_MACHINE: u32 = 62; // EM_X86_64
#[cfg(target_arch = "aarch64")]
const EM_MACHINE: u32 = 183; // EM_AARCH64
#[cfg(target_arch = "riscv64")]
const EM_MACHINE: u32 = 243; // EM_RISCV
#[cfg(target_arch = "loongarch64")]
const EM_MACHINE: u32 = 258; // EM_LOONGARCH
#[cfg(target_arch = "x86")]
const EM_MACHINE: u32 = 3; // EM_386
#[cfg(target_arch = "arm")]
const EM_MACHINE: u32 = 40; // EM_ARM
/// The 64-bit flag of the `arch` word, on the 64-bit targets.
const WIDTH: u32 = if cfg!(target_pointer_width = "64") {
    AUDIT_ARCH_64BIT
} else {
    0
};
/// `AUDIT_ARCH_X86_64`, `AUDIT_ARCH_AARCH64`, `AUDIT_ARCH_RISCV64`,
/// `AUDIT_ARCH_LOONGARCH64`, `AUDIT_ARCH_I386` or `AUDIT_ARCH_ARM`: all
/// little-endian.
pub const AUDIT_ARCH: u32 = EM_MACHINE | WIDTH | AUDIT_ARCH_LE;

/// x86_64 numbers its x32-ABI calls from this bit up, under the same
/// `arch` word; a filter matching 64-bit numbers must reject them.
#[cfg(target_arch = "x86_64")]
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// `struct sock_filter`: one classic-BPF instruction.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

/// `struct sock_fprog`: the program handed to the kernel.
#[repr(C)]
pub struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const fn stmt(code: u16, k: u32) -> SockFilter {
    SockFilter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> SockFilter {
    SockFilter { code, jt, jf, k }
}

const fn load(offset: u32) -> SockFilter {
    stmt(BPF_LD | BPF_W | BPF_ABS, offset)
}

const fn ret(action: u32) -> SockFilter {
    stmt(BPF_RET | BPF_K, action)
}

/// One rule of a filter.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The system call.
    pub nr: Sysno,
    /// Only when argument `.0` equals `.1` (all 64 bits).
    pub arg: Option<(u32, u64)>,
    /// Only when argument `.0` has any of the bits of `.1` set (in its low
    /// 32 bits: C `int` and `unsigned int` flags). Not with `arg`.
    pub arg_bits: Option<(u32, u32)>,
    /// `RET_* | data`.
    pub action: u32,
}

/// Room for the largest filter the harness builds (one rule per system
/// call the crate issues), on the stack: filters are built after fork,
/// some while another filter already fails `mmap`.
const MAX_INSNS: usize = 256;

/// A filter program under construction.
pub struct Program {
    insns: [SockFilter; MAX_INSNS],
    len: usize,
}

impl Program {
    /// The program for `rules`: the wrong `arch` (and, on x86_64, an x32
    /// call) kills the process, each rule returns its action, anything
    /// else is allowed.
    pub fn new(rules: &[Rule]) -> Program {
        let mut p = Program {
            insns: [ret(RET_ALLOW); MAX_INSNS],
            len: 0,
        };
        p.push(load(DATA_ARCH));
        p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH, 1, 0));
        p.push(ret(RET_KILL_PROCESS));
        #[cfg(target_arch = "x86_64")]
        {
            p.push(load(DATA_NR));
            p.push(jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1));
            p.push(ret(RET_KILL_PROCESS));
        }
        for rule in rules {
            // Each block ends in its `ret`; a mismatch jumps past it to
            // the next block. `skip` counts the instructions left after the
            // current jump up to and including the `ret`.
            let nr = rule.nr.id() as u32;
            p.push(load(DATA_NR));
            match (rule.arg, rule.arg_bits) {
                (None, None) => p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1)),
                (Some((index, value)), None) => {
                    // Little-endian: the low word of `args[i]` comes first.
                    let lo = DATA_ARGS + 8 * index;
                    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 5));
                    p.push(load(lo));
                    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, value as u32, 0, 3));
                    p.push(load(lo + 4));
                    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, (value >> 32) as u32, 0, 1));
                }
                (None, Some((index, bits))) => {
                    // `jset` jumps to `jt` if `A & k` is not zero.
                    p.push(jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 3));
                    p.push(load(DATA_ARGS + 8 * index));
                    p.push(jump(BPF_JMP | BPF_JSET | BPF_K, bits, 0, 1));
                }
                (Some(_), Some(_)) => panic!("a rule matches one argument condition"),
            }
            p.push(ret(rule.action));
        }
        p.push(ret(RET_ALLOW));
        p
    }

    fn push(&mut self, insn: SockFilter) {
        assert!(self.len < MAX_INSNS, "seccomp program too long");
        self.insns[self.len] = insn;
        self.len += 1;
    }

    /// Sets `no_new_privs` (required to filter without `CAP_SYS_ADMIN`)
    /// and adds this filter to the calling thread. Returns the errno of a
    /// refusal: seccomp is off, or emulated away (qemu-user).
    pub fn install(&self) -> Result<(), i32> {
        let prog = SockFprog {
            len: self.len as u16,
            filter: self.insns.as_ptr(),
        };
        // prctl(2) is variadic over `unsigned long`s: 32 bits wide on the
        // 32-bit targets.
        let (one, zero): (libc::c_ulong, libc::c_ulong) = (1, 0);
        // SAFETY: prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) reads no memory.
        if unsafe { libc::prctl(PR_SET_NO_NEW_PRIVS, one, zero, zero, zero) } != 0 {
            return Err(last_errno());
        }
        let addr = &prog as *const SockFprog as libc::c_ulong;
        let mode = libc::c_ulong::from(SECCOMP_MODE_FILTER);
        // SAFETY: `prog` points to `len` valid instructions in `self`, and
        // the kernel copies the program before prctl returns.
        let r = unsafe { libc::prctl(PR_SET_SECCOMP, mode, addr, zero, zero) };
        if r != 0 {
            return Err(last_errno());
        }
        Ok(())
    }
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `e_machine` of this executable's ELF header (`Elf64_Ehdr`, bytes 18
/// and 19, little-endian): the `EM_*` value of the arch it runs on.
fn own_e_machine() -> std::io::Result<u16> {
    use std::io::Read as _;
    let mut head = [0u8; 20];
    std::fs::File::open("/proc/self/exe")?.read_exact(&mut head)?;
    Ok(u16::from_le_bytes([head[18], head[19]]))
}

/// Fails unless the constants and layouts above match the kernel headers
/// as the `libc` crate transcribes them, and `EM_MACHINE` this executable.
pub fn check_abi_against_libc() -> Result<(), String> {
    let mut bad = Vec::new();
    let mut same = |name: &str, ours: u64, theirs: u64| {
        if ours != theirs {
            bad.push(format!("{name}: {ours:#x} here, {theirs:#x} in libc"));
        }
    };
    same("BPF_LD", BPF_LD.into(), libc::BPF_LD.into());
    same("BPF_JMP", BPF_JMP.into(), libc::BPF_JMP.into());
    same("BPF_RET", BPF_RET.into(), libc::BPF_RET.into());
    same("BPF_W", BPF_W.into(), libc::BPF_W.into());
    same("BPF_ABS", BPF_ABS.into(), libc::BPF_ABS.into());
    same("BPF_JEQ", BPF_JEQ.into(), libc::BPF_JEQ.into());
    same("BPF_JGE", BPF_JGE.into(), libc::BPF_JGE.into());
    same("BPF_JSET", BPF_JSET.into(), libc::BPF_JSET.into());
    same("BPF_K", BPF_K.into(), libc::BPF_K.into());
    #[cfg(target_arch = "x86_64")]
    let em = libc::EM_X86_64;
    #[cfg(target_arch = "aarch64")]
    let em = libc::EM_AARCH64;
    #[cfg(target_arch = "riscv64")]
    let em = libc::EM_RISCV;
    #[cfg(target_arch = "x86")]
    let em = libc::EM_386;
    #[cfg(target_arch = "arm")]
    let em = libc::EM_ARM;
    // libc has no EM_LOONGARCH; the check below covers it.
    #[cfg(not(target_arch = "loongarch64"))]
    same("EM_* of this arch", EM_MACHINE.into(), em.into());
    same(
        "EM_* of this arch, as e_machine of /proc/self/exe (0: unreadable)",
        EM_MACHINE.into(),
        own_e_machine().map_or(0, u64::from),
    );
    same(
        "SECCOMP_MODE_FILTER",
        SECCOMP_MODE_FILTER.into(),
        libc::SECCOMP_MODE_FILTER.into(),
    );
    same(
        "SECCOMP_RET_KILL_PROCESS",
        RET_KILL_PROCESS.into(),
        libc::SECCOMP_RET_KILL_PROCESS.into(),
    );
    same(
        "SECCOMP_RET_TRAP",
        RET_TRAP.into(),
        libc::SECCOMP_RET_TRAP.into(),
    );
    same(
        "SECCOMP_RET_ERRNO",
        RET_ERRNO.into(),
        libc::SECCOMP_RET_ERRNO.into(),
    );
    same(
        "SECCOMP_RET_ALLOW",
        RET_ALLOW.into(),
        libc::SECCOMP_RET_ALLOW.into(),
    );
    same(
        "SECCOMP_RET_DATA",
        RET_DATA.into(),
        libc::SECCOMP_RET_DATA.into(),
    );
    same(
        "PR_SET_SECCOMP",
        PR_SET_SECCOMP as u64,
        libc::PR_SET_SECCOMP as u64,
    );
    same(
        "PR_SET_NO_NEW_PRIVS",
        PR_SET_NO_NEW_PRIVS as u64,
        libc::PR_SET_NO_NEW_PRIVS as u64,
    );
    same(
        "seccomp_data.nr",
        DATA_NR.into(),
        std::mem::offset_of!(libc::seccomp_data, nr) as u64,
    );
    same(
        "seccomp_data.arch",
        DATA_ARCH.into(),
        std::mem::offset_of!(libc::seccomp_data, arch) as u64,
    );
    same(
        "seccomp_data.args",
        DATA_ARGS.into(),
        std::mem::offset_of!(libc::seccomp_data, args) as u64,
    );
    same(
        "sizeof(struct sock_filter)",
        size_of::<SockFilter>() as u64,
        size_of::<libc::sock_filter>() as u64,
    );
    same(
        "sizeof(struct sock_fprog)",
        size_of::<SockFprog>() as u64,
        size_of::<libc::sock_fprog>() as u64,
    );
    same(
        "offsetof(sock_fprog, filter)",
        std::mem::offset_of!(SockFprog, filter) as u64,
        std::mem::offset_of!(libc::sock_fprog, filter) as u64,
    );
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad.join("; "))
    }
}
