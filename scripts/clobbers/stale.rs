//! Finds vector and predicate register values that a function keeps across
//! a system call: a register read after `svc`/`ecall` that was not written
//! since. The kernel zeroes or discards those registers (see the headers of
//! `arch/aarch64.rs` and `arch/riscv64.rs`), so such a read sees the
//! kernel's value, not the program's.
//!
//!   stale <aarch64|riscv64> <disassembly> <function>...
//!
//! The disassembly is the output of `objdump -dr --no-show-raw-insn` for an
//! object file. (A branch inside a function that carries a relocation, as
//! riscv64 code built for linker relaxation may have, has no target objdump
//! can print: the analysis stops with an error there.) For each function
//! named, a
//! forward data-flow analysis over its control-flow graph starts at every
//! system call with all tracked registers "stale" and follows every path:
//! a write makes a register fresh, a read of a stale one is reported. The
//! tracked registers:
//!
//! - aarch64: `Z0`..`Z31` beyond bit 127 (read by SVE instructions; NEON
//!   and FP reads use only the low 128 bits, which the kernel keeps, and
//!   NEON and FP writes zero the rest), and `P0`..`P15`;
//! - riscv64: `v0`..`v31`, and `vtype`: an instruction that depends on it
//!   must come after a `vset{i}vl{i}` (whole-register loads, stores and
//!   moves do not depend on it).
//!
//! A function also fails if it has no system call, or no vector
//! instruction before or after one: the check would prove nothing there.
//!
//! The instruction model covers what compilers emit for element-wise
//! integer and floating-point code, loads, stores, spills and reloads; an
//! instruction it does not know is treated by its operands (the first is
//! written, the others read), and control flow it cannot follow (an
//! indirect jump) is an error rather than a guess.
//!
//! Exit status: 0 if every function passes, 1 if one fails (each problem
//! on stderr), 2 for bad usage or input.
//!
//! Built and unit-tested by `scripts/check-clobbers.sh` with plain rustc:
//! `rustc --edition 2024 -O stale.rs`, `rustc --edition 2024 --test stale.rs`.

use std::collections::BTreeSet;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arch {
    Aarch64,
    Riscv64,
}

/// One instruction of a function.
#[derive(Clone, Debug)]
struct Insn {
    addr: u64,
    mnemonic: String,
    /// Operands without objdump's `<symbol>` annotations and comments.
    operands: String,
    /// Whether a relocation applies at this address (a call or a jump to
    /// another symbol, when the instruction branches).
    reloc: bool,
}

impl Insn {
    fn text(&self) -> String {
        format!("{:#x}: {} {}", self.addr, self.mnemonic, self.operands)
    }
}

/// The functions of a disassembly, in order, with their instructions.
fn parse(text: &str) -> Vec<(String, Vec<Insn>)> {
    let mut funcs: Vec<(String, Vec<Insn>)> = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("Disassembly of section") {
            inside = false;
            continue;
        }
        // `0000000000000000 <name>:` starts a symbol; `.L` labels are
        // local labels inside the current function.
        if let Some(name) = symbol_header(line) {
            if name.starts_with(".L") && inside {
                continue;
            }
            funcs.push((name.to_string(), Vec::new()));
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        let trimmed = line.trim_start();
        let Some((addr, rest)) = trimmed.split_once(':') else {
            continue;
        };
        let Ok(addr) = u64::from_str_radix(addr, 16) else {
            continue;
        };
        let insns = &mut funcs.last_mut().expect("inside a function").1;
        let rest = rest.trim();
        if rest.starts_with("R_") {
            if let Some(insn) = insns.iter_mut().rev().find(|i| i.addr == addr) {
                insn.reloc = true;
            }
            continue;
        }
        let (mnemonic, operands) = match rest.split_once(char::is_whitespace) {
            Some((m, o)) => (m, o.trim()),
            None => (rest, ""),
        };
        if mnemonic.is_empty() || mnemonic.starts_with('.') || mnemonic == "..." {
            continue;
        }
        insns.push(Insn {
            addr,
            mnemonic: mnemonic.to_string(),
            operands: clean_operands(operands),
            reloc: false,
        });
    }
    funcs
}

fn symbol_header(line: &str) -> Option<&str> {
    let (addr, rest) = line.split_once(' ')?;
    if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    rest.strip_prefix('<')?.strip_suffix(">:")
}

