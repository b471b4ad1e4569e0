//! Build-time target check.
//!
//! iofd talks to the Linux kernel directly through the system-call stubs in
//! `arch/`, so it builds only where those stubs are right: a target of one
//! of the arches in `ARCHES` whose OS is `linux`, or `none` (bare-metal
//! targets, where the user asserts a Linux kernel underneath, e.g. a
//! unikernel or a hand-rolled `_start`). Anything else stops here with one
//! sentence instead of a wall of errors from the middle of the crate.
//!
//! Besides the state word (an `AtomicU32`), the crate keeps 64-bit values
//! in atomics (a `SignalFd`'s mask, the word copies of a `MappedRegion`),
//! so it needs 64-bit atomics: every supported arch has them (ARMv7
//! `ldrexd`/`strexd`, i686 `cmpxchg8b`).

use std::env;

/// `target_arch` of every supported arch, and how the error sentence
/// names its targets, one per line.
const ARCHES: &[(&str, &str)] = &[
    ("x86_64", "x86_64"),              // arch/x86_64.rs
    ("aarch64", "aarch64"),            // arch/aarch64.rs
    ("riscv64", "riscv64"),            // arch/riscv64.rs
    ("loongarch64", "loongarch64"),    // arch/loongarch64.rs
    ("arm", "armv7 (A32, not Thumb)"), // arch/arm.rs
    ("x86", "i686"),                   // arch/x86.rs
];
const OSES: [&str; 2] = ["linux", "none"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // `iofd_loom` is set by the model-checking run
    // (RUSTFLAGS="--cfg iofd_loom"); a crate-specific name, because the
    // plain `loom` cfg changes the code of dependencies such as tokio.
    println!("cargo:rustc-check-cfg=cfg(iofd_loom)");
    // `docsrs` is set by docs.rs (package.metadata.docs.rs).
    println!("cargo:rustc-check-cfg=cfg(docsrs)");
    // `iofd_small`: a build optimised for size (`opt-level = "s"` or
    // `"z"`) keeps the rare paths of the in-flight count (a refusal, the
    // close a release inherits, a passed-on wake-up) out of line; every
    // other build inlines them, which keeps the hot path's registers free.
    println!("cargo:rustc-check-cfg=cfg(iofd_small)");
    println!("cargo:rerun-if-env-changed=OPT_LEVEL");
    if matches!(env::var("OPT_LEVEL").as_deref(), Ok("s" | "z")) {
        println!("cargo:rustc-cfg=iofd_small");
    }

    let target = env::var("TARGET").unwrap_or_default();
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let atomics = env::var("CARGO_CFG_TARGET_HAS_ATOMIC").unwrap_or_default();
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |list: &str, item: &str| list.split(',').any(|w| w == item);

    // arm: the stubs pass the number in r7, which Thumb code keeps as its
    // frame pointer (so `asm!` refuses it there), and they need ARMv7
    // (`ldrexd`/`strexd` for the 64-bit atomics; `udf` as the trap).
    // Stable Rust shows no arm target features to `cfg`, so the target's
    // name tells: `thumb*` targets are Thumb, `armv7*` are ARMv7 in A32.
    let arm_ok = arch != "arm" || (target.starts_with("armv7") && !has(&features, "thumb-mode"));
    let supported = OSES.contains(&os.as_str())
        && ARCHES.iter().any(|&(a, _)| a == arch)
        && arm_ok
        && has(&atomics, "64");
    if !supported {
        let names: Vec<&str> = ARCHES.iter().map(|&(_, name)| name).collect();
        let (last, rest) = names.split_last().expect("a supported arch");
        eprintln!(
            "error: iofd does not support the target `{target}`: it supports \
             {} and {last} targets with 64-bit atomics whose OS is `linux` or \
             `none` (bare metal on a Linux kernel)",
            rest.join(", ")
        );
        std::process::exit(1);
    }
}
