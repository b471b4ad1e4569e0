//! Fault injection: every system call iofd issues, failed with every errno
//! of interest, under every public API that issues it.
//!
//! Each cell runs in a forked child whose seccomp-BPF filter fails one
//! system call with one errno (`SECCOMP_RET_ERRNO`), installed after the
//! scenario's setup and just before the API call. The child checks what a
//! caller relies on:
//!
//! - the `Error` carries the injected errno and the documented `ErrorKind`;
//! - no panic, no hang;
//! - no descriptor appears or disappears across the call (`/proc/self/fd`
//!   before and after): a failed constructor leaves nothing half-built;
//! - a failed operation leaves its handle open and unchanged; a failed
//!   `close` leaves it closed for good (`raw() == -1`, operations fail
//!   with `Closed`, and the number is never closed again).
//!
//! Three more kinds of cell pin down the (API, system call) list itself:
//! a **counting** cell per pair traps the call instead and counts it (the
//! API must issue it exactly once: no missing call, no retry after
//! `EINTR`); a **sweep** per API forbids every system call iofd issues
//! that the API is not listed with; and the **no-syscall** paths run with
//! every call forbidden.
//!
//! `iofd::exit` has cells of its own (`exit.rs`): with exit_group(2), and
//! then exit(2) too, refused by a filter.
//!
//! Seccomp needs a real kernel: under qemu-user it is unavailable, and the
//! cells fail saying so. `scripts/qemu-test.sh` skips them by their common
//! prefix (`--skip seccomp_`); the checks without a filter (ABI
//! constants, the syscall list against `src/sys/` and against the calls
//! loongarch64 lacks, the unfiltered exit) run everywhere.
//!
//! The harness is its own `main` (`harness = false`) so that it is
//! single-threaded when it forks. It takes libtest's filter arguments.

#![deny(clippy::undocumented_unsafe_blocks)]

#[path = "../bad_input/rows.rs"]
mod bad_input_rows;
mod cases;
mod child;
mod cli;
mod exit;
mod fdset;
mod report;
mod seccomp;
mod syscalls;
mod trap;

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use cases::{Api, NOSYS, NoSys};
use child::{Mode, Runner};
use syscalls::{NOT_INJECTED, ROWS, Target};

/// The errnos of the matrix: the ones a caller plausibly meets, plus `EIO` (the
/// classic close failure) and `EOPNOTSUPP` (the other `Unsupported`).
const ERRNOS: [i32; 11] = [
    libc::EINTR,
    libc::ENOMEM,
    libc::EMFILE,
    libc::ENOSYS,
    libc::EPERM,
    libc::EACCES,
    libc::EINVAL,
    libc::EBADF,
    libc::EAGAIN,
    libc::EIO,
    libc::EOPNOTSUPP,
];

/// Common prefix of every test that needs seccomp.
const PREFIX: &str = "seccomp_";