/// Drops `<symbol+offset>` annotations and `//` or `#` comments. (An
/// aarch64 `#` starts an immediate, not a comment.)
fn clean_operands(ops: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut chars = ops.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => depth -= 1,
            '/' if depth == 0 && chars.peek() == Some(&'/') => break,
            '#' if depth == 0 && chars.peek() == Some(&' ') => break,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Splits operands at the commas outside `{}`, `[]` and `()`.
fn split_operands(ops: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0_i32, 0);
    for (i, c) in ops.char_indices() {
        match c {
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(ops[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if !ops[start..].trim().is_empty() {
        out.push(ops[start..].trim());
    }
    out
}

/// Where control goes after an instruction.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Next,
    /// Conditional: the target or the next instruction.
    Branch(u64),
    Jump(u64),
    /// Leaves the function: a return, a tail call, a trap.
    Exit,
    /// A jump this analysis cannot follow.
    Unknown,
}

/// What an instruction does to the tracked state.
#[derive(Debug, Default, PartialEq, Eq)]
struct Effect {
    reads: u64,
    writes: u64,
    /// Mentions a tracked register (for the "before and after" check).
    vector: bool,
    /// riscv64: depends on `vtype`.
    needs_vtype: bool,
    /// riscv64: a `vset{i}vl{i}`, with the new LMUL and policies.
    vset: Option<Vtype>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Vtype {
    lmul: u32,
    tail_undisturbed: bool,
    mask_undisturbed: bool,
}

/// The state at one point of the function.
#[derive(Clone, Debug, PartialEq, Eq)]
struct State {
    /// Bit `n`: register `n` holds a value from before a system call
    /// (aarch64: `Z0`..`Z31` as bits 0..31, `P0`..`P15` as 32..47;
    /// riscv64: `v0`..`v31`).
    stale: u64,
    /// riscv64: no `vset{i}vl{i}` since the call.
    vtype_stale: bool,
    vtype: Vtype,
    /// The system calls whose clobbered values may reach this point.
    calls: BTreeSet<u64>,
}

impl State {
    /// Merges `other` in; returns whether anything changed.
    fn merge(&mut self, other: &State) -> bool {
        let before = self.clone();
        self.stale |= other.stale;
        self.vtype_stale |= other.vtype_stale;
        self.vtype.lmul = self.vtype.lmul.max(other.vtype.lmul);
        self.vtype.tail_undisturbed |= other.vtype.tail_undisturbed;
        self.vtype.mask_undisturbed |= other.vtype.mask_undisturbed;
        self.calls.extend(&other.calls);
        *self != before
    }
}

const DEFAULT_VTYPE: Vtype = Vtype {
    lmul: 1,
    tail_undisturbed: false,
    mask_undisturbed: false,
};

fn is_syscall(arch: Arch, insn: &Insn) -> bool {
    match arch {
        Arch::Aarch64 => insn.mnemonic == "svc",
        Arch::Riscv64 => insn.mnemonic == "ecall",
    }
}

/// The first hexadecimal word of the operand at `index` (negative: from
/// the end), as objdump prints branch targets.
fn target(insn: &Insn, index: isize) -> Option<u64> {
    let ops = split_operands(&insn.operands);
    let i = if index < 0 {
        ops.len().checked_sub(index.unsigned_abs())?
    } else {
        index as usize
    };
    let word = ops.get(i)?.split_whitespace().next()?;
    u64::from_str_radix(word.trim_start_matches("0x"), 16).ok()
}

fn flow(arch: Arch, insn: &Insn, prev: Option<&Insn>) -> Flow {
    let m = insn.mnemonic.as_str();
    let branch = |index| target(insn, index).map_or(Flow::Unknown, Flow::Branch);
    let jump = |index| target(insn, index).map_or(Flow::Unknown, Flow::Jump);
    match arch {
        Arch::Aarch64 => match m {
            "ret" | "eret" | "brk" | "udf" | "hlt" => Flow::Exit,
            // A `b` with a relocation is a tail call to another symbol.
            "b" if insn.reloc => Flow::Exit,
            "b" => jump(0),
            "bl" | "blr" => Flow::Next,
            "br" | "braa" | "brab" | "braaz" | "brabz" => Flow::Unknown,
            _ if m.starts_with("b.") => branch(0),
            "cbz" | "cbnz" | "tbz" | "tbnz" => branch(-1),
            _ => Flow::Next,
        },
        Arch::Riscv64 => match m {
            // Built with relaxation, local branches carry relocations and
            // the targets objdump prints cannot be trusted.
            _ if insn.reloc && (m == "j" || RV_BRANCHES.contains(&m)) => Flow::Unknown,
            "ret" | "ebreak" | "unimp" | "c.unimp" | "c.ebreak" => Flow::Exit,
            "j" => jump(0),
            _ if RV_BRANCHES.contains(&m) => branch(-1),
            // `jal` and `jalr rs` link `ra`: calls.
            "jal" => Flow::Next,
            "jalr" if !insn.operands.starts_with("zero") && !insn.operands.starts_with("x0,") => {
                Flow::Next
            }
            "jr" if insn.operands == "ra" => Flow::Exit,
            // `auipc t1, …; jr t1` with a call relocation: a tail call.
            "jr" if prev.is_some_and(|p| p.mnemonic == "auipc" && p.reloc) => Flow::Exit,
            "jr" | "jalr" => Flow::Unknown,
            _ => Flow::Next,
        },
    }
}

/// The conditional branches of riscv64 as objdump prints them (`bset`,
/// `bclr` and the other Zbs names are not branches).
const RV_BRANCHES: &[&str] = &[
    "beq", "bne", "blt", "bge", "bltu", "bgeu", "beqz", "bnez", "blez", "bgez", "bltz", "bgtz",
    "bgt", "ble", "bgtu", "bleu",
];

/// Register bits for the tracked registers an aarch64 operand names:
/// `(z_and_p, neon)`, where `neon` are the `Z` registers a NEON or FP
/// operand (`v3.4s`, `q3`, `d3`, `s3`, `h3`, `b3`) aliases.
fn a64_regs(op: &str) -> (u64, u64) {
    let (mut sve, mut neon) = (0_u64, 0_u64);
    let bytes = op.as_bytes();
    let mut i = 0;
    let mut last_z: Option<u32> = None;
    while i < bytes.len() {
        let c = bytes[i];
        let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if !word_start || !c.is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        // `pn8` is the predicate-as-counter view of `p8`.
        let prefix_end = if c == b'p' && bytes.get(j) == Some(&b'n') {
            j + 1
        } else {
            j
        };
        j = prefix_end;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        let ends = j == bytes.len() || !bytes[j].is_ascii_alphanumeric();
        if j > prefix_end && ends {
            let n: u32 = op[prefix_end..j].parse().unwrap_or(99);
            let range_from = i > 0 && bytes[i - 1] == b'-';
            match c {
                b'z' if n < 32 => {
                    if let (true, Some(first)) = (range_from, last_z) {
                        for r in first..=n {
                            sve |= 1 << r;
                        }
                    }
                    sve |= 1 << n;
                    last_z = Some(n);
                }
                b'p' if n < 16 => sve |= 1 << (32 + n),
                b'v' if n < 32 && bytes.get(j) == Some(&b'.') => neon |= 1 << n,
                b'q' | b'd' | b's' | b'h' | b'b' if n < 32 => neon |= 1 << n,
                _ => {}
            }
        }
        // Skip to the end of the word (and a `.s` suffix: a range's
        // second register follows the `-`).
        i = j.max(i + 1);
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
    }
    (sve, neon)
}

/// aarch64 instructions whose destination is also an input although no
/// merging predicate (`/m`) says so: accumulations and inserts.
const A64_READS_DEST: &[&str] = &[
    "insr", "clasta", "clastb", "pfirst", "pnext", "sdot", "udot", "usdot", "sudot", "bfdot",
    "fdot", "fmla", "fmls", "mla", "mls", "fmlalb", "fmlalt", "fmlslb", "fmlslt", "bfmlalb",
    "bfmlalt", "smlalb", "smlalt", "umlalb", "umlalt", "smlslb", "smlslt", "umlslb", "umlslt",
    "sqdmlalb", "sqdmlalt", "sqdmlslb", "sqdmlslt", "sqrdmlah", "sqrdmlsh", "saba", "uaba",
    "sabalb", "sabalt", "uabalb", "uabalt", "ssra", "usra", "srsra", "ursra", "sli", "sri", "cdot",
    "cmla", "fcmla", "fmmla", "smmla", "ummla", "usmmla", "bfmmla", "adclb", "adclt", "sbclb",
    "sbclt",
];

fn a64_effect(insn: &Insn) -> Effect {
    let m = insn.mnemonic.as_str();
    let ops = split_operands(&insn.operands);
    let mut e = Effect::default();
    let store = m.starts_with("st") || m.starts_with("prf") || m == "ptest";
    // Loads of pairs write their first two operands.
    let dests = match (store, m) {
        (true, _) => 0,
        (false, "ldp" | "ldnp" | "ldpsw") => 2,
        _ => 1,
    };
    let merging = ops.iter().any(|o| o.contains("/m"));
    for (k, op) in ops.iter().enumerate() {
        let (sve, neon) = a64_regs(op);
        e.vector |= sve != 0;
        if k < dests {
            // A NEON or FP write zeroes the `Z` bits above 127.
            e.writes |= sve | neon;
            if merging || A64_READS_DEST.contains(&m) {
                e.reads |= sve;
            }
        } else {
            e.reads |= sve;
        }
    }
    e
}

/// The number of registers a riscv64 whole-register load, store or move
/// (`vl2re32.v`, `vl4r.v`, `vs8r.v`, `vmv2r.v`) moves.
fn rv_whole_registers(m: &str) -> Option<u32> {
    let digits = m
        .strip_prefix("vl")
        .or_else(|| m.strip_prefix("vmv"))
        .or_else(|| m.strip_prefix("vs"))?;
    let n = digits.chars().next()?.to_digit(10)?;
    let rest = &digits[1..];
    let ok = rest.starts_with("re") || rest == "r.v";
    (ok && matches!(n, 1 | 2 | 4 | 8)).then_some(n)
}

fn rv_is_store(m: &str) -> bool {
    let Some(rest) = m.strip_prefix("vs") else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(".v") else {
        return false;
    };
    // vse32, vsse32, vsuxei32, vsoxei32, vs1r, vsm, vsseg2e32, …
    ["e", "se", "uxei", "oxei", "seg", "sseg", "uxseg", "oxseg"]
        .iter()
        .any(|p| {
            rest.strip_prefix(p)
                .is_some_and(|d| d.starts_with(|c: char| c.is_ascii_digit()))
        })
        || rv_whole_registers(m).is_some()
        || rest == "m"
}

/// riscv64 instructions whose destination is also an input.
const RV_READS_DEST: &[&str] = &[
    "vmacc", "vnmsac", "vmadd", "vnmsub", "vwmacc", "vwmaccu", "vwmaccsu", "vwmaccus", "vfmacc",
    "vfnmacc", "vfmsac", "vfnmsac", "vfmadd", "vfnmadd", "vfmsub", "vfnmsub", "vfwmacc",
    "vfwnmacc", "vfwmsac", "vfwnmsac", "vslideup",
];

fn rv_parse_vtype(ops: &[&str]) -> Vtype {
    let mut vt = DEFAULT_VTYPE;
    for op in ops {
        match *op {
            "m1" | "mf2" | "mf4" | "mf8" => vt.lmul = 1,
            "m2" => vt.lmul = 2,
            "m4" => vt.lmul = 4,
            "m8" => vt.lmul = 8,
            "tu" => vt.tail_undisturbed = true,
            "mu" => vt.mask_undisturbed = true,
            _ => {}
        }
    }
    vt
}

fn rv_group(first: u32, n: u32) -> u64 {
    (first..(first + n).min(32)).fold(0, |bits, r| bits | 1 << r)
}

fn rv_vreg(op: &str) -> Option<u32> {
    let n: u32 = op.strip_prefix('v')?.parse().ok()?;
    (n < 32).then_some(n)
}

fn rv_effect(insn: &Insn, vtype: Vtype) -> Effect {
    let m = insn.mnemonic.as_str();
    let mut e = Effect::default();
    if !m.starts_with('v') {
        return e;
    }
    let ops = split_operands(&insn.operands);
    e.vector = true;
    if m.starts_with("vset") {
        // `vsetvl` takes vtype from a register: LMUL unknown, assume 1.
        e.vset = Some(rv_parse_vtype(&ops));
        return e;
    }
    let whole = rv_whole_registers(m);
    e.needs_vtype = whole.is_none();
    let masked = ops.contains(&"v0.t");
    if masked {
        e.reads |= 1;
    }
    let base = m.split('.').next().unwrap_or(m);
    let group = whole.unwrap_or(vtype.lmul);
    let mask_result = base.starts_with("vms")
        || base.starts_with("vmf")
        || base.starts_with("vmadc")
        || base.starts_with("vmsbc")
        || m.ends_with(".mm");
    let reduction = base.contains("red");
    let widening = (base.starts_with("vw") || base.starts_with("vfw")) && !reduction;
    let narrowing = ["vnsr", "vnclip", "vncvt", "vfncvt"]
        .iter()
        .any(|p| base.starts_with(p));
    // `vmv.x.s`, `vfmv.f.s` read element 0; `vmv.s.x`, `vfmv.s.f` write it.
    let element = m.ends_with(".x.s") || m.ends_with(".f.s");
    let to_element = m.ends_with(".s.x") || m.ends_with(".s.f");
    let regs: Vec<(usize, u32)> = ops
        .iter()
        .enumerate()
        .filter_map(|(k, op)| rv_vreg(op).map(|r| (k, r)))
        .collect();
    let store = rv_is_store(m);
    for &(k, r) in &regs {
        if k == 0 && !store {
            let n = if mask_result || reduction || to_element {
                1
            } else if widening {
                2 * group
            } else {
                group
            };
            e.writes |= rv_group(r, n);
            let undisturbed = (vtype.tail_undisturbed && !mask_result && whole.is_none())
                || (vtype.mask_undisturbed && masked);
            if RV_READS_DEST.contains(&base) || undisturbed {
                e.reads |= rv_group(r, n);
            }
        } else {
            let last = k + 1 == ops.len() || ops.get(k + 1) == Some(&"v0.t");
            let n = if m.ends_with(".mm") || m.ends_with(".m") || element {
                1
            } else if reduction && last {
                // The scalar operand `vs1[0]` of a reduction.
                1
            } else if narrowing && k == 1 {
                2 * group
            } else {
                group
            };
            e.reads |= rv_group(r, n);
        }
    }
    e
}

/// One finding.
#[derive(Debug, PartialEq, Eq)]
struct Problem {
    insn: String,
    what: String,
}

#[derive(Debug, Default)]
struct Report {
    calls: usize,
    vector_before: usize,
    vector_after: usize,
    problems: Vec<Problem>,
}

fn reg_names(arch: Arch, bits: u64) -> String {
    (0..64)
        .filter(|b| bits & (1 << b) != 0)
        .map(|b| match (arch, b) {
            (Arch::Aarch64, 0..32) => format!("z{b}"),
            (Arch::Aarch64, _) => format!("p{}", b - 32),
            (Arch::Riscv64, _) => format!("v{b}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn all_tracked(arch: Arch) -> u64 {
    match arch {
        Arch::Aarch64 => (1 << 48) - 1,
        Arch::Riscv64 => (1 << 32) - 1,
    }
}

fn analyse(arch: Arch, insns: &[Insn]) -> Result<Report, String> {
    let index_of = |addr: u64| insns.iter().position(|i| i.addr == addr);
    let successors = |i: usize| -> Result<Vec<usize>, String> {
        let insn = &insns[i];
        let prev = i.checked_sub(1).map(|p| &insns[p]);
        let next = || (i + 1 < insns.len()).then_some(i + 1);
        let at = |addr| {
            index_of(addr).ok_or_else(|| format!("{}: jumps to {addr:#x}, outside", insn.text()))
        };
        Ok(match flow(arch, insn, prev) {
            Flow::Next => next().into_iter().collect(),
            Flow::Branch(t) => [Some(at(t)?), next()].into_iter().flatten().collect(),
            Flow::Jump(t) => vec![at(t)?],
            Flow::Exit => Vec::new(),
            Flow::Unknown => return Err(format!("{}: cannot follow this jump", insn.text())),
        })
    };
    let effect = |insn: &Insn, vtype| match arch {
        Arch::Aarch64 => a64_effect(insn),
        Arch::Riscv64 => rv_effect(insn, vtype),
    };

    let mut report = Report::default();
    // Vector instructions reachable from the entry without a system call.
    let mut seen = vec![false; insns.len()];
    let mut work = vec![0];
    while let Some(i) = work.pop() {
        if i >= insns.len() || seen[i] {
            continue;
        }
        seen[i] = true;
        if is_syscall(arch, &insns[i]) {
            continue;
        }
        report.vector_before += usize::from(effect(&insns[i], DEFAULT_VTYPE).vector);
        work.extend(successors(i)?);
    }

    // From every system call: the stale registers, path by path.
    let mut states: Vec<Option<State>> = vec![None; insns.len()];
    let mut work = Vec::new();
    for (i, insn) in insns.iter().enumerate() {
        if is_syscall(arch, insn) {
            report.calls += 1;
            let after = State {
                stale: all_tracked(arch),
                vtype_stale: arch == Arch::Riscv64,
                vtype: DEFAULT_VTYPE,
                calls: BTreeSet::from([insn.addr]),
            };
            for s in successors(i)? {
                work.push((s, after.clone()));
            }
        }
    }
    let mut counted = vec![false; insns.len()];
    while let Some((i, incoming)) = work.pop() {
        match &mut states[i] {
            Some(st) => {
                if !st.merge(&incoming) {
                    continue;
                }
            }
            slot @ None => *slot = Some(incoming),
        }
        let mut st = states[i].clone().expect("just set");
        let insn = &insns[i];
        if is_syscall(arch, insn) {
            continue; // its own successors start from it, above
        }
        let e = effect(insn, st.vtype);
        if e.vector && !counted[i] {
            counted[i] = true;
            report.vector_after += 1;
        }
        let calls = || {
            st.calls
                .iter()
                .map(|a| format!("{a:#x}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if e.reads & st.stale != 0 {
            let regs = reg_names(arch, e.reads & st.stale);
            let call = if arch == Arch::Aarch64 {
                "svc"
            } else {
                "ecall"
            };
            report.problems.push(Problem {
                insn: insn.text(),
                what: format!("reads {regs}, not written since the {call} at {}", calls()),
            });
        }
        if e.needs_vtype && st.vtype_stale {
            report.problems.push(Problem {
                insn: insn.text(),
                what: format!("depends on vtype, not set since the ecall at {}", calls()),
            });
        }
        // A reported register counts as written, so one stale value is
        // reported once.
        st.stale &= !(e.writes | e.reads);
        if let Some(vt) = e.vset {
            st.vtype_stale = false;
            st.vtype = vt;
        }
        if e.needs_vtype {
            st.vtype_stale = false;
        }
        for s in successors(i)? {
            work.push((s, st.clone()));
        }
    }
    report.problems.sort_by(|a, b| a.insn.cmp(&b.insn));
    report.problems.dedup();
    Ok(report)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!("usage: stale <aarch64|riscv64> <objdump -dr output> <function>...");
        ExitCode::from(2)
    };
    let [arch, file, names @ ..] = args.as_slice() else {
        return usage();
    };
    let arch = match arch.as_str() {
        "aarch64" => Arch::Aarch64,
        "riscv64" => Arch::Riscv64,
        _ => return usage(),
    };
    if names.is_empty() {
        return usage();
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("stale: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let funcs = parse(&text);
    let mut failed = false;
    for name in names {
        let Some((_, insns)) = funcs.iter().find(|(n, _)| n == name) else {
            eprintln!("stale: {name}: not in {file}");
            return ExitCode::from(2);
        };
        let report = match analyse(arch, insns) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("stale: {name}: {e}");
                return ExitCode::from(2);
            }
        };
        let mut fail = |why: String| {
            eprintln!("{name}: {why}");
            failed = true;
        };
        if report.calls == 0 {
            fail("no system call instruction".into());
        } else if report.vector_before == 0 || report.vector_after == 0 {
            fail(format!(
                "{} vector instructions before the system call, {} after: nothing to check",
                report.vector_before, report.vector_after
            ));
        }
        for p in &report.problems {
            fail(format!("{}: {}", p.insn, p.what));
        }
        if report.problems.is_empty() && report.calls > 0 {
            println!(
                "{name}: ok ({} system call{}; {} vector instructions before, {} after)",
                report.calls,
                if report.calls == 1 { "" } else { "s" },
                report.vector_before,
                report.vector_after
            );
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(arch: Arch, text: &str) -> Report {
        let funcs = parse(text);
        assert_eq!(funcs.len(), 1, "{funcs:?}");
        analyse(arch, &funcs[0].1).unwrap()
    }

    fn problems(arch: Arch, text: &str) -> Vec<String> {
        run(arch, text)
            .problems
            .into_iter()
            .map(|p| format!("{} | {}", p.insn, p.what))
            .collect()
    }

    // aarch64, from a build of the probes without the clobbers: z1..z4 and
    // p0 are loaded before `svc` and used after it.
    const A64_KEPT: &str = "
0000000000000000 <probe>:
  28:	ld1w	{z1.s}, p0/z, [x1]
  2c:	ld1w	{z2.s}, p0/z, [x2]
  30:	ld1w	{z3.s}, p0/z, [x1, x8, lsl #2]
  34:	ld1w	{z4.s}, p0/z, [x2, x8, lsl #2]
  38:	ldr	x8, [x0]
  3c:	tst	x8, #0x8000000080000000
  40:	b.eq	84 <probe+0x84>  // b.none
  44:	b	fc <probe+0xfc>
  84:	svc	#0x0
  88:	mov	z0.s, #7
  8c:	mad	z1.s, p0/m, z2.s, z0.s
  90:	mla	z0.s, p0/m, z4.s, z3.s
  94:	st1w	{z1.s}, p0, [x3]
  98:	ret
  fc:	bl	0 <_ZN4iofd2fd5state5State12acquire_slow17hf71628c094209e58E>
			fc: R_AARCH64_CALL26	_ZN4iofd2fd5state5State12acquire_slow17hf71628c094209e58E
 100:	b	84 <probe+0x84>
";

    #[test]
    fn aarch64_values_kept_across_svc_are_found() {
        assert_eq!(
            problems(Arch::Aarch64, A64_KEPT),
            [
                "0x8c: mad z1.s, p0/m, z2.s, z0.s | reads z1, z2, p0, not written since the svc at 0x84",
                "0x90: mla z0.s, p0/m, z4.s, z3.s | reads z3, z4, not written since the svc at 0x84",
            ]
        );
    }

    // The same with the clobbers: spilled before, reloaded after.
    const A64_SPILLED: &str = "
0000000000000000 <probe>:
  28:	ld1w	{z1.s}, p0/z, [x1]
  2c:	ld1w	{z2.s}, p0/z, [x2]
  30:	str	z1, [x29, #-1, mul vl]
  34:	str	z2, [x29, #-2, mul vl]
  84:	svc	#0x0
  88:	ptrue	p0.s, vl8
  8c:	ldr	z1, [x29, #-1, mul vl]
  90:	ldr	z2, [x29, #-2, mul vl]
  94:	mov	z0.s, #7
  98:	mad	z1.s, p0/m, z2.s, z0.s
  9c:	st1w	{z1.s}, p0, [x3]
  a0:	ret
";

    #[test]
    fn aarch64_spilled_values_pass() {
        let r = run(Arch::Aarch64, A64_SPILLED);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.calls, r.vector_before, r.vector_after), (1, 4, 6));
    }

    #[test]
    fn aarch64_neon_reads_are_fine_and_neon_writes_redefine() {
        // q0 (the low 128 bits of z0) survives; after `ldr q1` the upper
        // bits of z1 are zero, so an SVE read of z1 is fine too.
        let text = "
0000000000000000 <f>:
   0:	ldr	q0, [x0]
   4:	ptrue	p0.s, vl8
   8:	svc	#0x0
   c:	str	q0, [x1]
  10:	ldr	q1, [x0]
  14:	ptrue	p1.s, vl8
  18:	st1w	{z1.s}, p1, [x1]
  1c:	st1w	{z2.s}, p1, [x1]
  20:	ret
";
        assert_eq!(
            problems(Arch::Aarch64, text),
            ["0x1c: st1w {z2.s}, p1, [x1] | reads z2, not written since the svc at 0x8"]
        );
    }

    #[test]
    fn aarch64_tail_call_and_ranges() {
        // A `b` with a relocation leaves the function; `{z0.s-z3.s}` names
        // four registers.
        let text = "
0000000000000000 <f>:
   0:	ptrue	p0.s
   4:	svc	#0x0
   8:	ld4w	{z0.s-z3.s}, p0/z, [x0]
   c:	cbz	x1, 18 <f+0x18>
  10:	b	0 <g>
			10: R_AARCH64_JUMP26	g
  14:	ret
  18:	st4w	{z0.s-z3.s}, p1, [x0]
  1c:	ret
";
        assert_eq!(
            problems(Arch::Aarch64, text),
            [
                "0x18: st4w {z0.s-z3.s}, p1, [x0] | reads p1, not written since the svc at 0x4",
                "0x8: ld4w {z0.s-z3.s}, p0/z, [x0] | reads p0, not written since the svc at 0x4",
            ]
        );
    }

    #[test]
    fn aarch64_indirect_jump_is_an_error() {
        let text = "
0000000000000000 <f>:
   0:	svc	#0x0
   4:	br	x9
";
        let funcs = parse(text);
        assert!(analyse(Arch::Aarch64, &funcs[0].1).is_err());
    }

    #[test]
    fn aarch64_loop_back_to_before_the_call() {
        // A value defined after the call and used at the top of a loop
        // that contains the call is stale on the back edge.
        let text = "
0000000000000000 <f>:
   0:	mov	z0.s, #1
   4:	add	z1.s, z0.s, z0.s
   8:	svc	#0x0
   c:	mov	z0.s, #2
  10:	cbnz	x0, 4 <f+0x4>
  14:	ret
";
        assert!(problems(Arch::Aarch64, text).is_empty());
        let text = text.replace("mov\tz0.s, #2", "mov\tz3.s, #2");
        assert_eq!(
            problems(Arch::Aarch64, &text),
            ["0x4: add z1.s, z0.s, z0.s | reads z0, not written since the svc at 0x8"]
        );
    }

    // riscv64, from a build of the probes without the clobbers: v10 and v12
    // are loaded before `ecall` and used after it.
    const RV_KEPT: &str = "
0000000000000000 <probe>:
  1a:	vsetivli	zero,16,e32,m2,ta,ma
  1e:	vle32.v	v10,(a1)
  22:	vle32.v	v12,(a2)
  26:	ld	a0,0(a0)
  32:	beqz	a1,6c <.Lpcrel_hi0+0x10>
  3e:	j	86 <.Lpcrel_hi0+0x2a>

000000000000005c <.Lpcrel_hi0>:
  5c:	auipc	a1,0x0
  6c:	ecall
  70:	mv	s0,a0
  86:	vsetivli	zero,16,e32,m2,ta,ma
  8a:	vmv.v.i	v8,7
  8e:	vmadd.vv	v10,v12,v8
  92:	vle32.v	v8,(s2)
  96:	vmul.vv	v8,v8,v10
  a4:	vse32.v	v8,(a3)
  bc:	ret
";

    #[test]
    fn riscv64_values_kept_across_ecall_are_found() {
        assert_eq!(
            problems(Arch::Riscv64, RV_KEPT),
            [
                "0x8e: vmadd.vv v10,v12,v8 | reads v10, v11, v12, v13, not written since the ecall at 0x6c"
            ]
        );
    }

    #[test]
    fn riscv64_spilled_values_pass_and_whole_register_reloads_need_no_vtype() {
        let text = "
0000000000000000 <probe>:
  1a:	vsetivli	zero,16,e32,m2,ta,ma
  1e:	vle32.v	v10,(a1)
  22:	vs2r.v	v10,(a0)
  6c:	ecall
  70:	vl2r.v	v10,(a0)
  86:	vsetivli	zero,16,e32,m2,ta,ma
  8e:	vadd.vv	v8,v10,v10
  a4:	vse32.v	v8,(a3)
  bc:	ret
";
        let r = run(Arch::Riscv64, text);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!((r.vector_before, r.vector_after), (3, 4));
    }

    #[test]
    fn riscv64_vector_work_before_any_vset_is_found() {
        let text = "
0000000000000000 <probe>:
   0:	vsetivli	zero,8,e32,m1,ta,ma
   4:	ecall
   8:	vmv.v.i	v8,7
   c:	vse32.v	v8,(a3)
  10:	ret
";
        assert_eq!(
            problems(Arch::Riscv64, text),
            ["0x8: vmv.v.i v8,7 | depends on vtype, not set since the ecall at 0x4"]
        );
    }

    #[test]
    fn riscv64_tail_undisturbed_and_masks_read_the_destination() {
        let text = "
0000000000000000 <probe>:
   0:	ecall
   4:	vsetivli	zero,8,e32,m1,tu,mu
   8:	vadd.vv	v8,v9,v9
   c:	ret
";
        assert_eq!(
            problems(Arch::Riscv64, text),
            ["0x8: vadd.vv v8,v9,v9 | reads v8, v9, not written since the ecall at 0x0"]
        );
        let text = "
0000000000000000 <probe>:
   0:	ecall
   4:	vsetivli	zero,8,e32,m1,ta,ma
   8:	vmseq.vi	v0,v8,0
   c:	ret
";
        assert_eq!(
            problems(Arch::Riscv64, text),
            ["0x8: vmseq.vi v0,v8,0 | reads v8, not written since the ecall at 0x0"]
        );
    }

    #[test]
    fn riscv64_calls_and_tail_calls() {
        let text = "
0000000000000000 <probe>:
   0:	ecall
   4:	auipc	ra,0x0
			4: R_RISCV_CALL_PLT	g
   8:	jalr	ra
   c:	auipc	t1,0x0
			c: R_RISCV_CALL_PLT	h
  10:	jr	t1
";
        let r = run(Arch::Riscv64, text);
        assert!(r.problems.is_empty());
        let text = "
0000000000000000 <probe>:
   0:	ecall
   4:	jr	a5
";
        assert!(analyse(Arch::Riscv64, &parse(text)[0].1).is_err());
    }

    #[test]
    fn no_call_or_no_vector_work_is_reported() {
        let r = run(Arch::Riscv64, "\n0000000000000000 <f>:\n   0:\tret\n");
        assert_eq!(r.calls, 0);
        let r = run(
            Arch::Aarch64,
            "\n0000000000000000 <f>:\n   0:\tsvc\t#0x0\n   4:\tret\n",
        );
        assert_eq!((r.calls, r.vector_before, r.vector_after), (1, 0, 0));
    }
}
