//! The markdown report: the machine, the settings, iofd against each peer,
//! and every variant of every operation. The README's tables are this
//! output, pasted as printed.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::FLOOR;
use crate::harness::{Config, Measurement, Spread};

/// The peers iofd is compared with in the summary table, in column order.
const PEERS: [&str; 5] = [FLOOR, "rustix", "libc", "nix", "std"];

/// Where and when the numbers were taken.
#[derive(Clone, Debug)]
pub struct Environment {
    /// The UTC date and time, `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    /// The CPU's `model name` from /proc/cpuinfo.
    pub cpu: String,
    /// The CPUs this process may run on.
    pub cpus: usize,
    /// The kernel release (`uname -r`).
    pub kernel: String,
    /// `rustc --version` of the compiler that built the bench.
    pub rustc: &'static str,
}

impl Environment {
    /// Reads the clock, /proc/cpuinfo and /proc/sys/kernel/osrelease.
    pub fn detect() -> Environment {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == "model name").then(|| value.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|release| release.trim().to_owned())
            .unwrap_or_else(|_| "unknown".to_owned());
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Environment {
            date: utc_date(since_epoch),
            cpu,
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            kernel,
            rustc: env!("IOFD_BENCH_RUSTC"),
        }
    }
}

/// `seconds` since the Unix epoch as `YYYY-MM-DD HH:MM UTC` (the proleptic
/// Gregorian calendar, counted in 400-year eras of 146 097 days).
fn utc_date(seconds: u64) -> String {
    let (days, in_day) = (seconds / 86_400, seconds % 86_400);
    // Shift the epoch to 0000-03-01, so that leap days end each year.
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        in_day / 3_600,
        in_day % 3_600 / 60
    )
}

/// The whole report, in markdown.
pub fn markdown(env: &Environment, config: &Config, measurements: &[Measurement]) -> String {
    let mut out = String::new();
    let cpus = if env.cpus == 1 {
        "1 CPU".to_owned()
    } else {
        format!("{} CPUs", env.cpus)
    };
    let _ = writeln!(
        out,
        "Measured {} on {} ({cpus}), Linux {}, {}: {} rounds per operation after {} \
         warm-up {}; in each round every variant runs one batch (≈ {} ms for the \
         slowest), in an order that rotates every round.",
        env.date,
        env.cpu,
        env.kernel,
        env.rustc,
        config.rounds,
        config.warmup_rounds,
        if config.warmup_rounds == 1 {
            "round"
        } else {
            "rounds"
        },
        config.batch_time.as_secs_f64() * 1e3,
    );
    out.push('\n');
    summary(&mut out, measurements);
    for measurement in measurements {
        out.push('\n');
        details(&mut out, measurement);
    }
    out
}

/// iofd's per-round ratio to each peer, one row per operation.
fn summary(out: &mut String, measurements: &[Measurement]) {
    out.push_str(
        "iofd ÷ each peer: the median of the per-round ratios, with the middle half of \
         the rounds in brackets; below 1 means iofd is faster.\n\n",
    );
    out.push_str("| operation | per batch |");
    for peer in PEERS {
        let _ = write!(out, " iofd ÷ {peer} |");
    }
    out.push_str("\n|---|--:|");
    out.push_str(&"--:|".repeat(PEERS.len()));
    out.push('\n');
    for m in measurements {
        let _ = write!(out, "| {} | {} |", m.operation.name, thousands(m.batch));
        for peer in PEERS {
            let cell = if m.has("iofd") && m.has(peer) {
                ratio_with_spread(Spread::of(&m.ratios("iofd", peer)))
            } else {
                "—".to_owned()
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
}

/// Every variant of one operation: its time and its ratio to the floor.
fn details(out: &mut String, m: &Measurement) {
    let _ = writeln!(
        out,
        "**{}**: {}; {} iterations per batch.\n",
        m.operation.name,
        m.operation.summary,
        thousands(m.batch)
    );
    out.push_str(
        "| variant | ns/op (median) | × floor (median of rounds) | × floor, middle half |\n",
    );
    out.push_str("|---|--:|--:|--:|\n");
    for v in m.summaries() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {}–{} |",
            v.name,
            nanos(v.ns_per_op.median),
            ratio(v.to_floor.median),
            ratio(v.to_floor.low),
            ratio(v.to_floor.high)
        );
    }
}

fn ratio_with_spread(s: Spread) -> String {
    format!("{} ({}–{})", ratio(s.median), ratio(s.low), ratio(s.high))
}

/// A ratio with two significant decimals, three below 0.1.
fn ratio(r: f64) -> String {
    if r < 0.1 {
        format!("{r:.3}")
    } else {
        format!("{r:.2}")
    }
}

/// Nanoseconds with one decimal, two below 10.
fn nanos(ns: f64) -> String {
    if ns < 10.0 {
        format!("{ns:.2}")
    } else {
        format!("{ns:.1}")
    }
}

/// `n` with commas between groups of three digits.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
