//! Runs one variant of one operation a given number of times, for
//! `scripts/instr-count.sh` to count its instructions under callgrind.
//!
//! ```text
//! instr <shape>/<variant> <iterations> [operation]  # e.g. call/iofd; eventfd by default
//! instr --list [operation]       # the variants as shape/name, one per line
//! instr --operations             # the operations that run on one thread
//! instr --columns <shape>        # their variant names of that shape, in table order
//! instr --probe                  # calls the probes below
//! ```
//!
//! A variant without a shape (`iofd`) is the loop-shaped one. Operations
//! that run on several threads at once are left out of `--operations`:
//! callgrind runs one thread at a time, so their counts would say nothing
//! about contention.
//!
//! The probes are `Fd::raw()` and `Fd::is_valid()` compiled on their own,
//! under fixed symbol names, so the script can show their machine code.
//!
//! Every variant of the operation is created (so setup is the same
//! whichever one runs), then only the chosen one runs. The script takes the
//! difference between two iteration counts, which cancels the setup.

use std::process::ExitCode;

use iofd_benches::{Key, OPERATIONS, Operation, Shape, Variant, report};

const USAGE: &str = "usage: instr <shape>/<variant> <iterations> [operation]
       instr --list [operation]
       instr --operations
       instr --columns <shape>
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
        ["--operations"] => {
            for op in single_threaded() {
                println!("{}", op.name);
            }
            Ok(())
        }
        ["--columns", shape] => columns(shape),
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

/// The operations whose variants run on one thread, in report order.
fn single_threaded() -> Vec<Operation> {
    OPERATIONS
        .iter()
        .copied()
        .filter(|op| (op.variants)().iter().all(|v| v.threads() == 1))
        .collect()
}

/// The variant names of `shape` over the single-threaded operations, in
/// the order of the report's columns.
fn columns(shape: &str) -> Result<(), String> {
    let shape = Shape::from_name(shape).ok_or_else(|| format!("no shape {shape:?}"))?;
    let keys: Vec<Vec<Key>> = single_threaded()
        .iter()
        .map(|op| (op.variants)().iter().map(Variant::key).collect())
        .collect();
    let lists: Vec<&[Key]> = keys.iter().map(Vec::as_slice).collect();
    for name in report::columns(shape, &lists) {
        println!("{name}");
    }
    Ok(())
}

fn list(name: &str) -> Result<(), String> {
    for variant in (operation(name)?.variants)() {
        println!("{}", variant.key());
    }
    Ok(())
}

/// `shape/name`, or a bare `name` for the loop shape.
fn parse_key(id: &str) -> Option<(Shape, &str)> {
    match id.split_once('/') {
        Some((shape, name)) => Some((Shape::from_name(shape)?, name)),
        None => Some((Shape::Loop, id)),
    }
}

fn repeat(name: &str, variant: &str, iterations: &str) -> Result<(), String> {
    let iterations: u64 = iterations
        .parse()
        .map_err(|_| format!("iterations must be a number, not {iterations:?}"))?;
    let (shape, wanted) = parse_key(variant)
        .ok_or_else(|| format!("no shape in {variant:?}: it is loop/<name> or call/<name>"))?;
    let mut variants = (operation(name)?.variants)();
    let chosen = variants
        .iter_mut()
        .find(|v| v.key().shape == shape && v.name() == wanted)
        .ok_or_else(|| format!("{name} has no variant {variant:?}"))?;
    chosen.run(iterations);
    Ok(())
}