enum Kind {
    /// A check without a child or filter.
    Plain(fn() -> Result<(), String>),
    /// One (API, system call) pair: its errno cells and its counting cell.
    Pair(&'static Api, Target),
    /// The API with every other system call forbidden.
    Sweep(&'static Api),
    /// A path with every system call forbidden.
    NoSys(&'static NoSys),
}

struct Test {
    name: String,
    kind: Kind,
}

fn all_tests() -> Vec<Test> {
    let apis = cases::apis();
    let mut tests = vec![
        Test {
            name: "abi_constants_match_libc".into(),
            kind: Kind::Plain(seccomp::check_abi_against_libc),
        },
        Test {
            name: "syscall_rows_match_src_sys".into(),
            kind: Kind::Plain(check_rows),
        },
        Test {
            name: "loongarch64_has_every_call".into(),
            kind: Kind::Plain(syscalls::check_loongarch64_has_every_call),
        },
        Test {
            name: "exit::status_reaches_the_parent".into(),
            kind: Kind::Plain(exit::exit_status_reaches_the_parent),
        },
        Test {
            name: format!("{PREFIX}exit::exit_group_refused_falls_back_to_exit"),
            kind: Kind::Plain(exit::exit_group_refused_falls_back_to_exit),
        },
        Test {
            name: format!("{PREFIX}exit::both_refused_end_at_the_trap"),
            kind: Kind::Plain(exit::both_refused_end_at_the_trap),
        },
    ];
    for row in ROWS {
        for &api in apis.iter().filter(|a| a.issues.contains(&row.listed_as())) {
            tests.push(Test {
                name: format!("{PREFIX}{}::{}", row.name(), api.name),
                kind: Kind::Pair(api, row),
            });
        }
    }
    for &api in &apis {
        tests.push(Test {
            name: format!("{PREFIX}sweep::{}", api.name),
            kind: Kind::Sweep(api),
        });
    }
    for case in NOSYS {
        tests.push(Test {
            name: format!("{PREFIX}nosys::{}", case.name),
            kind: Kind::NoSys(case),
        });
    }
    tests
}

/// The rows are the system calls of `src/sys/`, each has an API, and
/// every API lists only rows.
fn check_rows() -> Result<(), String> {
    syscalls::check_against_src()?;
    let apis = cases::apis();
    for row in ROWS {
        if !apis.iter().any(|a| a.issues.contains(&row.listed_as())) {
            return Err(format!("no API is listed with {}", row.name()));
        }
    }
    for api in &apis {
        if let Some(t) = api.issues.iter().find(|t| !ROWS.contains(t)) {
            return Err(format!(
                "{} lists {}, which is not a row",
                api.name,
                t.name()
            ));
        }
    }
    Ok(())
}

/// Cells run and passed, by kind.
#[derive(Default)]
struct Tally {
    errno: (usize, usize),
    excluded: Vec<String>,
    count: (usize, usize),
    sweep: (usize, usize),
    nosys: (usize, usize),
}

fn note(cell: &mut (usize, usize), r: &Result<(), String>) {
    cell.0 += 1;
    cell.1 += usize::from(r.is_ok());
}

/// Runs one test; returns its failures.
fn run(test: &Test, runner: &Runner, tally: &mut Tally) -> Vec<String> {
    let mut failures = Vec::new();
    match test.kind {
        Kind::Plain(check) => {
            if let Err(e) = check() {
                failures.push(e);
            }
        }
        Kind::Pair(api, target) => {
            for errno in ERRNOS {
                if let Some(s) = api
                    .skip
                    .iter()
                    .find(|s| s.target == target && s.errno == errno)
                {
                    let name = child::name(errno);
                    tally.excluded.push(format!(
                        "{} × {} × {name}: {}",
                        api.name,
                        target.name(),
                        s.why
                    ));
                    continue;
                }
                if let Some(why) = target.recovers_from(errno) {
                    let name = child::name(errno);
                    tally.excluded.push(format!(
                        "{} × {} × {name}: {why}",
                        api.name,
                        target.name()
                    ));
                    continue;
                }
                let r = runner.run(Mode::Errno { target, errno }, api.run);
                note(&mut tally.errno, &r);
                if let Err(e) = r {
                    failures.push(format!("{}: {e}", child::name(errno)));
                }
            }
            let r = runner.run(Mode::Count { target }, api.run);
            note(&mut tally.count, &r);
            if let Err(e) = r {
                failures.push(format!(
                    "counting ({} trapped): {e}",
                    child::name(child::COUNT_ERRNO)
                ));
            }
        }
        Kind::Sweep(api) => {
            let r = runner.run(
                Mode::Sweep {
                    declared: api.issues,
                },
                api.run,
            );
            note(&mut tally.sweep, &r);
            if let Err(e) = r {
                failures.push(format!(
                    "with every call but {:?} forbidden: {e}",
                    api.issues.iter().map(|t| t.name()).collect::<Vec<_>>()
                ));
            }
        }
        Kind::NoSys(case) => {
            let r = runner.run(Mode::NoSys, case.run);
            note(&mut tally.nosys, &r);
            if let Err(e) = r {
                failures.push(e);
            }
        }
    }
    failures
}

/// The matrix: rows, dimensions, and what passed.
fn print_matrix(selected: &[&Test], tally: &Tally) {
    let pairs: Vec<(&Api, Target)> = selected
        .iter()
        .filter_map(|t| match t.kind {
            Kind::Pair(api, target) => Some((api, target)),
            _ => None,
        })
        .collect();
    if pairs.is_empty() && tally.sweep.0 == 0 && tally.nosys.0 == 0 {
        return;
    }
    let mut apis: Vec<&str> = pairs.iter().map(|(a, _)| a.name).collect();
    apis.sort_unstable();
    apis.dedup();
    let rows: Vec<Target> = ROWS
        .into_iter()
        .filter(|r| pairs.iter().any(|(_, t)| t == r))
        .collect();
    let syscalls = rows
        .iter()
        .filter(|r| matches!(r, Target::Sys(_) | Target::Fallback { .. }))
        .count();
    let alone: Vec<&str> = rows
        .iter()
        .filter(|r| !matches!(r, Target::Sys(_) | Target::Fallback { .. }))
        .map(|r| r.name())
        .collect();
    println!();
    println!("fault-injection matrix (seccomp):");
    for row in &rows {
        let n = pairs.iter().filter(|(_, t)| t == row).count();
        println!(
            "  {:<29} {n:>2} API{} × {} errnos = {:>3} cells",
            row.name(),
            if n == 1 { " " } else { "s" },
            ERRNOS.len(),
            n * ERRNOS.len()
        );
    }
    for (nr, why) in NOT_INJECTED {
        println!("  {:<29} not injected: {why}", nr.name());
    }
    let names: Vec<&str> = ERRNOS.iter().map(|&e| child::name(e)).collect();
    println!("  errnos: {}", names.join(" "));
    println!(
        "  size: {syscalls} syscalls{} × {} errnos × {} APIs: {} API×syscall pairs × {} errnos = {} cells, {} excluded",
        if alone.is_empty() {
            String::new()
        } else {
            format!(" (+ {} alone)", alone.join(", "))
        },
        ERRNOS.len(),
        apis.len(),
        pairs.len(),
        ERRNOS.len(),
        pairs.len() * ERRNOS.len(),
        tally.excluded.len()
    );
    for e in &tally.excluded {
        println!("    excluded: {e}");
    }
    let total = tally.errno.0 + tally.count.0 + tally.sweep.0 + tally.nosys.0;
    let passed = tally.errno.1 + tally.count.1 + tally.sweep.1 + tally.nosys.1;
    println!(
        "  errno cells:       {} passed of {}",
        tally.errno.1, tally.errno.0
    );
    println!(
        "  counting cells:    {} passed of {}",
        tally.count.1, tally.count.0
    );
    println!(
        "  sweeps:            {} passed of {}",
        tally.sweep.1, tally.sweep.0
    );
    println!(
        "  no-syscall paths:  {} passed of {}",
        tally.nosys.1, tally.nosys.0
    );
    println!("  all cells:         {passed} passed of {total}");
    println!();
}

fn main() -> ExitCode {
    let args = match cli::parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(101);
        }
    };
    let tests = all_tests();
    let selected: Vec<&Test> = tests.iter().filter(|t| args.selects(&t.name)).collect();
    let filtered_out = tests.len() - selected.len();
    if args.list {
        for t in &selected {
            println!("{}: test", t.name);
        }
        println!("\n{} tests, 0 benchmarks", selected.len());
        return ExitCode::SUCCESS;
    }

    println!("\nrunning {} tests", selected.len());
    let start = Instant::now();
    let runner = Runner::new();
    let mut tally = Tally::default();
    let mut failed = Vec::new();
    for test in &selected {
        if !args.quiet {
            print!("test {} ... ", test.name);
            // The line is complete before the children fork.
            let _ = std::io::stdout().flush();
        }
        let failures = run(test, &runner, &mut tally);
        let ok = failures.is_empty();
        if !args.quiet {
            println!("{}", if ok { "ok" } else { "FAILED" });
        }
        if !ok {
            failed.push((test.name.as_str(), failures));
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    print_matrix(&selected, &tally);

    if !failed.is_empty() {
        println!("failures:\n");
        for (name, failures) in &failed {
            println!("---- {name} ----");
            for f in failures {
                println!("  {f}");
            }
            println!();
        }
        println!("failures:");
        for (name, _) in &failed {
            println!("    {name}");
        }
        println!();
    }
    let passed = selected.len() - failed.len();
    println!(
        "test result: {}. {passed} passed; {} failed; 0 ignored; 0 measured; {filtered_out} filtered out; finished in {elapsed:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(101)
    }
}
