//! Records the compiler's version for the header of the bench report:
//! the numbers depend on it as much as on the machine.

use std::process::Command;

fn main() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|version| version.trim().to_owned())
        .filter(|version| !version.is_empty())
        .unwrap_or_else(|| "rustc (version unknown)".to_owned());
    println!("cargo:rustc-env=IOFD_BENCH_RUSTC={version}");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
