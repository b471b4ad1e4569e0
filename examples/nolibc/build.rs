//! Links the program without unwind tables (`no-unwind.ld`): it aborts on
//! panic, so nothing would ever read them, and they are a sixth of its
//! size.

use std::env;

fn main() {
    let dir = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let script = format!("{dir}/no-unwind.ld");
    println!("cargo:rerun-if-changed=no-unwind.ld");
    // The bare-metal targets link with rust-lld directly; the *-linux-gnu
    // ones through gcc, which passes `-Wl,` arguments on to the linker.
    let (prefix, sep) = match env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("linux") => ("-Wl,", ","),
        _ => ("", ""),
    };
    println!("cargo:rustc-link-arg-bins={prefix}-T{sep}{script}");
    println!("cargo:rustc-link-arg-bins={prefix}--no-eh-frame-hdr");
}
