//! Runs one variant of one operation a given number of times, for
//! `scripts/instr-count.sh` to count its instructions under callgrind.
//!
//! ```text
//! instr <variant> <iterations> [operation]   # operation: eventfd by default
//! instr --list [operation]                   # the variants, one per line
//! instr --probe                               # calls the probes below
//! ```
//!
//! The probes are `Fd::raw()` and `Fd::is_valid()` compiled on their own,
//! under fixed symbol names, so the script can show their machine code.
//!
//! Every variant of the operation is created (so setup is the same
//! whichever one runs), then only the chosen one runs. The script takes the
//! difference between two iteration counts, which cancels the setup.

use std::process::ExitCode;

use iofd_benches::{OPERATIONS, Operation};

const USAGE: &str = "usage: instr <variant> <iterations> [operation]
       instr --list [operation]
       instr --probe";

/// `Fd::raw()` alone, for the disassembly.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn iofd_probe_raw(fd: &iofd::Fd) -> i32 {
    fd.raw()
}

/// `Fd::is_valid()` alone, for the disassembly.
#[unsafe(no_mangle)]
#[inline(never)]
pub fn iofd_probe_is_valid(fd: &iofd::Fd) -> bool {
    fd.is_valid()
}

/// Calls both probes, so that they are linked, and checks their answers.
fn probe() -> Result<(), String> {
    let (rx, _tx) = iofd::pipe().map_err(|e| format!("pipe: {e}"))?;
    let (number, valid) = (iofd_probe_raw(&rx), iofd_probe_is_valid(&rx));
    if number < 0 || !valid {
        return Err(format!("an open Fd reads as {number}, valid {valid}"));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("instr: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[&str]) -> Result<(), String> {
    match *args {
        ["--probe"] => probe(),
        ["--list"] => list("eventfd"),
        ["--list", operation] => list(operation),
        [variant, iterations] => repeat("eventfd", variant, iterations),
        [variant, iterations, operation] => repeat(operation, variant, iterations),
        _ => Err("wrong arguments".to_owned()),
    }
}

fn operation(name: &str) -> Result<Operation, String> {
    Operation::find(name).ok_or_else(|| {
        let known: Vec<_> = OPERATIONS.iter().map(|op| op.name).collect();
        format!("no operation {name:?}; known: {}", known.join(" "))
    })
}

fn list(name: &str) -> Result<(), String> {
    for variant in (operation(name)?.variants)() {
        println!("{}", variant.name());
    }
    Ok(())
}

fn repeat(name: &str, variant: &str, iterations: &str) -> Result<(), String> {
    let iterations: u64 = iterations
        .parse()
        .map_err(|_| format!("iterations must be a number, not {iterations:?}"))?;
    let mut variants = (operation(name)?.variants)();
    let chosen = variants
        .iter_mut()
        .find(|v| v.name() == variant)
        .ok_or_else(|| format!("{name} has no variant {variant:?}"))?;
    chosen.run(iterations);
    Ok(())
}
