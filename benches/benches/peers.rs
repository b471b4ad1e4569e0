//! `cargo bench`: iofd against the bare system call, rustix, libc, nix and
//! std, interleaved round by round (see `iofd_benches::harness`).
//!
//! ```text
//! cargo bench                         # everything, about a minute and a half
//! cargo bench -- --quick              # a few seconds, rougher numbers
//! cargo bench -- eventfd memfd        # only the operations named
//! IOFD_BENCH_ROUNDS=50 cargo bench    # another number of rounds
//! ```
//!
//! Prints the markdown report on stdout (progress goes to stderr) and
//! writes it to `target/bench-report.md`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use iofd_benches::harness::{self, Config};
use iofd_benches::report::{self, Environment};
use iofd_benches::{OPERATIONS, Operation};

const USAGE: &str = "usage: cargo bench -p iofd-benches -- [--quick] [--rounds N] [OPERATION...]
  --quick      30 short rounds instead of 300 (also IOFD_BENCH_QUICK=1)
  --rounds N   N measured rounds (also IOFD_BENCH_ROUNDS=N)
  OPERATION    run only these: eventfd timerfd memfd dup raw clock closed";

fn main() -> ExitCode {
    let (config, operations) = match parse_args() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let env = Environment::detect();
    let start = Instant::now();
    let mut measurements = Vec::new();
    for operation in operations {
        eprint!("{:8} ", operation.name);
        let measurement = harness::measure(operation, &config);
        eprintln!(
            "{} rounds × {} variants × {} iterations in {:.1} s",
            config.rounds,
            measurement.names.len(),
            measurement.batch,
            measurement.elapsed.as_secs_f64()
        );
        measurements.push(measurement);
    }
    eprintln!("measured in {:.1} s\n", start.elapsed().as_secs_f64());

    let markdown = report::markdown(&env, &config, &measurements);
    print!("{markdown}");
    let path = report_path();
    match std::fs::create_dir_all(path.parent().unwrap_or(&path))
        .and_then(|()| std::fs::write(&path, &markdown))
    {
        Ok(()) => eprintln!("\nwritten to {}", path.display()),
        Err(e) => eprintln!("\ncould not write {}: {e}", path.display()),
    }
    ExitCode::SUCCESS
}

/// The settings and the operations to run, from the command line and the
/// environment. Cargo adds `--bench`, which is ignored.
fn parse_args() -> Result<(Config, Vec<Operation>), String> {
    let mut quick = std::env::var("IOFD_BENCH_QUICK").is_ok_and(|v| v != "0" && !v.is_empty());
    let mut rounds = match std::env::var("IOFD_BENCH_ROUNDS") {
        Ok(value) => Some(parse_rounds(&value)?),
        Err(_) => None,
    };
    let mut names = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--quick" => quick = true,
            "--rounds" => rounds = Some(parse_rounds(&args.next().unwrap_or_default())?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            name => names.push(name.to_owned()),
        }
    }

    let mut config = if quick { Config::QUICK } else { Config::FULL };
    if let Some(rounds) = rounds {
        config.rounds = rounds;
    }
    let operations = if names.is_empty() {
        OPERATIONS.to_vec()
    } else {
        let unknown: Vec<_> = names
            .iter()
            .filter(|n| Operation::find(n).is_none())
            .collect();
        if !unknown.is_empty() {
            return Err(format!("unknown operation(s): {unknown:?}"));
        }
        // Report order, whatever the order on the command line.
        OPERATIONS
            .iter()
            .filter(|op| names.iter().any(|n| n == op.name))
            .copied()
            .collect()
    };
    Ok((config, operations))
}

fn parse_rounds(value: &str) -> Result<usize, String> {
    match value.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("rounds must be a positive number, not {value:?}")),
    }
}

/// `$CARGO_TARGET_DIR/bench-report.md`, or `target/bench-report.md` at the
/// workspace root. A relative `CARGO_TARGET_DIR` is taken from the
/// workspace root.
fn report_path() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir.parent().unwrap_or(manifest_dir);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| root.join(dir))
        .unwrap_or_else(|| root.join("target"));
    target.join("bench-report.md")
}
