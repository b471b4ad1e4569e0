//! The markdown report: the machine and the settings, what each operation
//! does, every variant's time and ratio to the floor, and iofd against
//! each other variant. The README's tables are this output, as printed.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::FLOOR;
use crate::harness::{Config, Measurement, Spread};

/// The variants, in column order.
const VARIANTS: [&str; 7] = [FLOOR, "floor+guard", IOFD, "rustix", "libc", "nix", "std"];

/// The variant the last table compares with every other.
const IOFD: &str = "iofd";

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
    for m in measurements {
        let _ = writeln!(out, "- **{}**: {}", m.operation.name, m.operation.summary);
    }
    out.push('\n');
    times(&mut out, measurements);
    out.push('\n');
    iofd_ratios(&mut out, measurements);
    out
}

/// A table header: `| operation | per batch |`, one column per variant
/// titled by `title`, and the alignment row.
fn header(out: &mut String, variants: &[&str], title: impl Fn(&str) -> String) {
    out.push_str("| operation | per batch |");
    for variant in variants {
        let _ = write!(out, " {} |", title(variant));
    }
    out.push_str("\n|---|--:|");
    out.push_str(&"--:|".repeat(variants.len()));
    out.push('\n');
}

/// Every variant's median time and its ratio to the floor, one row per
/// operation.
fn times(out: &mut String, measurements: &[Measurement]) {
    out.push_str(
        "Median ns per operation over the rounds, and in brackets the median of the \
         per-round ratios to the floor:\n\n",
    );
    header(out, &VARIANTS, str::to_owned);
    for m in measurements {
        let summaries = m.summaries();
        let _ = write!(out, "| {} | {} |", m.operation.name, thousands(m.batch));
        for variant in VARIANTS {
            let cell = match summaries.iter().find(|v| v.name == variant) {
                Some(v) if variant == FLOOR => nanos(v.ns_per_op.median),
                Some(v) => format!(
                    "{} ({})",
                    nanos(v.ns_per_op.median),
                    ratio(v.to_floor.median)
                ),
                None => "—".to_owned(),
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
}

/// iofd's per-round ratio to each other variant, one row per operation.
fn iofd_ratios(out: &mut String, measurements: &[Measurement]) {
    out.push_str(
        "iofd ÷ each other variant: the median of the per-round ratios, with the middle \
         half of the rounds in brackets; below 1 means iofd is faster:\n\n",
    );
    let peers: Vec<&str> = VARIANTS.into_iter().filter(|v| *v != IOFD).collect();
    header(out, &peers, |peer| format!("iofd ÷ {peer}"));
    for m in measurements {
        let _ = write!(out, "| {} | {} |", m.operation.name, thousands(m.batch));
        for peer in &peers {
            let cell = if m.has(IOFD) && m.has(peer) {
                ratio_with_spread(Spread::of(&m.ratios(IOFD, peer)))
            } else {
                "—".to_owned()
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
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
