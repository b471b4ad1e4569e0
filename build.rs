//! Build-time target check.
//!
//! iofd talks to the Linux kernel directly through the system-call stubs in
//! `arch/`, so it builds only where those stubs are right: a target of one
//! of the arches in `ARCHES` whose OS is `linux`, or `none` (bare-metal
//! targets, where the user asserts a Linux kernel underneath, e.g. a
//! unikernel or a hand-rolled `_start`). Anything else stops here with one
//! sentence instead of a wall of errors from the middle of the crate.

use std::env;

/// `target_arch` of every supported arch, one per line.
const ARCHES: &[&str] = &[
    "x86_64",      // arch/x86_64.rs
    "aarch64",     // arch/aarch64.rs
    "riscv64",     // arch/riscv64.rs
    "loongarch64", // arch/loongarch64.rs
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
    let width = env::var("CARGO_CFG_TARGET_POINTER_WIDTH").unwrap_or_default();
    let atomics = env::var("CARGO_CFG_TARGET_HAS_ATOMIC").unwrap_or_default();

    let supported = OSES.contains(&os.as_str())
        && ARCHES.contains(&arch.as_str())
        && width == "64"
        && atomics.split(',').any(|w| w == "64");
    if !supported {
        eprintln!(
            "error: iofd does not support the target `{target}`: it supports \
             64-bit {} targets with 64-bit atomics whose OS is `linux` or \
             `none` (bare metal on a Linux kernel)",
            ARCHES.join(", ")
        );
        std::process::exit(1);
    }
}
